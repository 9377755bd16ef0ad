"""Tests of tasks/_uea.py on a tiny hand-written archive problem in tmp_path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import tasks
from tasks import _aeon
from tasks._uea import UeaTask, stratified_holdout
from tasks.base import DataError, make_rng


class ToyTask(UeaTask):
    name = "toy_uea"
    problem = "Toy"
    expected_cases = (10, 3)
    input_size = 2
    output_size = 2


HEADER = "@problemName Toy\n@dimensions 2\n@classLabel true up down\n@data\n"


def _write(folder: Path, n_test: int = 3) -> None:
    train = [f"{i},{i + 1}:{10 * i},?:{'up' if i % 2 else 'down'}" for i in range(10)]
    (folder / "Toy_TRAIN.ts").write_text(HEADER + "\n".join(train) + "\n")
    test = ["1,2,3:4,5,6:up", "7:8:down", "0,0:0,0:down"][:n_test]
    (folder / "Toy_TEST.ts").write_text(HEADER + "\n".join(test) + "\n")


def test_splits_normalisation_and_labels(tmp_path: Path) -> None:
    _write(tmp_path)
    task = ToyTask(data_dir=tmp_path)
    sizes = {s: len(task.split(s)) for s in ("train", "valid", "test")}
    assert sizes == {"train": 8, "valid": 2, "test": 3}  # one of 5 per class held out
    assert task.class_labels == ["up", "down"]
    assert sorted(int(e.y) for e in task.split("valid")) == [0, 1]
    # z-score from the training split only: its channel-0 values have mean 0, std 1
    x = np.concatenate([e.x for e in task.split("train")])  # (steps, 2)
    assert abs(x[:, 0].mean()) < 1e-6 and abs(x[:, 0].std() - 1) < 1e-6
    assert np.isfinite(x).all()  # '?' -> 0 after scaling
    mean, std = task.normalisation["mean"], task.normalisation["std"]
    np.testing.assert_allclose(
        task.split("test")[0].x[:, 0], (np.array([1, 2, 3]) - mean[0]) / std[0], rtol=1e-5
    )
    again = ToyTask(data_dir=tmp_path)  # deterministic
    assert [e.x.tolist() for e in again.split("valid")] == [
        e.x.tolist() for e in task.split("valid")
    ]


def test_error_rate_from_the_final_valid_step(tmp_path: Path) -> None:
    _write(tmp_path)
    task = ToyTask(data_dir=tmp_path)
    batch = task.collate(task.split("test"))  # lengths 3, 1, 2; labels up=0, down=1, down=1
    assert batch.lengths.tolist() == [3, 1, 2] and batch.y.tolist() == [0, 1, 1]
    logits = torch.zeros(3, 3, 2)
    logits[0, 2, 0] = 1.0  # right at the last step
    logits[1, 0, 1] = 1.0  # right
    logits[2, 1, 0] = 1.0  # wrong at its last step (step 2 is padding and says "down")
    logits[2, 2, 1] = 5.0
    num, den = task.score(logits, batch)["error"]
    assert (num, den) == (1.0, 3.0)
    assert task.finalize("error", num, den) == pytest.approx(1 / 3)


def test_bad_files(tmp_path: Path) -> None:
    _write(tmp_path, n_test=2)
    with pytest.raises(DataError, match="expected 10/3"):
        ToyTask(data_dir=tmp_path).split("train")
    with pytest.raises(DataError, match="missing"):
        ToyTask(data_dir=tmp_path / "none").split("train")
    (tmp_path / "Toy_TEST.ts").write_text(HEADER + "1,x:2,3:up\n")
    with pytest.raises(DataError, match="unreadable"):
        ToyTask(data_dir=tmp_path).split("test")
    with pytest.raises(ValueError, match="valid_fraction"):
        ToyTask(valid_fraction=1.0)


def test_stratified_holdout() -> None:
    labels = np.array([0] * 30 + [1] * 5 + [2])
    tr, va = stratified_holdout(labels, 0.2, make_rng(0, "x"))
    assert np.bincount(labels[va], minlength=3).tolist() == [6, 1, 0]
    assert sorted(np.concatenate([tr, va]).tolist()) == list(range(36))


def check_archive_task(
    name: str,
    sizes: tuple[int, int, int],
    widths: tuple[int, int],
    length_range: tuple[int, int],
) -> None:
    """Shared check of a real archive task (used by the per-task test modules): split sizes,
    input/output widths, length range, every class in validation, z-scored training inputs.
    Skips where the pinned aeon wheel cannot be obtained."""
    try:
        _aeon.fetch_wheel()
    except DataError as exc:
        pytest.skip(f"aeon wheel not obtainable here: {exc}")
    task = tasks.get(name)
    info = task.info()
    assert info["sizes"] == dict(zip(("train", "valid", "test"), sizes, strict=True))
    assert (task.input_size, task.output_size) == widths
    assert (task.target_kind, task.output_kind, task.metric_name) == ("final", "softmax", "error")
    lows = min(v["min"] for v in info["lengths"].values())
    highs = max(v["max"] for v in info["lengths"].values())
    assert (lows, highs) == length_range
    counts = info["class_counts"]
    assert all(c > 0 for c in counts["valid"]) and len(counts["train"]) == widths[1]
    x = np.concatenate([e.x for e in task.split("train")])  # (steps, channels)
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(x.std(axis=0), 1.0, atol=1e-3)
