"""Rankings of the cells across the tasks of a study: frequentist and Bayesian.

With several tasks, one number per (task, cell) (the mean test metric of the cell's best 10 % of
trials by validation, the statistic of the paper's Fig. 3, lower half) ranks the cells:

- Friedman's test over the cells with the tasks as blocks, and the Nemenyi critical difference
  CD = q_alpha sqrt(k (k + 1) / (6 N)) for the critical-difference diagram (Demsar 2006): two
  cells whose average ranks differ by less than CD are not told apart.
- A Bayesian signed-rank test of every cell against V over the tasks (Benavoli et al. 2017, JMLR
  18(77), as baycomp's ``SignedRankTest``): the probabilities that the cell is better than V,
  practically equivalent to it (relative difference within the region of practical equivalence,
  ``ROPE``), or worse.

Implemented on scipy (already pinned): ``friedmanchisquare`` and ``studentized_range`` give the
test and q_alpha exactly, and the signed-rank posterior is a Dirichlet process over the observed
differences, a few lines of numpy. autorank and baycomp would add two packages (and their
dependencies) for exactly these computations.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

ROPE = 0.01
"""Region of practical equivalence: a relative difference to V's score within +-1 %."""
PRIOR_STRENGTH = 1.0
"""Weight of the Dirichlet process's prior pseudo-observation at a difference of 0."""
ALPHA = 0.05


def task_scores(analyses: list[dict]) -> pd.DataFrame:
    """Tasks x cells: mean test metric of each cell's best 10 % of trials, oriented so that
    lower is better (a maximised metric is negated); cells missing on any task are dropped."""
    rows = {}
    for a in analyses:
        sign = 1.0 if a["direction"] == "minimize" else -1.0
        rows[a["task"]] = {
            r["variant"]: sign * float(r["mean"])
            for r in a["summary_top10"]
            if r.get("mean") is not None and np.isfinite(r["mean"])
        }
    return pd.DataFrame.from_dict(rows, orient="index").dropna(axis=1)


def friedman(scores: pd.DataFrame, alpha: float = ALPHA) -> dict[str, Any]:
    """Average ranks (1 = best), Friedman's chi-square and p, and the Nemenyi CD at ``alpha``.

    Needs at least 2 tasks and 3 cells (else ``status`` says why and no test is made).
    """
    n, k = scores.shape
    if n < 2 or k < 3:
        return {"status": "omitted", "reason": f"{n} task(s) and {k} cell(s): need 2 and 3"}
    ranks = scores.rank(axis=1, method="average")  # per task, 1 = lowest score = best
    chi2, p = stats.friedmanchisquare(*(scores[c].to_numpy() for c in scores.columns))
    q_alpha = stats.studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
    return {
        "status": "ok",
        "tasks": n,
        "cells": k,
        "average_rank": ranks.mean().sort_values().to_dict(),
        "chi2": float(chi2),
        "p": float(p),
        "alpha": alpha,
        "critical_difference": float(q_alpha * np.sqrt(k * (k + 1) / (6.0 * n))),
    }


def signed_rank_posterior(
    diffs: np.ndarray,
    rope: float = ROPE,
    prior: float = PRIOR_STRENGTH,
    samples: int = 20_000,
    seed: int = 0,
) -> dict[str, float]:
    """Bayesian signed-rank test: P(left), P(rope), P(right) for differences ``diffs``.

    Each posterior sample weights the observations and a prior pseudo-observation at 0 by a
    Dirichlet draw w; the masses of the pairwise Walsh averages (i <= j) below -rope, inside and
    above +rope are sum w_i w_j over those pairs; the probability of each region is the share of
    samples in which its mass is the largest. Right means positive differences.
    """
    z = np.concatenate([[0.0], np.asarray(diffs, dtype=float)])
    weights = np.concatenate([[prior], np.ones(len(z) - 1)])
    walsh = (z[:, None] + z[None, :]) / 2.0
    upper = np.triu(np.ones_like(walsh, dtype=bool))
    left = (walsh < -rope) & upper
    right = (walsh > rope) & upper
    middle = upper & ~left & ~right
    w = np.random.default_rng(seed).dirichlet(weights, samples)  # (S, n + 1)
    masses = np.stack(
        [np.einsum("si,ij,sj->s", w, m.astype(float), w) for m in (left, middle, right)], 1
    )
    winner = masses.argmax(1)
    return {name: float(np.mean(winner == i)) for i, name in enumerate(("left", "rope", "right"))}


def against_reference(
    scores: pd.DataFrame, reference: str = "V", rope: float = ROPE
) -> list[dict[str, Any]]:
    """Per cell: P(better than V), P(practically equivalent), P(worse), over the tasks.

    The difference per task is (V's score - the cell's) / |V's score|: positive is better for the
    cell (scores are oriented lower-is-better).
    """
    if reference not in scores.columns or len(scores) < 2:
        return []
    ref = scores[reference]
    rows = []
    for cell in scores.columns:
        if cell == reference:
            continue
        diffs = ((ref - scores[cell]) / ref.abs()).to_numpy()
        post = signed_rank_posterior(diffs, rope)
        rows.append(
            {
                "variant": cell,
                "p_better": post["right"],
                "p_equivalent": post["rope"],
                "p_worse": post["left"],
                "mean_relative_difference": float(diffs.mean()),
            }
        )
    return rows
