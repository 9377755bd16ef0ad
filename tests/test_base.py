"""Tests of tasks/base.py: collate, masks, losses and metrics on hand-made tensors, CTC, caches."""

from __future__ import annotations

import inspect
import math
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import tasks
from tasks.base import (
    Batch,
    DataError,
    Example,
    Task,
    atomic_write,
    atomic_write_bytes,
    best_path_decode,
    collate_examples,
    count_errors,
    ctc_error_sums,
    ctc_loss_per_sequence,
    current_umask,
    edit_distance,
    last_step,
    length_mask,
    load_arrays_verified,
    make_rng,
    masked_binary_cross_entropy,
    masked_cross_entropy,
    masked_squared_error,
    nll_per_step_sums,
    resolve_sizes,
    save_arrays_atomic,
    sha256_file,
    verify_sha256,
)

LN2 = math.log(2.0)


def _two_examples_per_step() -> list[Example]:
    a = Example(x=np.arange(6, dtype=np.float32).reshape(3, 2), y=np.array([1, 0, 1]))
    b = Example(x=np.array([[7.0, 8.0]], dtype=np.float32), y=np.array([1]))
    return [a, b]


def test_collate_pads_and_masks() -> None:
    batch = collate_examples(_two_examples_per_step(), "per_step", "softmax")
    assert batch.x.shape == (2, 3, 2) and batch.x.dtype == torch.float32
    assert batch.lengths.tolist() == [3, 1] and batch.lengths.dtype == torch.int64
    assert batch.mask.tolist() == [[True, True, True], [True, False, False]]
    assert batch.x[1].tolist() == [[7.0, 8.0], [0.0, 0.0], [0.0, 0.0]]
    assert batch.y.tolist() == [[1, 0, 1], [1, 0, 0]]
    assert len(batch) == 2
    moved = batch.to("cpu")
    assert isinstance(moved, Batch) and torch.equal(moved.x, batch.x)


def test_collate_final_ctc_and_extra() -> None:
    ex = [
        Example(x=np.zeros((2, 1), np.float32), y=np.array([1.0, 0.0]), extra={"w": np.ones(2)}),
        Example(x=np.zeros((4, 1), np.float32), y=np.array([0.0, 1.0]), extra={"w": np.ones(4)}),
    ]
    final = collate_examples(ex, "final", "sigmoid")
    assert final.y.shape == (2, 2) and final.y.dtype == torch.float32
    assert final.extra["w"].tolist() == [[1, 1, 0, 0], [1, 1, 1, 1]]
    ctc = collate_examples(
        [
            Example(np.zeros((3, 1), np.float32), np.array([2, 3])),
            Example(np.zeros((5, 1), np.float32), np.array([4])),
        ],
        "per_step",
        "ctc",
    )
    assert ctc.y.tolist() == [[2, 3], [4, 0]] and ctc.y_lengths.tolist() == [2, 1]


def test_collate_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="empty"):
        collate_examples([], "final", "softmax")
    with pytest.raises(ValueError, match="per-step target length"):
        collate_examples(
            [Example(np.zeros((3, 1), np.float32), np.zeros(2))], "per_step", "softmax"
        )


def test_length_mask_and_last_step() -> None:
    lengths = torch.tensor([2, 4, 1])
    assert length_mask(lengths).tolist() == [
        [True, True, False, False],
        [True, True, True, True],
        [True, False, False, False],
    ]
    out = torch.arange(3 * 4 * 2, dtype=torch.float32).reshape(3, 4, 2)
    assert last_step(out, lengths).tolist() == [[2.0, 3.0], [14.0, 15.0], [16.0, 17.0]]


def test_masked_cross_entropy_ignores_padding() -> None:
    batch = collate_examples(_two_examples_per_step(), "per_step", "softmax")
    logits = torch.zeros(2, 3, 2)
    logits[1, 1:] = torch.tensor([100.0, -100.0])  # garbage at padded steps
    per_seq = masked_cross_entropy(logits, batch.y, batch.mask)
    assert per_seq.tolist() == pytest.approx([3 * LN2, LN2])


def test_masked_bce_sums_units_and_squared_error() -> None:
    mask = torch.tensor([[True, False]])
    logits = torch.zeros(1, 2, 3)
    targets = torch.tensor([[[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]])
    assert masked_binary_cross_entropy(logits, targets, mask).tolist() == pytest.approx([3 * LN2])
    pred = torch.tensor([[[1.0, 2.0], [5.0, 5.0]]])
    tgt = torch.tensor([[[0.0, 0.0], [0.0, 0.0]]])
    assert masked_squared_error(pred, tgt, mask).tolist() == pytest.approx([5.0])


def test_count_errors() -> None:
    logits = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [5.0, 0.0]]])  # argmax 0, 1, 0
    targets = torch.tensor([[0, 0, 1]])
    mask = torch.tensor([[True, True, False]])
    assert count_errors(logits, targets, mask) == (1.0, 2.0)
    assert count_errors(logits[:, 0], torch.tensor([1]), None) == (1.0, 1.0)


def _logit_for_bce(nll: float) -> float:
    """Logit z with softplus(-z) == nll, i.e. -log sigmoid(z) == nll for target 1."""
    return -math.log(math.expm1(nll))


def test_nll_per_time_step_weighs_every_step_equally() -> None:
    # sequence A: 3 steps of NLL 1.0; sequence B: 1 step of NLL 3.0 (then padding)
    logits = torch.full((2, 3, 1), 50.0)
    logits[0, :, 0] = _logit_for_bce(1.0)
    logits[1, 0, 0] = _logit_for_bce(3.0)
    targets = torch.ones(2, 3, 1)
    mask = length_mask(torch.tensor([3, 1]), 3)
    num, den = nll_per_step_sums(logits, targets, mask, "sigmoid")
    assert den == 4.0
    assert num / den == pytest.approx(1.5, rel=1e-5)  # not the mean of means (2.0)
    # the same totals summed over two one-sequence batches
    n1, d1 = nll_per_step_sums(logits[:1], targets[:1], mask[:1], "sigmoid")
    n2, d2 = nll_per_step_sums(logits[1:], targets[1:], mask[1:], "sigmoid")
    assert (n1 + n2) / (d1 + d2) == pytest.approx(1.5, rel=1e-5)


def test_best_path_decode_and_edit_distance() -> None:
    path = [0, 1, 1, 0, 1, 2, 2, 0]  # -> 1 1 2 with blank 0; last step is padding
    logits = torch.nn.functional.one_hot(torch.tensor([path]), 3).float()
    assert best_path_decode(logits, torch.tensor([7])) == [[1, 1, 2]]
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance([], [1, 2]) == 2
    assert edit_distance([1, 2, 3], [1, 2, 3]) == 0
    errors, total = ctc_error_sums(
        logits, torch.tensor([7]), torch.tensor([[1, 2, 9]]), torch.tensor([2])
    )
    assert (errors, total) == (1.0, 2.0)  # one insertion against label [1, 2]


def test_ctc_loss_hand_computed() -> None:
    logits = torch.zeros(1, 2, 2)  # uniform over {blank, 1} at both steps
    loss = ctc_loss_per_sequence(logits, torch.tensor([2]), torch.tensor([[1]]), torch.tensor([1]))
    # alignments of "1" in 2 steps: (1,1), (0,1), (1,0), each with probability 1/4
    assert loss.tolist() == pytest.approx([-math.log(0.75)], rel=1e-5)


def test_make_rng_streams() -> None:
    a = make_rng(3, "adding", "train").random(4)
    assert np.array_equal(a, make_rng(3, "adding", "train").random(4))
    assert not np.array_equal(a, make_rng(3, "adding", "valid").random(4))
    assert not np.array_equal(a, make_rng(4, "adding", "train").random(4))
    with pytest.raises(ValueError, match="seed"):
        make_rng(-1)


def test_resolve_sizes() -> None:
    default = {"train": 10, "valid": 5, "test": 5}
    assert resolve_sizes(None, default) == default
    assert resolve_sizes({"train": 3}, default) == {"train": 3, "valid": 5, "test": 5}
    assert resolve_sizes((1, 2, 3), default) == {"train": 1, "valid": 2, "test": 3}
    with pytest.raises(ValueError, match="unknown split"):
        resolve_sizes({"dev": 3}, default)
    with pytest.raises(ValueError, match=r"sizes\[.train.\] must be an int >= 1"):
        resolve_sizes((0, 1, 1), default)


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_atomic_write_honours_the_umask(tmp_path: Path, umask: int) -> None:
    # mkstemp makes 0o600 files; a shared cache needs the mode open() would give (0o666 & ~umask)
    old = os.umask(umask)
    try:
        assert current_umask() == umask
        target = atomic_write_bytes(tmp_path / "cache" / "f.bin", b"x")
        save_arrays_atomic(tmp_path / "a.npz", {"x": np.zeros(2)})
        frame_csv = tmp_path / "t.csv"
        from odyssey.sweep.collect import write_table  # the trials tables are written this way

        write_table(pd.DataFrame({"a": [1]}), frame_csv)
    finally:
        os.umask(old)
    for path in (target, tmp_path / "a.npz", frame_csv):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path.name
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["f.bin"]


def test_atomic_write_leaves_nothing_half_written(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "data.bin"
    atomic_write_bytes(target, b"old")

    def failing(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        atomic_write(target, failing)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["data.bin"]


def test_checksum_verification(tmp_path: Path) -> None:
    arrays = {"a": np.arange(5), "b": np.ones((2, 2), np.float32)}
    path = tmp_path / "c.npz"
    digest = save_arrays_atomic(path, arrays)
    assert digest == sha256_file(path)
    loaded = load_arrays_verified(path, digest, "rebuild it")
    assert np.array_equal(loaded["a"], arrays["a"]) and loaded["b"].dtype == np.float32
    path.write_bytes(path.read_bytes()[:-3] + b"xyz")
    with pytest.raises(DataError, match="sha256.*rebuild it"):
        load_arrays_verified(path, digest, "rebuild it")
    with pytest.raises(DataError, match="missing; get it here"):
        verify_sha256(tmp_path / "absent.npz", digest, "get it here")
    assert issubclass(DataError, ValueError)


class _FinalSoftmax(Task):
    name = "toy"
    input_size = 1
    output_size = 2
    output_kind = "softmax"
    target_kind = "final"

    def _build_split(self, name: str) -> list[Example]:
        return [Example(np.zeros((n, 1), np.float32), np.array(n % 2)) for n in (1, 2, 3)]


def test_task_final_loss_uses_last_valid_step_and_info() -> None:
    task = _FinalSoftmax()
    batch = task.collate(task.split("train"))
    logits = torch.zeros(3, 3, 2)
    logits[0, 1:] = torch.tensor([-50.0, 50.0])  # padding of the first sequence: ignored
    assert task.loss(logits, batch).item() == pytest.approx(LN2)
    logits[2, 2] = torch.tensor([0.0, 10.0])  # last step of sequence 3 (target 1): right
    scores = task.score(logits, batch)
    # seq 1 (len 1, target 1): tie -> argmax 0, wrong; seq 2 (len 2, target 0): right; seq 3: right
    assert scores["error"] == (1.0, 3.0)
    assert scores["loss"][1] == 3.0
    info = task.info()
    assert info["sizes"] == {"train": 3, "valid": 3, "test": 3}
    assert info["lengths"]["train"]["mean"] == 2.0
    assert task.finalize("error", 1.0, 4.0) == 0.25
    with pytest.raises(ValueError, match="split"):
        task.split("dev")
    with pytest.raises(ValueError, match="logits must be"):
        task.loss(torch.zeros(3, 3, 5), batch)


def test_registry() -> None:
    assert "adding" in tasks.names()
    infos = {i.name: i for i in tasks.describe()}
    assert infos["adding"].metric_name == "mse" and infos["adding"].direction == "minimize"
    with pytest.raises(ValueError, match="unknown task 'nope'; known tasks: .*adding"):
        tasks.get("nope")
    with pytest.raises(ValueError, match="no option.*colour.*accepted options: seed, lag"):
        tasks.get("adding", colour=3)


def test_registry_options() -> None:
    opts = tasks.options("adding")
    assert list(opts)[:2] == ["seed", "lag"]  # the order tasks.get lists them in
    assert "self" not in opts and "colour" not in opts
    task = tasks.get("adding")
    assert task.lag == opts["lag"]  # the defaults are the ones get() uses
    for name in tasks.names():  # every registered task: keyword options with defaults
        assert all(v is not inspect.Parameter.empty for v in tasks.options(name).values()), name
    with pytest.raises(ValueError, match="unknown task 'nope'; known tasks: .*adding"):
        tasks.options("nope")


def _make_task(output_kind: str, target_kind: str, output_size: int, examples: list[Example]):
    class _Toy(Task):
        name = "toy"
        input_size = 1

        def _build_split(self, name: str) -> list[Example]:
            return examples

    toy = _Toy()
    toy.output_kind, toy.target_kind, toy.output_size = output_kind, target_kind, output_size
    return toy


def test_task_sigmoid_final_and_linear_per_step() -> None:
    z = np.zeros
    sig = _make_task(
        "sigmoid",
        "final",
        2,
        [
            Example(z((1, 1), np.float32), np.array([1.0, 0.0])),
            Example(z((3, 1), np.float32), np.array([0.0, 0.0])),
        ],
    )
    batch = sig.collate(sig.split("train"))
    assert sig.loss(torch.zeros(2, 3, 2), batch).item() == pytest.approx(2 * LN2)
    lin = _make_task(
        "linear",
        "per_step",
        1,
        [
            Example(z((3, 1), np.float32), z(3, np.float32)),
            Example(z((1, 1), np.float32), z(1, np.float32)),
        ],
    )
    batch = lin.collate(lin.split("train"))
    logits = torch.ones(2, 3, 1)
    assert lin.loss(logits, batch).item() == pytest.approx(2.0)  # (3 + 1) / 2 sequences
    scores = lin.score(logits, batch)
    assert scores["mse"] == (4.0, 4.0) and lin.finalize("mse", *scores["mse"]) == 1.0


def test_task_ctc_loss_and_cer() -> None:
    ctc = _make_task(
        "ctc",
        "per_step",
        3,
        [
            Example(np.zeros((2, 1), np.float32), np.array([1])),
            Example(np.zeros((4, 1), np.float32), np.array([1, 2])),
        ],
    )
    batch = ctc.collate(ctc.split("train"))
    logits = torch.zeros(2, 4, 3)
    logits[0, :2, 2] = -1e4  # sequence 0: uniform over {blank, 1} as in the hand case above
    per_seq = ctc.sequence_losses(logits, batch)
    assert per_seq[0].item() == pytest.approx(-math.log(0.75), rel=1e-4)
    best = torch.nn.functional.one_hot(torch.tensor([[1, 1, 0, 0], [2, 0, 2, 1]]), 3).float()
    scores = ctc.score(best, batch)  # decodes [1] (right) and [2, 2, 1] (2 edits vs [1, 2])
    assert scores["cer"] == (2.0, 3.0)
    assert ctc.finalize("cer", *scores["cer"]) == pytest.approx(2 / 3)


def test_every_tasks_option_rules_accept_its_defaults_and_reject_out_of_range() -> None:
    """Task.option_rules: checked at planning without loading data; defaults always pass."""
    import inspect

    import jsonschema

    import tasks

    for name in tasks.names():
        rules = tasks.option_rules(name)
        defaults = tasks.options(name)
        assert set(rules) == set(defaults), name
        for option, default in defaults.items():
            if default is not inspect.Parameter.empty:
                jsonschema.validate(default, rules[option])
    assert not jsonschema.Draft202012Validator(tasks.option_rules("adding")["lag"]).is_valid(-5)
