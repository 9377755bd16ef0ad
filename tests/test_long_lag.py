"""Tests of odyssey.analysis.long_lag: success shares, Wilson intervals, stop lags, bias test."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from fixtures_trials import make_gradient_rows
from scipy import stats as sps

from odyssey.analysis import long_lag


def _probe(successes: dict[tuple[str, str, int], list[int]]) -> pd.DataFrame:
    """A probe table with only the outcome rows: per (init, variant, lag) the trials' 0/1."""
    rows = []
    for (init, variant, lag), outcomes in successes.items():
        for trial, ok in enumerate(outcomes):
            base = {"task": "adding", "init": init, "variant": variant, "lag": lag, "trial": trial}
            base["init_effective"] = "paper" if variant == "NFG" else init
            rows.append({**base, "stage": "trained", "kind": "success", "k": -1, "value": ok})
            rows.append({**base, "stage": "trained", "kind": "hit_rate", "k": -1, "value": ok})
    return pd.DataFrame(rows)


OUTCOMES = {
    ("paper", "V", 10): [1, 1, 1, 0],
    ("paper", "V", 30): [1, 0, 0, 0],
    ("paper", "V", 100): [0, 0, 0, 0],
    ("forget_bias", "V", 10): [1, 1, 1, 1],
    ("forget_bias", "V", 30): [1, 1, 1, 1],
    ("forget_bias", "V", 100): [1, 1, 0, 0],
    ("paper", "NFG", 10): [1, 1, 1, 1],
    ("paper", "NFG", 30): [1, 1, 1, 1],
    ("paper", "NFG", 100): [0, 1, 1, 1],
    ("forget_bias", "NFG", 10): [1, 1, 1, 1],
    ("forget_bias", "NFG", 30): [1, 1, 1, 1],
    ("forget_bias", "NFG", 100): [0, 1, 1, 1],
    ("paper", "GRU", 10): [0, 0, 0, 0],
    ("paper", "GRU", 30): [1, 1, 1, 0],
    ("paper", "GRU", 100): [0, 0, 0, 0],
}


@pytest.mark.parametrize(("k", "n"), [(0, 4), (1, 4), (2, 4), (4, 4), (3, 10), (17, 20)])
def test_wilson_interval_matches_scipy(k: int, n: int) -> None:
    ours = long_lag.wilson_interval(k, n)
    ref = sps.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert ours == pytest.approx((ref.low, ref.high), abs=1e-12)
    assert 0.0 <= ours[0] <= k / n <= ours[1] <= 1.0


def test_wilson_interval_of_no_trials_is_undefined() -> None:
    assert all(math.isnan(x) for x in long_lag.wilson_interval(0, 0))


def test_shares_per_task_init_variant_and_lag() -> None:
    shares = long_lag.success_shares(_probe(OUTCOMES)).set_index(["init", "variant", "lag"])
    assert len(shares) == len(OUTCOMES)
    rec = shares.loc[("paper", "V", 10)]
    assert (rec["trials"], rec["successes"], rec["share"]) == (4, 3, 0.75)
    assert (rec["low"], rec["high"]) == pytest.approx(long_lag.wilson_interval(3, 4))
    assert shares.loc[("forget_bias", "NFG", 10), "init_effective"] == "paper"


def _lag(value: object) -> int | None:
    return None if pd.isna(value) else int(value)


def test_stop_lag_is_the_first_lag_below_half() -> None:
    stops = long_lag.stop_lags(long_lag.success_shares(_probe(OUTCOMES)))
    got = {
        (r.init, r.variant): (_lag(r.learned_up_to), _lag(r.stops_at), r.learned_after_stop)
        for r in stops.itertuples()
    }
    assert got[("paper", "V")] == (10, 30, False)  # 3/4 at 10, 1/4 at 30: between 10 and 30
    assert got[("forget_bias", "V")] == (100, None, False)  # 2/4 at 100 is still learned
    assert got[("paper", "NFG")] == (100, None, False)
    assert got[("paper", "GRU")] == (None, 10, True)  # fails at once, learns 30 again
    gru = stops[(stops["variant"] == "GRU")].iloc[0]
    assert gru["largest_learned"] == 30


def test_bias_test_is_fisher_on_pooled_counts_with_bonferroni() -> None:
    bias = long_lag.bias_tests(long_lag.success_shares(_probe(OUTCOMES))).set_index("variant")
    v = bias.loc["V"]
    assert (v["baseline_successes"], v["baseline_trials"], v["successes"], v["trials"]) == (
        4,
        12,
        10,
        12,
    )
    p = sps.fisher_exact([[10, 2], [4, 8]], alternative="two-sided").pvalue
    assert v["p"] == pytest.approx(p)
    # NFG has no forget gate: the bias is not applied, not tested, not counted by Bonferroni
    assert not bias.loc["NFG", "applied"] and math.isnan(bias.loc["NFG", "p"])
    assert "GRU" not in bias.index  # no forget_bias run of the GRU
    assert v["p_bonferroni"] == pytest.approx(min(1.0, p * 1))


def test_bonferroni_counts_every_tested_cell() -> None:
    frame = make_gradient_rows(
        ("RNN", "V", "CIFG", "NFG"), (10, 20), inits=("paper", "forget_bias"), trials=3
    )
    bias = long_lag.bias_tests(long_lag.success_shares(frame))
    tested = bias[bias["applied"]]
    assert set(tested["variant"]) == {"V", "CIFG"}
    assert (tested["p_bonferroni"] == (tested["p"] * 2).clip(upper=1)).all()


def test_old_tables_read_as_one_task_with_the_paper_init() -> None:
    old = make_gradient_rows(("V", "NFG"), (10,))
    assert "task" not in old.columns and "init" not in old.columns
    old["note"] = "Probe: temporal_order, hidden size 32"
    table = long_lag.probe_table(old)
    assert set(table["task"]) == {"temporal_order"} and set(table["init"]) == {"paper"}
    result = long_lag.analyse_probe(old)
    assert set(result["shares"]["init"]) == {"paper"} and result["bias"].empty


@pytest.mark.parametrize(
    ("init", "base"),
    [
        ("forget_bias", "paper"),
        ("paper+forget_bias", "paper"),
        ("orthogonal+forget_bias", "orthogonal"),
        ("paper", None),
    ],
)
def test_baseline_of_an_init(init: str, base: str | None) -> None:
    assert long_lag.baseline_of(init) == base
