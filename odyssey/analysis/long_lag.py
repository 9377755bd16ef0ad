"""Long time lags: which cells learn a long-lag task at which lag, with and without the forget bias.

Reads the gradient probe's long table (``odyssey.training.gradients.run_probe``; docs/contracts.md)
and answers issue 13's questions per (task, init, variant):

- the share of trials that solve the task at each lag (a trial solves it when at least 90 % of its
  test sequences are solved: Hochreiter & Schmidhuber 1997's per-sequence criteria, reference
  section 6.3), with a 95 % **Wilson score interval** (Wilson 1927). With the few trials per lag
  of a probe (1-10) the Clopper-Pearson interval is conservative (its coverage is well above
  95 %), the Wald interval collapses at 0 and 1; Wilson's stays inside [0, 1] and its coverage
  is close to nominal (Brown, Cai & DasGupta 2001);
- the lag at which the cell stops learning: the cell *learns* at a lag when at least half of its
  trials solve the task there; it *stops* at the first tested lag (in increasing order) where the
  share drops below 1/2, stated as "between lag a and lag b" (a the last tested lag before it,
  learned; none when it fails at the shortest lag; no stop when it learns at every lag). A later
  lag that is learned again is flagged (``learned_after_stop``): the stop lag is then uncertain;
- whether the forget-gate bias (``forget_bias``: +1 on b_f, Gers et al. 2000; Jozefowicz et al.
  2015) changes the success rate, per task and cell: **Fisher's exact test** (two-sided) on the
  2 x 2 table of successes and failures pooled over the lags, with and without the bias, and a
  **Bonferroni** correction over every (task, cell) tested. Fisher's test is exact at the small
  counts of a probe (a chi-square test is not), and needs no model of how success falls with the
  lag; a logistic regression on lag and init would, and its fit breaks down (quasi-complete
  separation: every trial solves the short lags, none the long ones) on exactly the data a probe
  produces. Pooling over lags is fair because both inits are run at the same lags. The probe gives
  a seed's two inits the same draws (a paired design); Fisher's test ignores the pairing, which
  costs power (positively correlated pairs make it conservative) but not validity. Cells that the
  bias leaves unchanged (NFG, the tanh RNN: ``init_effective`` equals the baseline) are not tested.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from scipy import stats as sps

LEARNED_SHARE = 0.5
"""A cell learns at a lag when at least this share of its trials solve the task there."""
LEVEL = 0.95
"""Level of the success-share intervals."""
BIAS = "forget_bias"
"""The init modifier whose effect :func:`bias_tests` tests."""
KEYS = ["task", "init", "variant"]


def probe_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The probe's table with ``task``, ``init`` and ``init_effective`` columns: tables written
    before the probe had several tasks and inits are read as one task (the one their note names,
    else adding) with the paper's init."""
    out = frame.copy()
    if "task" not in out.columns:
        note = (
            str(out["note"].dropna().iloc[0]) if "note" in out and out["note"].notna().any() else ""
        )
        match = re.match(r"Probe: (\w+)", note)
        out["task"] = match.group(1) if match else "adding"
    if "init" not in out.columns:
        out["init"] = "paper"
    if "init_effective" not in out.columns:
        out["init_effective"] = out["init"]
    return out


def wilson_interval(successes: int, trials: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson's score interval for a binomial proportion (NaN, NaN for no trials):
    ``(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``, ``z`` the normal quantile."""
    if trials <= 0:
        return (math.nan, math.nan)
    z = float(sps.norm.ppf(0.5 + level / 2))
    p = successes / trials
    centre = p + z * z / (2 * trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    scale = 1 + z * z / trials
    return (max(0.0, (centre - half) / scale), min(1.0, (centre + half) / scale))


def success_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Per (task, init, variant, lag): trials, successes, share and its Wilson interval, mean share
    of test sequences solved, and the init as applied; tasks and inits in the table's order."""
    table = probe_table(frame)
    success = table[table["kind"] == "success"]
    hits = table[table["kind"] == "hit_rate"].groupby([*KEYS, "lag"])["value"].mean()
    rows = []
    for (task, init, variant, lag), part in success.groupby([*KEYS, "lag"], sort=True):
        n, k = len(part), int(part["value"].sum())
        low, high = wilson_interval(k, n)
        rows.append(
            {
                "task": task,
                "init": init,
                "variant": variant,
                "lag": int(lag),
                "trials": n,
                "successes": k,
                "share": k / n,
                "low": low,
                "high": high,
                "solved_sequences": float(hits.get((task, init, variant, lag), math.nan)),
                "init_effective": str(part["init_effective"].iloc[0]),
            }
        )
    columns = [*KEYS, "lag", "trials", "successes", "share", "low", "high"]
    out = pd.DataFrame(rows, columns=[*columns, "solved_sequences", "init_effective"])
    rank = {
        key: {v: i for i, v in enumerate(dict.fromkeys(table[key]))} for key in ("task", "init")
    }
    order = out["task"].map(rank["task"]) * len(rank["init"]) + out["init"].map(rank["init"])
    return (
        out.assign(_order=order)
        .sort_values(["_order", "variant", "lag"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )  # tasks and inits in the probe's order


def stop_lags(shares: pd.DataFrame) -> pd.DataFrame:
    """Per (task, init, variant): the last lag learned before the stop (``learned_up_to``), the
    stop lag (``stops_at``, the first lag whose share is below :data:`LEARNED_SHARE`), the largest
    lag learned at all, and whether a lag after the stop is learned again."""
    rows = []
    for (task, init, variant), part in shares.groupby(KEYS, sort=False):
        part = part.sort_values("lag")
        lags = part["lag"].tolist()
        learned = (part["share"] >= LEARNED_SHARE).tolist()
        stop = next((i for i, ok in enumerate(learned) if not ok), None)
        up_to = lags[stop - 1] if stop else (lags[-1] if stop is None else None)
        rows.append(
            {
                "task": task,
                "init": init,
                "variant": variant,
                "learned_up_to": up_to,
                "stops_at": None if stop is None else lags[stop],
                "largest_learned": max(
                    (g for g, ok in zip(lags, learned, strict=True) if ok), default=None
                ),
                "learned_after_stop": stop is not None and any(learned[stop:]),
                "shortest": lags[0],
                "longest": lags[-1],
            }
        )
    out = pd.DataFrame(rows)
    for column in ("learned_up_to", "stops_at", "largest_learned"):
        if column in out:
            out[column] = out[column].astype("Int64")  # <NA>: no such lag
    return out


def baseline_of(init: str) -> str | None:
    """The init that ``init`` adds the forget bias to (``forget_bias`` -> ``paper``,
    ``orthogonal+forget_bias`` -> ``orthogonal``), None when it has no forget bias."""
    parts = [part.strip() for part in str(init).split("+")]
    if BIAS not in parts:
        return None
    rest = [part for part in parts if part != BIAS and part != "paper"]
    return "+".join(rest) if rest else "paper"


def same_init(a: str, b: str) -> bool:
    """Whether two init strings name the same scheme (``paper`` is the default base)."""
    return _parts(a) == _parts(b)


def _parts(init: str) -> frozenset[str]:
    return frozenset(p.strip() for p in str(init).split("+") if p.strip() != "paper")


def bias_tests(shares: pd.DataFrame) -> pd.DataFrame:
    """Per task, cell and biased init with its baseline in the table: successes / trials pooled
    over lags both ways, Fisher's exact two-sided p and the Bonferroni-adjusted p (over the tests
    made; cells the bias leaves unchanged are listed, untested)."""
    rows = []
    inits = list(dict.fromkeys(shares["init"]))
    for init in inits:
        base = next(
            (i for i in inits if baseline_of(init) and same_init(i, baseline_of(init))), None
        )
        if base is None:
            continue
        for (task, variant), part in shares.groupby(["task", "variant"], sort=True):
            with_bias, without = part[part["init"] == init], part[part["init"] == base]
            if with_bias.empty or without.empty:
                continue
            applied = not same_init(str(with_bias["init_effective"].iloc[0]), base)
            k1, n1 = int(with_bias["successes"].sum()), int(with_bias["trials"].sum())
            k0, n0 = int(without["successes"].sum()), int(without["trials"].sum())
            p = fisher_p(k1, n1, k0, n0) if applied else math.nan
            rows.append(
                {
                    "task": task,
                    "variant": variant,
                    "init": init,
                    "baseline": base,
                    "successes": k1,
                    "trials": n1,
                    "baseline_successes": k0,
                    "baseline_trials": n0,
                    "applied": applied,
                    "p": p,
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    tested = int(out["applied"].sum())
    out["p_bonferroni"] = np.minimum(1.0, out["p"] * max(tested, 1))
    return out


def fisher_p(k1: int, n1: int, k0: int, n0: int) -> float:
    """Fisher's exact two-sided p of k1 / n1 successes against k0 / n0."""
    table = [[k1, n1 - k1], [k0, n0 - k0]]
    return float(sps.fisher_exact(table, alternative="two-sided").pvalue)


def analyse_probe(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every table of the long-lag analysis: ``shares``, ``stops`` and ``bias``."""
    shares = success_shares(frame)
    return {"shares": shares, "stops": stop_lags(shares), "bias": bias_tests(shares)}
