"""Tests of tasks/adding.py (H&S 1997 experiment 4)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tasks
from tasks.adding import AddingTask


def _task(**kw) -> AddingTask:
    return tasks.get("adding", **{"lag": 40, "sizes": (60, 10, 10), **kw})


def test_seeded_generation() -> None:
    a, b, c = _task(seed=1), _task(seed=1), _task(seed=2)
    for ea, eb in zip(a.split("train"), b.split("train"), strict=True):
        assert np.array_equal(ea.x, eb.x) and np.array_equal(ea.y, eb.y)
    assert not np.array_equal(a.split("train")[0].x, c.split("train")[0].x)
    assert not np.array_equal(a.split("train")[0].x, a.split("test")[0].x)
    assert [len(a.split(s)) for s in ("train", "valid", "test")] == [60, 10, 10]


@pytest.mark.parametrize("lag", [4, 10, 40, 100])
def test_definition(lag: int) -> None:
    task = _task(lag=lag, seed=5)
    seen_first_marked = False
    for ex in task.split("train"):
        values, markers = ex.x[:, 0], ex.x[:, 1]
        assert lag <= len(values) <= lag + lag // 10
        assert np.all((values >= -1) & (values <= 1))
        marked = np.flatnonzero(markers == 1.0)
        assert len(marked) == 2
        assert marked[0] < min(10, max(1, lag // 2 - 1))  # X1 in the first 10 pairs
        assert marked[1] <= max(1, lag // 2 - 1)  # X2 among the first T/2 - 1 unmarked
        assert markers[-1] == -1.0
        if markers[0] == 1.0:
            seen_first_marked = True
            assert values[0] == 0.0  # X1 := 0
        else:
            assert markers[0] == -1.0
        others = np.delete(markers, np.r_[marked, 0, len(markers) - 1])
        assert np.all(others == 0.0)
        expected = 0.5 + values[marked].astype(np.float64).sum() / 4.0
        assert ex.y[0] == pytest.approx(expected, abs=1e-6)
    if lag == 10:
        assert seen_first_marked  # P(X1 at 0) = 1/4 per sequence at lag 10


def test_metrics_hand_made_and_padding() -> None:
    task = _task()
    exs = [ex for ex in task.split("valid")[:3]]
    batch = task.collate(exs)
    targets = batch.y[:, 0]
    logits = torch.full((3, batch.x.shape[1], 1), 99.0)  # garbage everywhere, incl. padding
    errs = torch.tensor([0.0, 0.03, -0.1])
    for i, n in enumerate(batch.lengths.tolist()):
        logits[i, n - 1, 0] = targets[i] + errs[i]
    scores = task.score(logits, batch)
    assert scores["hit_rate"] == (2.0, 3.0)
    assert scores["mse"][1] == 3.0
    assert scores["mse"][0] == pytest.approx(0.03**2 + 0.1**2, rel=1e-4)
    assert task.loss(logits, batch).item() == pytest.approx((0.03**2 + 0.1**2) / 3, rel=1e-4)
    assert task.finalize("mse", *scores["mse"]) == pytest.approx((0.03**2 + 0.1**2) / 3, rel=1e-4)


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="lag"):
        tasks.get("adding", lag=2)
    with pytest.raises(ValueError, match="seed"):
        tasks.get("adding", seed=-3)


def test_info() -> None:
    info = _task().info()
    assert info["input_size"] == 2 and info["output_size"] == 1
    assert info["metric"] == "mse" and info["direction"] == "minimize"
    assert 40 <= info["lengths"]["train"]["min"] <= info["lengths"]["train"]["max"] <= 44
