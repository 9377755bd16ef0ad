"""Tests of tasks/mackey_glass.py (integration of the delay equation and the task)."""

from __future__ import annotations

import numpy as np
import pytest

import tasks
from tasks.mackey_glass import mackey_glass_series


def test_rk4_matches_exact_decay_without_feedback() -> None:
    # beta = 0: dx/dt = -gamma x, so x(t) = x0 exp(-gamma t); sample k is at t = transient + k
    s = mackey_glass_series(20, x0=1.2, beta=0.0, transient=3)
    t = 3 + np.arange(20)
    assert np.allclose(s, 1.2 * np.exp(-0.1 * t), rtol=1e-9)


def test_short_delay_converges_to_fixed_point() -> None:
    # with a short delay the fixed point x* = 1 (beta / (1 + x*^10) = gamma) is stable
    s = mackey_glass_series(50, tau=1.0, transient=400)
    assert np.allclose(s, 1.0, atol=1e-6)


def test_chaotic_series_satisfies_the_delay_equation() -> None:
    s = mackey_glass_series(600)
    assert 0.3 < s.min() < 0.5 and 1.2 < s.max() < 1.4  # the attractor's known range
    assert s.std() > 0.2  # not a fixed point or a collapse
    # finite-difference check of dx/dt against the right-hand side at the sampled times
    t = np.arange(30, 590)
    deriv = (s[t + 1] - s[t - 1]) / 2.0
    rhs = 0.2 * s[t - 17] / (1 + s[t - 17] ** 10) - 0.1 * s[t]
    assert np.corrcoef(deriv, rhs)[0, 1] > 0.99


def test_task_windows_and_split() -> None:
    task = tasks.get("mackey_glass", sizes=(300, 100, 100), window=10, horizon=6)
    info = task.info()
    assert info["sizes"] == {"train": 300 - 15, "valid": 100, "test": 100}
    assert info["lengths"]["test"]["mean"] == 10.0
    prev_end = -1
    for split in ("train", "valid", "test"):
        for ex in task.split(split):
            t = int(ex.extra["target_index"])
            assert np.allclose(ex.x[:, 0], task.scaled[t - 6 - 9 : t - 6 + 1])
            assert ex.y[0] == task.scaled[t]
            assert t > prev_end  # chronological, no target shared
            prev_end = t
    train_targets = np.array([float(e.y[0]) for e in task.split("train")])
    assert abs(train_targets.mean()) < 0.05  # standardised with train statistics


def test_seed_and_options() -> None:
    a = tasks.get("mackey_glass", sizes=(200, 50, 50))
    b = tasks.get("mackey_glass", sizes=(200, 50, 50))
    c = tasks.get("mackey_glass", sizes=(200, 50, 50), seed=3)
    assert np.array_equal(a.series, b.series) and not np.allclose(a.series, c.series)
    assert tasks.get("mackey_glass", sizes=(200, 50, 50), stride=5).info()["sizes"]["valid"] == 10
    with pytest.raises(ValueError, match="horizon"):
        tasks.get("mackey_glass", horizon=0)
    with pytest.raises(ValueError, match="no window"):
        tasks.get("mackey_glass", sizes=(20, 5, 5), window=30)
