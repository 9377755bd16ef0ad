"""Tests of tasks/temporal_order.py (H&S 1997 experiments 6a and 6b)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tasks
from tasks.temporal_order import SYMBOLS, scaled_windows


def _decode(x: np.ndarray) -> list[str]:
    return [SYMBOLS[i] for i in x.argmax(axis=1)]


def test_seeded_generation() -> None:
    a = tasks.get("temporal_order", seed=1, sizes=(20, 5, 5))
    b = tasks.get("temporal_order", seed=1, sizes=(20, 5, 5))
    c = tasks.get("temporal_order", seed=2, sizes=(20, 5, 5))
    assert all(
        np.array_equal(ea.x, eb.x) and ea.y == eb.y
        for ea, eb in zip(a.split("train"), b.split("train"), strict=True)
    )
    assert not np.array_equal(a.split("train")[0].x, c.split("train")[0].x)


def test_paper_windows_at_lag_100() -> None:
    assert scaled_windows(2, 100) == [(10, 20), (50, 60)]
    assert scaled_windows(3, 100) == [(10, 20), (33, 43), (66, 76)]
    assert scaled_windows(2, 200) == [(20, 40), (100, 120)]


@pytest.mark.parametrize(("n_relevant", "lag"), [(2, 100), (3, 100), (2, 10), (3, 37)])
def test_definition_classes_recomputed(n_relevant: int, lag: int) -> None:
    task = tasks.get("temporal_order", n_relevant=n_relevant, lag=lag, sizes=(80, 5, 5), seed=3)
    assert task.output_size == 2**n_relevant and task.input_size == 8
    labels = []
    for ex in task.split("train"):
        seq = _decode(ex.x)
        assert np.all(ex.x.sum(axis=1) == 1.0)
        assert lag <= len(seq) <= lag + lag // 10
        assert seq[0] == "E" and seq[-1] == "B"
        assert set(seq[1:-1]) <= {"a", "b", "c", "d", "X", "Y"}
        pos = [i for i, s in enumerate(seq) if s in "XY"]
        assert len(pos) == n_relevant
        for p, (lo, hi) in zip(pos, scaled_windows(n_relevant, lag), strict=True):
            assert lo <= p <= hi
        label = 0
        for p in pos:  # X = 0, Y = 1, first relevant symbol most significant: XY -> R = 1
            label = 2 * label + (seq[p] == "Y")
        assert int(ex.y) == label
        labels.append(label)
    assert set(labels) == set(range(2**n_relevant))  # every class occurs in 80 draws


def test_error_metric_hand_made() -> None:
    task = tasks.get("temporal_order", lag=20, sizes=(4, 4, 4))
    batch = task.collate(task.split("test"))
    logits = torch.zeros(4, batch.x.shape[1], 4)
    logits[:, :, 0] = 5.0  # padding and early steps say class 0
    y = batch.y.tolist()
    for i, n in enumerate(batch.lengths.tolist()):
        logits[i, n - 1] = 0.0
        logits[i, n - 1, (y[i] + (1 if i == 0 else 0)) % 4] = 5.0  # sequence 0 wrong
    scores = task.score(logits, batch)
    assert scores["error"] == (1.0, 4.0)
    assert task.finalize("error", *scores["error"]) == 0.25


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="n_relevant"):
        tasks.get("temporal_order", n_relevant=4)
    with pytest.raises(ValueError, match="lag"):
        tasks.get("temporal_order", lag=5)
