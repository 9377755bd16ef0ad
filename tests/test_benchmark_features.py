"""Tests of odyssey.benchmark.features: inputs, best-so-far curves, the trials' support."""

from __future__ import annotations

import math

import numpy as np
import pytest

from odyssey.benchmark.features import Support, best_so_far, encode, numeric


def test_inputs_are_in_the_space_the_paper_draws_in() -> None:
    a = {"hidden_size": 100, "learning_rate": 1e-3, "momentum": 0.9, "input_noise": 0.5}
    b = {**a, "one_minus_momentum": 0.1}
    del b["momentum"]
    assert numeric([a]) == pytest.approx(numeric([b]))
    assert numeric([a])[0] == pytest.approx([2.0, -3.0, -1.0, 0.5])
    assert encode(numeric([a, a]), ["GRU", "V"], ["GRU", "V"])[:, 4:].tolist() == [[1, 0], [0, 1]]


def test_best_so_far_is_monotone_carried_on_and_skips_gaps() -> None:
    assert best_so_far([5.0, 6.0, None, 3.0], "minimize", 6).tolist() == [5, 5, 5, 3, 3, 3]
    assert best_so_far([0.1, 0.3, math.nan, 0.2], "maximize", 4).tolist() == [0.1, 0.3, 0.3, 0.3]
    assert best_so_far([None, 2.0], "minimize", 2).tolist() == [2.0, 2.0]


def test_support_flags_a_range_overshoot_and_a_far_point() -> None:
    # a 3 x 3 x 3 x 3 grid on [0, 1]^4: largest nearest-neighbour gap 0.5 (in normalised units)
    grid = np.array(np.meshgrid(*[[0.0, 0.5, 1.0]] * 4)).reshape(4, -1).T
    support = Support.fit(grid, ["V"] * len(grid))
    assert support.gap["V"] == pytest.approx(0.5)
    assert support.outside(np.array([0.2, 0.3, 0.7, 0.9]), "V") is None
    assert "learning_rate outside the trials' range [1, 10]" in support.outside(
        np.array([0.5, 1.2, 0.5, 0.5]), "V"
    )
    corner = Support.fit(grid[[0, -1]], ["V", "V"])  # two opposite corners: the centre is far
    assert corner.outside(np.array([0.5, 0.5, 0.5, 0.5]), "V") is None  # gap 2: not far
    hole = grid[(grid != 0.5).sum(axis=1) >= 2]  # no trial at the centre or next to it
    holed = Support.fit(hole, ["V"] * len(hole))
    assert holed.gap["V"] == pytest.approx(0.5)
    assert "far from every trial" in holed.outside(np.array([0.5, 0.5, 0.5, 0.5]), "V")
