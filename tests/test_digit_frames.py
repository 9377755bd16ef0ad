"""Tests of tasks/digit_frames.py (CNN-LSTM long-lag task on sklearn's bundled digits)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tasks
from tasks.digit_frames import load_digit_images, split_indices


def _task(**kw):
    return tasks.get("digit_frames", **{"lag": 4, "sizes": (40, 20, 20), "seed": 0, **kw})


def test_image_split_is_disjoint_and_fixed() -> None:
    images, labels = load_digit_images()
    assert images.shape == (1797, 64) and images.min() == 0.0 and images.max() == 1.0
    parts = [set(split_indices(s, len(images)).tolist()) for s in ("train", "valid", "test")]
    assert [len(p) for p in parts] == [1079, 359, 359]
    assert not (parts[0] & parts[1]) and not (parts[0] & parts[2]) and not (parts[1] & parts[2])
    assert set().union(*parts) == set(range(1797))


def test_seeded_generation() -> None:
    a, b, c = _task(), _task(), _task(seed=1)
    assert np.array_equal(a.split("train")[3].x, b.split("train")[3].x)
    assert not np.array_equal(a.split("train")[3].x, c.split("train")[3].x)


def test_definition() -> None:
    images, labels = load_digit_images()
    task = _task(lag=6)
    assert task.frontend == "cnn" and task.frontend_options == {"frame_shape": (1, 8, 8)}
    for split in ("train", "valid", "test"):
        pool = set(split_indices(split, len(images)).tolist())
        for ex in task.split(split):
            idx = ex.extra["image_index"]
            assert ex.x.shape == (7, 64) and ex.x.dtype == np.float32
            assert set(idx.tolist()) <= pool  # only this split's images
            assert np.array_equal(ex.x, images[idx])
            assert int(ex.y) == labels[idx[0]]  # the digit of the first frame


def test_error_metric_and_padding_free_loss() -> None:
    task = _task(lag=0, sizes=(5, 5, 5))
    batch = task.collate(task.split("valid"))
    assert batch.x.shape == (5, 1, 64)
    logits = torch.nn.functional.one_hot(batch.y, 10).float()[:, None, :] * 10.0  # (5, 1, 10)
    logits[2, 0] = torch.roll(logits[2, 0], 1)
    assert task.score(logits, batch)["error"] == (1.0, 5.0)


def test_bad_lag() -> None:
    with pytest.raises(ValueError, match="lag"):
        _task(lag=-1)
