"""Hyperparameter importance of one scope of a trials table: the paper's fANOVA (Sec. V-B).

For a scope (all variants pooled, or V alone) :func:`fanova_scope` fits the forest of
:mod:`odyssey.analysis.fanova` on the test metric, keeps the variance shares (Fig. 5), the
marginal curves of the metric and of the training time (Fig. 4), the pairwise surfaces (Fig. 6)
and Optuna's fANOVA main effects as a cross-check. Scopes with too few finite trials are omitted
or flagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from odyssey.analysis import fanova as fa

POOLED = "pooled"
"""The scope of the fANOVA over all models; the other scope, if any, is the reference model's,
named by it (V in the paper's studies)."""

MIN_TRIALS_FANOVA = 36
"""Finite trials in a scope below which the fANOVA is shown only with a caveat ("a few dozen")."""
MIN_TRIALS_FANOVA_COMPUTE = 8
"""Finite trials in a scope below which the fANOVA is not computed at all."""


def reference_scope(scopes: Iterable[str]) -> str | None:
    """The reference model's scope among fANOVA scopes (the first one not pooled), or None."""
    return next((scope for scope in scopes if scope != POOLED), None)


def fanova_scope(
    trials: pd.DataFrame,
    scope: str,
    out_rows: list,
    curves: list,
    surfaces: dict,
    search_space: dict | None = None,
) -> dict:
    """Run the fANOVA on one scope; append its share rows, curves and surfaces; return its JSON."""
    values = trials["test_metric"].astype(float).to_numpy()
    ok = np.isfinite(values)
    x = fa.design_matrix(trials[ok])
    y = values[ok]
    n = int(ok.sum())
    result: dict[str, Any] = {"scope": scope, "n": n}
    if n < MIN_TRIALS_FANOVA_COMPUTE or np.ptp(y) == 0:
        result["status"] = "omitted"
        result["reason"] = (
            f"{n} trials with finite test metric (at least {MIN_TRIALS_FANOVA_COMPUTE} needed)"
            if n < MIN_TRIALS_FANOVA_COMPUTE
            else "the test metric is the same in every trial"
        )
        return result
    model = fa.ForestAnova(x, y, n_trees=100, seed=0, search_space=search_space)
    result["bounds"] = {k: model.bounds[i].tolist() for i, k in enumerate(fa.KEYS)}
    result["box"] = "configured search space" if search_space else "observed range"
    shares = model.shares()
    result["status"] = "ok" if n >= MIN_TRIALS_FANOVA else "caveat"
    if result["status"] == "caveat":
        result["reason"] = (
            f"only {n} trials: a forest of this size describes noise as much as structure "
            f"(at least {MIN_TRIALS_FANOVA} wanted)"
        )
    _keep_shares(result, shares)
    out_rows.extend(_share_rows(scope, result, shares))
    # The paper's Fig. 4 also shows the predicted training time (dashed, right axis).
    wall = trials.loc[ok, "wall_time_s"].astype(float).to_numpy()
    time_model = (
        fa.ForestAnova(x, wall, n_trees=100, seed=0, search_space=search_space)
        if np.isfinite(wall).all() and np.ptp(wall) > 0
        else None
    )
    curves.extend(_marginal_curves(model, time_model, scope, result))
    surfaces[scope] = {f"{fa.KEYS[a]}|{fa.KEYS[b]}": model.pair_surface(a, b) for a, b in fa.PAIRS}
    _cross_check(result, x, y, model)
    return result


def _keep_shares(result: dict[str, Any], shares: dict) -> None:
    """The forest's variance shares (mean and std across trees) and the ranking, into ``result``."""
    result["trees_used"] = shares["trees_used"]
    result["main"] = {k: v[0] for k, v in shares["main"].items()}
    result["main_std"] = {k: v[1] for k, v in shares["main"].items()}
    result["pairs"] = {k: v[0] for k, v in shares["pairs"].items()}
    result["pairs_std"] = {k: v[1] for k, v in shares["pairs"].items()}
    result["higher_order"] = shares["higher_order"][0]
    result["interactions_total"] = 1.0 - sum(result["main"].values())
    result["ranking"] = sorted(result["main"], key=lambda k: -result["main"][k])
    result["top_pair"] = max(result["pairs"], key=lambda k: result["pairs"][k])


def _share_rows(scope: str, result: dict[str, Any], shares: dict) -> list[dict[str, Any]]:
    """Rows of ``fanova_shares.csv``: main effects, pairs, then all higher-order terms."""
    rows = [
        {"scope": scope, "term": key, "share": share, "std": result["main_std"][key]}
        for key, share in result["main"].items()
    ]
    rows += [
        {"scope": scope, "term": key, "share": share, "std": result["pairs_std"][key]}
        for key, share in result["pairs"].items()
    ]
    rows.append(
        {
            "scope": scope,
            "term": "higher_order",
            "share": result["higher_order"],
            "std": shares["higher_order"][1],
        }
    )
    return rows


def _marginal_curves(
    model: fa.ForestAnova, time_model: fa.ForestAnova | None, scope: str, result: dict[str, Any]
) -> list[pd.DataFrame]:
    """Marginal curves of the metric (and the training time) per hyperparameter; the trends."""
    curves = []
    for d, dim in enumerate(fa.DIMENSIONS):
        curve = model.marginal_curve(d)
        curve.insert(0, "target", "test_metric")
        curve.insert(0, "hyperparameter", dim.key)
        curve.insert(0, "scope", scope)
        curves.append(curve)
        if time_model is not None:
            timing = time_model.marginal_curve(d)
            timing.insert(0, "target", "wall_time_s")
            timing.insert(0, "hyperparameter", dim.key)
            timing.insert(0, "scope", scope)
            curves.append(timing)
        # End-to-end change of the marginal (the direction of the paper's Fig. 4 trends).
        result.setdefault("trend", {})[dim.key] = float(
            curve["mean"].iloc[-1] - curve["mean"].iloc[0]
        )
        result.setdefault("trend_band", {})[dim.key] = float(curve["std"].mean())
    return curves


def _cross_check(
    result: dict[str, Any], x: np.ndarray, y: np.ndarray, model: fa.ForestAnova
) -> None:
    """Optuna's evaluator as a cross-check of the main effects (both normalised over mains)."""
    ours = np.array([result["main"][k] for k in fa.KEYS])
    ours_norm = ours / ours.sum() if ours.sum() > 0 else ours
    theirs = fa.optuna_main_effects(x, y, seed=0, bounds=model.bounds)
    result["optuna"] = theirs
    result["main_normalised"] = dict(zip(fa.KEYS, ours_norm.tolist(), strict=True))
    diffs = {k: float(ours_norm[i] - theirs[k]) for i, k in enumerate(fa.KEYS)}
    result["optuna_diff"] = diffs
    result["optuna_max_abs_diff"] = float(max(abs(v) for v in diffs.values()))
    result["optuna_same_top"] = bool(max(theirs, key=lambda k: theirs[k]) == result["ranking"][0])
