"""Tests of odyssey.analysis.rankings against hand-worked examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from odyssey.analysis import rankings

# 3 tasks x 3 cells, lower is better. Ranks per task: (1, 2, 3), (1, 3, 2), (2, 1, 3);
# rank sums A 4, B 6, C 8 -> average ranks 4/3, 2, 8/3.
SCORES = pd.DataFrame(
    {"A": [1.0, 1.0, 2.0], "B": [2.0, 3.0, 1.0], "C": [3.0, 2.0, 3.0]},
    index=["t1", "t2", "t3"],
)


def test_friedman_by_hand() -> None:
    res = rankings.friedman(SCORES)
    assert res["average_rank"] == pytest.approx({"A": 4 / 3, "B": 2.0, "C": 8 / 3})
    # chi2 = 12 / (N k (k + 1)) * sum R_j^2 - 3 N (k + 1) = 12 / 36 * 116 - 36 = 8 / 3
    assert res["chi2"] == pytest.approx(8 / 3)
    assert res["p"] == pytest.approx(math.exp(-(8 / 3) / 2))  # chi-square, 2 d.o.f.
    # Nemenyi: q_0.05 for k = 3 is 2.343 (Demsar 2006, Table 5); CD = q sqrt(k(k+1) / 6N)
    assert res["critical_difference"] == pytest.approx(2.343 * math.sqrt(12 / 18), abs=1e-3)


def test_friedman_needs_two_tasks_and_three_cells() -> None:
    assert rankings.friedman(SCORES.iloc[:1])["status"] == "omitted"
    assert rankings.friedman(SCORES[["A", "B"]])["status"] == "omitted"


def test_signed_rank_posterior_by_hand() -> None:
    """One difference d = 3, rope 1, prior weight 1 at 0: the Walsh averages are 0 (0, 0), 1.5
    (0, d) and 3 (d, d), so right wins iff w0 w1 + w1^2 > w0^2, i.e. w0 < (sqrt 5 - 1) / 2 with
    w0 ~ U(0, 1): P(right) = 0.618, P(rope) = 0.382, P(left) = 0."""
    post = rankings.signed_rank_posterior(np.array([3.0]), rope=1.0, samples=200_000)
    golden = (math.sqrt(5) - 1) / 2
    assert post["right"] == pytest.approx(golden, abs=0.005)
    assert post["rope"] == pytest.approx(1 - golden, abs=0.005)
    assert post["left"] == 0.0


def test_signed_rank_clear_cases() -> None:
    worse = rankings.signed_rank_posterior(-np.linspace(0.2, 0.4, 8), rope=0.01)
    assert worse["left"] > 0.99
    same = rankings.signed_rank_posterior(np.full(8, 0.001), rope=0.01)
    assert same["rope"] > 0.99


def test_against_v_uses_relative_differences() -> None:
    scores = pd.DataFrame(
        {"V": [10.0, 20.0, 5.0, 8.0], "X": [9.0, 18.0, 4.5, 7.2], "Y": [10.0, 20.0, 5.0, 8.0]}
    )
    rows = {r["variant"]: r for r in rankings.against_reference(scores)}
    assert rows["X"]["mean_relative_difference"] == pytest.approx(0.1)  # 10 % lower: better
    assert rows["X"]["p_better"] > 0.9
    assert rows["Y"]["p_equivalent"] > 0.9
    assert set(rows) == {"X", "Y"}


def test_task_scores_orient_and_drop_missing_cells() -> None:
    def analysis(task: str, direction: str, means: dict[str, float]) -> dict:
        rows = [{"variant": v, "mean": m} for v, m in means.items()]
        return {"task": task, "direction": direction, "summary_top10": rows}

    scores = rankings.task_scores(
        [
            analysis("a", "minimize", {"V": 1.0, "X": 2.0, "Z": 0.5}),
            analysis("b", "maximize", {"V": 0.9, "X": 0.8}),
        ]
    )
    assert list(scores.columns) == ["V", "X"]  # Z is missing on task b
    assert scores.loc["b", "V"] == -0.9  # a maximised metric, negated: lower is better
