"""Tests of tasks/jsb_chorales.py: readers, checks, example layout, the NLL-per-step metric, and
the shared copy of the BL2012 split (skipped where ../shared/data is absent)."""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

import tasks
from tasks import jsb_chorales
from tasks.base import DataError

SIZES = {"train": 229, "valid": 76, "test": 77}


def _shared_json() -> Path:
    env = os.environ.get("ODYSSEY_SHARED_DATA")
    base = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    return base / "jsb_chorales" / "jsb-chorales-quarter.json"


def _toy_corpus() -> dict[str, list[list[list[float]]]]:
    """229/76/77 chorales of 3-5 steps; chorale i of a split starts with note 40 + i % 50."""
    out = {}
    for split, n in SIZES.items():
        out[split] = [
            [[40.0 + i % 50, 60.0], [], [21.0, 108.0]] + [[64.0]] * (i % 3) for i in range(n)
        ]
    return out


def _write_json(path: Path, data: object) -> str:
    path.write_text(json.dumps(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_json_reader_and_examples(tmp_path: Path) -> None:
    path = tmp_path / "toy.json"
    digest = _write_json(path, _toy_corpus())
    task = tasks.get("jsb_chorales", data_path=path, sha256=digest)
    assert [len(task.split(s)) for s in SIZES] == [229, 76, 77]
    roll = task.rolls("train")[1]  # steps [41, 60], [], [21, 108], [64]
    assert roll.shape == (4, 88)
    assert np.flatnonzero(roll[0]).tolist() == [41 - 21, 60 - 21]
    assert roll[1].sum() == 0
    assert np.flatnonzero(roll[2]).tolist() == [0, 87]
    ex = task.split("train")[1]
    np.testing.assert_array_equal(ex.x, roll[:-1])  # input frame t
    np.testing.assert_array_equal(ex.y, roll[1:])  # target frame t + 1
    assert ex.x.dtype == np.float32
    assert (task.input_size, task.output_size, task.output_kind) == (88, 88, "sigmoid")
    assert not task.bidirectional
    assert (task.metric_name, task.metric_direction) == ("nll", "minimize")


def test_pickle_reader_and_restricted_unpickling(tmp_path: Path) -> None:
    data = {s: [[tuple(step) for step in ch] for ch in v] for s, v in _toy_corpus().items()}
    path = tmp_path / "JSB Chorales.pickle"
    path.write_bytes(pickle.dumps(data, protocol=2))
    rolls = jsb_chorales.load_jsb_rolls(path)  # no known digest: structure checks only
    assert len(rolls["test"]) == 77
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(jsb_chorales.load_jsb_rolls(path, sha256=digest)["valid"]) == 76
    with pytest.raises(DataError, match="sha256"):
        jsb_chorales.load_jsb_rolls(path, sha256="0" * 64)
    evil = tmp_path / "evil.pickle"
    evil.write_bytes(pickle.dumps({"train": Path("x")}))  # a class reference
    with pytest.raises(DataError, match="refusing"):
        jsb_chorales.load_jsb_rolls(evil)


def test_download_path_with_a_local_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The download code, fed by a file:// URL (the real URL needs the internet)."""
    src = tmp_path / "src.pickle"
    src.write_bytes(pickle.dumps(_toy_corpus(), protocol=2))
    monkeypatch.setattr(jsb_chorales, "PICKLE_URL", src.as_uri())
    monkeypatch.setenv("ODYSSEY_SHARED_DATA", str(tmp_path / "nowhere"))
    monkeypatch.delenv("ODYSSEY_JSB_CHORALES", raising=False)
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match="allow_download"):
        jsb_chorales.JsbChoralesTask(cache_dir=cache).split("train")
    task = jsb_chorales.JsbChoralesTask(cache_dir=cache, allow_download=True)
    assert len(task.split("train")) == 229
    assert (cache / "JSB Chorales.pickle").is_file()
    bad = jsb_chorales.JsbChoralesTask(
        cache_dir=tmp_path / "c2", allow_download=True, sha256="a" * 64
    )
    with pytest.raises(DataError, match="expected"):
        bad.locate()
    assert list((tmp_path / "c2").iterdir()) == []  # nothing half-written left


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["valid"].pop(), "expected 76"),
        (lambda d: d["test"][0].append([20.0]), "21..108"),
        (lambda d: d["train"][0].append([60.5]), "21..108"),
        (lambda d: d.pop("test"), "train/valid/test"),
    ],
)
def test_corrupt_files(tmp_path: Path, mutate, message: str) -> None:
    data = _toy_corpus()
    mutate(data)
    path = tmp_path / "bad.json"
    digest = _write_json(path, data)
    with pytest.raises(DataError, match=message):
        jsb_chorales.load_jsb_rolls(path, sha256=digest)


def test_missing_and_wrong_digest(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="missing") as err:
        jsb_chorales.load_jsb_rolls(tmp_path / "jsb-chorales-quarter.json")
    assert "\n" not in str(err.value)
    path = tmp_path / "jsb-chorales-quarter.json"
    _write_json(path, _toy_corpus())
    with pytest.raises(DataError, match="sha256"):  # checked against the known export digest
        jsb_chorales.load_jsb_rolls(path)
    path.write_text("{not json")
    with pytest.raises(DataError, match="unreadable"):
        jsb_chorales.load_jsb_rolls(path, sha256=hashlib.sha256(path.read_bytes()).hexdigest())


def test_nll_per_time_step_weighs_every_step(tmp_path: Path) -> None:
    path = tmp_path / "toy.json"
    task = tasks.get("jsb_chorales", data_path=path, sha256=_write_json(path, _toy_corpus()))
    examples = [task.split("train")[0], task.split("train")[2]]  # 2 and 4 predicted steps
    batch = task.collate(examples)
    assert batch.lengths.tolist() == [2, 4]
    # logits 0 -> each unit costs ln 2, so every step costs 88 ln 2, whatever the target
    scores = task.score(torch.zeros(2, 4, 88), batch)
    num, den = scores["nll"]
    assert den == 6
    assert task.finalize("nll", num, den) == pytest.approx(88 * math.log(2), rel=1e-6)
    # sequence 0 gets logits +-20 in the direction of its targets (cost ~0): the per-step NLL is
    # then 4 steps * 88 ln 2 over all 6 steps (a mean of sequence means would give 44 ln 2)
    logits = torch.zeros(2, 4, 88)
    logits[0] = (batch.y[0] * 2 - 1) * 20.0
    num, den = task.score(logits, batch)["nll"]
    expected = 4 * 88 * math.log(2) / 6
    assert num / den == pytest.approx(expected, rel=1e-4)
    loss = task.loss(logits, batch)  # summed over time, mean over sequences
    assert float(loss) == pytest.approx(4 * 88 * math.log(2) / 2, rel=1e-4)


@pytest.mark.skipif(not _shared_json().is_file(), reason="no shared JSB copy (../shared/data)")
def test_shared_copy_split_sizes_and_lengths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ODYSSEY_JSB_CHORALES", raising=False)
    task = tasks.get("jsb_chorales", data_path=_shared_json())
    info = task.info()
    assert info["sizes"] == SIZES
    frames = {s: sum(r.shape[0] for r in task.rolls(s)) for s in SIZES}
    assert frames == {"train": 13807, "valid": 4602, "test": 4725}
    for s in SIZES:
        assert 59 <= frames[s] / SIZES[s] <= 62  # about 60 time steps per chorale
        assert info["lengths"][s]["total"] == frames[s] - SIZES[s]  # predicted steps
