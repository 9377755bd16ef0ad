"""Tests of odyssey.analysis.fanova: the exact per-tree functional ANOVA (paper Sec. V-B, Figs.
4-6)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fixtures_trials import make_trials

from odyssey.analysis import fanova as fa


def _x(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack(
        [
            rng.uniform(-6, -2, n),
            rng.uniform(-2, 0, n),
            rng.uniform(math.log10(20), math.log10(200), n),
            rng.uniform(0, 1, n),
        ]
    )


def test_transforms_round_trip() -> None:
    values = {"learning_rate": 3e-4, "momentum": 0.95, "hidden_size": 64, "input_noise": 0.3}
    for dim in fa.DIMENSIONS:
        back = dim.inverse(dim.transform(np.array([values[dim.column]])))
        assert back[0] == pytest.approx(values[dim.column])


def _planted_tree() -> tuple[fa.ForestAnova, object]:
    """A one-tree forest on a planted function: a strong lr effect, a hidden x noise
    interaction and a weak momentum effect; returns the model and its tree."""
    x = _x(200, 1)
    y = (x[:, 0] + 4) ** 2 + 6 * (x[:, 2] - 1.8) * (x[:, 3] - 0.5) + np.sin(3 * x[:, 1])
    model = fa.ForestAnova(x, y, n_trees=1, seed=0)
    return model, model.forest.estimators_[0]


def test_one_tree_decomposition_matches_monte_carlo() -> None:
    model, tree = _planted_tree()
    shares = model.shares()
    rng = np.random.default_rng(2)
    u = np.column_stack([rng.uniform(lo, hi, 200_000) for lo, hi in model.bounds])
    pred = tree.predict(u)
    total = pred.var()
    for d, key in enumerate(fa.KEYS):
        bins = 200
        idx = np.clip(
            ((u[:, d] - model.bounds[d, 0]) / model.span[d] * bins).astype(int), 0, bins - 1
        )
        means = np.bincount(idx, pred, bins) / np.bincount(idx, None, bins)
        assert shares["main"][key][0] == pytest.approx(means.var() / total, abs=0.01)


def test_one_tree_pairwise_variances_match_monte_carlo() -> None:
    """Each pair's share: the variance of E[f | x_a, x_b] (estimated on a grid of (x_a, x_b),
    averaging the tree over random draws of the other two inputs) minus both main effects,
    independently of the exact decomposition."""
    model, tree = _planted_tree()
    shares = model.shares()
    rng = np.random.default_rng(5)
    lows, highs = model.bounds[:, 0], model.bounds[:, 1]
    total = tree.predict(rng.uniform(lows, highs, (400_000, 4))).var()
    grid, draws = 48, 160
    checked = 0
    for a, b in fa.PAIRS:
        ga = lows[a] + (np.arange(grid) + 0.5) / grid * model.span[a]  # cell midpoints
        gb = lows[b] + (np.arange(grid) + 0.5) / grid * model.span[b]
        u = rng.uniform(lows, highs, (grid, grid, draws, 4))
        u[..., a] = ga[:, None, None]
        u[..., b] = gb[None, :, None]
        joint = tree.predict(u.reshape(-1, 4)).reshape(grid, grid, draws).mean(2)  # f_ab + ...
        pair = joint - joint.mean(1, keepdims=True) - joint.mean(0, keepdims=True) + joint.mean()
        key = f"{fa.KEYS[a]}|{fa.KEYS[b]}"
        assert shares["pairs"][key][0] == pytest.approx((pair**2).mean() / total, abs=0.015), key
        checked += 1
    assert checked == 6


def test_planted_hyperparameter_first_and_planted_interaction_found() -> None:
    frame = make_trials(n=80, variants=("V",))
    frame = frame[frame["state"] == "COMPLETE"]
    model = fa.ForestAnova(fa.design_matrix(frame), frame["test_metric"].to_numpy())
    shares = model.shares()
    ranking = sorted(shares["main"], key=lambda k: -shares["main"][k][0])
    assert ranking[0] == "learning_rate"
    assert shares["main"]["learning_rate"][0] > 0.4
    top_pair = max(shares["pairs"], key=lambda k: shares["pairs"][k][0])
    assert top_pair == "learning_rate|input_noise"
    others = [v[0] for k, v in shares["pairs"].items() if k != top_pair]
    assert shares["pairs"][top_pair][0] > 3 * max(others)


def test_marginal_curve_follows_a_linear_effect() -> None:
    x = _x(150, 3)
    y = 2.0 - 0.5 * x[:, 0]
    model = fa.ForestAnova(x, y, n_trees=20)
    curve = model.marginal_curve(0, n_points=20)
    assert curve["mean"].iloc[0] > curve["mean"].iloc[-1] + 1.0
    assert (curve["std"] >= 0).all()
    surface = model.pair_surface(0, 3, n_points=8)
    assert np.array(surface["marginal"]).shape == (8, 8)
    assert np.abs(np.array(surface["interaction"])).max() < 0.2


def test_optuna_cross_check_agrees_on_a_clear_case() -> None:
    x = _x(120, 4)
    y = 3.0 * x[:, 0] + 0.3 * x[:, 2]
    ours = fa.ForestAnova(x, y).shares()["main"]
    theirs = fa.optuna_main_effects(x, y)
    assert max(theirs, key=theirs.get) == "learning_rate"
    ours_norm = ours["learning_rate"][0] / sum(v[0] for v in ours.values())
    assert abs(ours_norm - theirs["learning_rate"]) < 0.05


def test_bounds_from_the_search_space_or_the_data() -> None:
    x = _x(10, 5)
    observed = fa.space_bounds(x)
    assert np.allclose(observed[:, 0], x.min(axis=0)) and np.allclose(observed[:, 1], x.max(axis=0))
    space = {
        "learning_rate": {"low": 1e-6, "high": 1e-2},
        "one_minus_momentum": {"low": 0.01, "high": 1.0},
        "hidden_size": {"low": 20, "high": 200},
        "input_noise": {"low": 0.0, "high": 1.0},
    }
    x[0, 0] = -7.0  # a trial outside the configured range widens the box
    box = fa.space_bounds(x, space)
    assert box[0].tolist() == [-7.0, -2.0]
    assert box[1].tolist() == [-2.0, 0.0]
    assert box[2] == pytest.approx([math.log10(20), math.log10(200)])
    flat = fa.space_bounds(np.ones((3, 4)))
    assert (flat[:, 1] - flat[:, 0] == 1.0).all()
