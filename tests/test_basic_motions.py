"""Tests of tasks/basic_motions.py on the archive files of the pinned aeon wheel
(skipped where pip cannot fetch it)."""

from __future__ import annotations

import numpy as np
import pytest

import tasks
from tasks import _aeon
from tasks.base import DataError


def test_archive_sizes_shapes_and_lengths() -> None:
    try:
        _aeon.fetch_wheel()
    except DataError as exc:
        pytest.skip(f"aeon wheel not obtainable here: {exc}")
    task = tasks.get("basic_motions")
    info = task.info()
    assert info["sizes"] == {"train": 32, "valid": 8, "test": 40}
    assert (task.input_size, task.output_size) == (6, 4)
    assert (task.target_kind, task.output_kind, task.metric_name) == ("final", "softmax", "error")
    lows = min(v["min"] for v in info["lengths"].values())
    highs = max(v["max"] for v in info["lengths"].values())
    assert (lows, highs) == (100, 100)
    counts = info["class_counts"]
    assert all(c > 0 for c in counts["valid"]) and len(counts["train"]) == 4
    x = np.concatenate([e.x for e in task.split("train")])  # (steps, channels)
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(x.std(axis=0), 1.0, atol=1e-3)
