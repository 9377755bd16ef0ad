"""Tests of tasks/copy_memory.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tasks


def _task(**kw):
    return tasks.get("copy_memory", **{"lag": 15, "sizes": (10, 4, 4), "seed": 0, **kw})


def test_seeded_generation() -> None:
    a, b, c = _task(), _task(), _task(seed=9)
    assert np.array_equal(a.split("valid")[1].x, b.split("valid")[1].x)
    assert not np.array_equal(a.split("valid")[1].x, c.split("valid")[1].x)


def test_definition() -> None:
    task = _task(n_symbols=5, length=4, lag=7)
    assert task.input_size == 7 and task.output_size == 6
    for ex in task.split("train"):
        ids = ex.x.argmax(axis=1)
        assert len(ids) == 2 * 4 + 7
        symbols = ids[:4]
        assert np.all(symbols < 5)
        assert np.all(ids[4 : 4 + 6] == 5)  # lag - 1 blanks
        assert ids[4 + 6] == 6  # delimiter
        assert np.all(ids[-4:] == 5)
        assert np.all(ex.y[:-4] == 0) and np.array_equal(ex.y[-4:], symbols + 1)
        assert ex.extra["recall"].tolist() == [False] * 11 + [True] * 4


def test_symbol_error_on_recall_steps_only() -> None:
    task = _task(length=3, lag=4)
    batch = task.collate(task.split("test")[:2])
    logits = torch.nn.functional.one_hot(batch.y, task.output_size).float() * 5.0
    logits[0, 0] = torch.tensor([0.0] * 8 + [5.0])  # wrong on a blank step: not a symbol error
    logits[1, -1] = torch.roll(logits[1, -1], 1)  # wrong on one recall step
    scores = task.score(logits, batch)
    assert scores["symbol_error"] == (1.0, 6.0)
    assert scores["error"] == (2.0, float(2 * (2 * 3 + 4)))


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="n_symbols"):
        _task(n_symbols=1)
