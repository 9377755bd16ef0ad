"""Tests of odyssey.analysis.stats: the per-variant statistics and Welch tests of the paper's Fig.
3."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from fixtures_trials import make_trials
from scipy import stats as sps

from odyssey.analysis import stats


def _complete() -> pd.DataFrame:
    frame = make_trials()
    return frame[frame["state"] == "COMPLETE"]


def test_order_follows_the_paper_then_extras() -> None:
    names = ["RNN", "zeta", "NOAF", "V", "GRU", "CIFG", "alpha"]
    assert stats.order_variants(names) == ["V", "CIFG", "NOAF", "GRU", "RNN", "alpha", "zeta"]


def test_welch_flags_exactly_the_planted_variant() -> None:
    table = stats.welch_against_reference(_complete(), "minimize")
    significant = table[table["significant"]]
    assert list(significant["variant"]) == ["NFG"]
    assert significant["verdict"].iloc[0] == "worse"
    assert (table.loc[~table["significant"], "verdict"] == "n.s.").all()


def test_welch_matches_scipy_and_bonferroni_counts_the_comparisons() -> None:
    frame = _complete()
    table = stats.welch_against_reference(frame, "minimize").set_index("variant")
    v = frame.loc[frame["variant"] == "V", "test_metric"].to_numpy()
    nfg = frame.loc[frame["variant"] == "NFG", "test_metric"].to_numpy()
    expected = sps.ttest_ind(nfg, v, equal_var=False).pvalue
    assert table.loc["NFG", "p"] == pytest.approx(expected)
    m = frame["variant"].nunique() - 1
    assert (table["m"] == m).all()
    assert table.loc["NFG", "p_bonferroni"] == pytest.approx(min(1.0, expected * m))


def test_direction_decides_better_or_worse() -> None:
    frame = _complete()
    table = stats.welch_against_reference(frame, "maximize").set_index("variant")
    assert table.loc["NFG", "verdict"] == "better"


def test_hedges_g_by_hand() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    sd = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    j = 1 - 3 / (4 * 9 - 9)
    assert stats.hedges_g(a, b) == pytest.approx((a.mean() - b.mean()) / sd * j)
    assert math.isnan(stats.hedges_g(a[:1], b))


def test_top_fraction_takes_the_best_by_validation() -> None:
    frame = _complete()
    top = stats.top_fraction(frame, "minimize")
    assert (top.groupby("variant").size() == 4).all()  # ceil(0.1 * 40)
    v = frame[frame["variant"] == "V"]
    assert set(top.loc[top["variant"] == "V", "trial"]) == set(
        v.nsmallest(4, "valid_metric")["trial"]
    )
    top_max = stats.top_fraction(frame, "maximize")
    assert set(top_max.loc[top_max["variant"] == "V", "trial"]) == set(
        v.nlargest(4, "valid_metric")["trial"]
    )


def test_summary_keeps_diverged_trials_and_finds_the_best() -> None:
    frame = _complete()
    summary = stats.summarise(frame, "minimize").set_index("variant")
    assert (summary["trials"] == 40).all()
    expected = frame.groupby("variant")["diverged"].sum()
    assert (summary["diverged"] == expected.reindex(summary.index)).all()
    assert summary["best_test"].idxmin() == "CIFG"
    v = frame[frame["variant"] == "V"]["test_metric"]
    assert summary.loc["V", "mean"] == pytest.approx(v.mean())
    assert summary.loc["V", "median"] == pytest.approx(v.median())


def test_single_trial_is_not_testable() -> None:
    frame = make_trials(n=1)
    frame = frame[frame["state"] == "COMPLETE"]
    table = stats.welch_against_reference(frame, "minimize")
    assert (table["verdict"] == "n/a").all()
    assert not table["significant"].any()
    assert (table["m"] == 0).all()
