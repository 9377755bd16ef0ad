"""Per-variant statistics of a trials table: the numbers behind the paper's Fig. 3.

Greff et al. 2017, Sec. V-A and footnote 8: for every variant the test metric of all trials and of
the best 10 % of trials by validation metric is summarised, and every variant's mean is compared
with the vanilla LSTM (V) by Welch's unequal-variance t-test at alpha = 0.05 with a Bonferroni
correction over the comparisons made (8 in the paper). Failed (diverged) trials stay in the
statistics, as the paper kept them (reference section 8, item 7).

Effect size: Hedges' g computed with the average of the two variances in the denominator (Cohen's
d_av, suited to Welch's test, which does not assume equal variances) and the small-sample
correction J = 1 - 3 / (4 (n1 + n2) - 9). Sign convention: ``diff`` and ``g`` are (variant - V);
whether that is worse depends on the metric direction and is spelled out in the ``verdict`` column.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats as sps

#: The paper's Fig. 3 order, then the extra cells of this project.
PAPER_ORDER: tuple[str, ...] = (
    "V",
    "CIFG",
    "FGR",
    "NP",
    "NOG",
    "NIAF",
    "NIG",
    "NFG",
    "NOAF",
    "GRU",
    "RNN",
)
REFERENCE = "V"
ALPHA = 0.05
TOP_FRACTION = 0.10


def order_variants(names: Iterable[str]) -> list[str]:
    """Sort variant names in the paper's order (Fig. 3); unknown names last, alphabetically."""
    names = list(dict.fromkeys(names))
    rank = {n: i for i, n in enumerate(PAPER_ORDER)}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


def better_sign(direction: str) -> int:
    """+1 when larger metric values are better (``maximize``), -1 when smaller are better."""
    if direction not in ("minimize", "maximize"):
        raise ValueError(f"metric direction must be minimize or maximize, got {direction!r}")
    return 1 if direction == "maximize" else -1


def top_fraction(
    trials: pd.DataFrame, direction: str, fraction: float = TOP_FRACTION
) -> pd.DataFrame:
    """The best ``fraction`` of each variant's trials by validation metric (Fig. 3, bottom row).

    The paper's 20 of 200; here ``ceil(fraction * n)`` trials, at least one. Ties are broken by
    trial number so the choice is deterministic. Non-finite validation values rank last.
    """
    parts = []
    ascending = direction == "minimize"
    for _, group in trials.groupby("variant", sort=False):
        k = max(1, math.ceil(fraction * len(group)))
        key = group["valid_metric"].astype(float)
        key = key.where(np.isfinite(key), np.inf if ascending else -np.inf)
        ranked = group.assign(_key=key).sort_values(["_key", "trial"], ascending=[ascending, True])
        parts.append(ranked.head(k).drop(columns="_key"))
    if not parts:
        return trials.iloc[0:0]
    return pd.concat(parts)


def best_by_validation(group: pd.DataFrame, direction: str) -> pd.Series | None:
    """The trial with the best validation metric (the paper's 'best trial', Sec. V-A)."""
    finite = group[np.isfinite(group["valid_metric"].astype(float))]
    if finite.empty:
        return None
    ranked = finite.sort_values(
        ["valid_metric", "trial"], ascending=[direction == "minimize", True]
    )
    return ranked.iloc[0]


def hedges_g(a: np.ndarray, b: np.ndarray) -> float:
    """Hedges' g of ``a - b`` with the average-variance denominator (see module docstring)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    sd = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2.0)
    if sd == 0.0:
        return float("nan")
    j = 1.0 - 3.0 / (4.0 * (len(a) + len(b)) - 9.0)
    return float((a.mean() - b.mean()) / sd * j)


def summarise(trials: pd.DataFrame, direction: str) -> pd.DataFrame:
    """One row per variant: counts, mean / median / quartiles / range, best trial, parameters.

    Columns: variant, trials, diverged, finite, mean, median, std, q25, q75, min, max,
    best_valid, best_test (the test value of the trial best by validation), best_trial,
    mean_params, mean_wall_time_s.
    """
    rows = []
    for variant in order_variants(trials["variant"].unique()):
        group = trials[trials["variant"] == variant]
        values = group["test_metric"].astype(float).to_numpy()
        finite = values[np.isfinite(values)]
        best = best_by_validation(group, direction)
        rows.append(
            {
                "variant": variant,
                "trials": int(len(group)),
                "diverged": int(group["diverged"].astype(bool).sum()),
                "finite": int(len(finite)),
                "mean": float(finite.mean()) if len(finite) else float("nan"),
                "median": float(np.median(finite)) if len(finite) else float("nan"),
                "std": float(finite.std(ddof=1)) if len(finite) > 1 else float("nan"),
                "q25": float(np.percentile(finite, 25)) if len(finite) else float("nan"),
                "q75": float(np.percentile(finite, 75)) if len(finite) else float("nan"),
                "min": float(finite.min()) if len(finite) else float("nan"),
                "max": float(finite.max()) if len(finite) else float("nan"),
                "best_valid": float(best["valid_metric"]) if best is not None else float("nan"),
                "best_test": float(best["test_metric"]) if best is not None else float("nan"),
                "best_trial": int(best["trial"]) if best is not None else -1,
                "mean_params": float(group["n_params"].astype(float).mean()),
                "mean_wall_time_s": float(group["wall_time_s"].astype(float).mean()),
            }
        )
    return pd.DataFrame(rows)


def welch_against_reference(
    trials: pd.DataFrame,
    direction: str,
    reference: str = REFERENCE,
    alpha: float = ALPHA,
) -> pd.DataFrame:
    """Welch's t-test of every variant's test metric against ``reference`` (Fig. 3 blue boxes).

    Bonferroni: the number of comparisons ``m`` is the number of variants for which a test could be
    made (both groups with at least two finite values and not both constant); a variant is
    significant when ``p * m < alpha``. Columns: variant, n, n_ref, diff (variant - reference mean),
    t, p, p_bonferroni, m, significant, hedges_g, verdict (``better``, ``worse``, ``n.s.``,
    ``n/a``).
    """
    ref_values = _finite(trials, reference)
    rows = []
    for variant in order_variants(trials["variant"].unique()):
        if variant == reference:
            continue
        values = _finite(trials, variant)
        row = {
            "variant": variant,
            "n": int(len(values)),
            "n_ref": int(len(ref_values)),
            "diff": float(values.mean() - ref_values.mean())
            if len(values) and len(ref_values)
            else float("nan"),
            "t": float("nan"),
            "p": float("nan"),
            "hedges_g": hedges_g(values, ref_values),
        }
        testable = (
            len(values) >= 2
            and len(ref_values) >= 2
            and (np.ptp(values) > 0 or np.ptp(ref_values) > 0)
        )
        if testable:
            result = sps.ttest_ind(values, ref_values, equal_var=False)
            row["t"] = float(result.statistic)
            row["p"] = float(result.pvalue)
        rows.append(row)
    table = pd.DataFrame(
        rows, columns=["variant", "n", "n_ref", "diff", "t", "p", "hedges_g"]
    ).astype({"n": int, "n_ref": int})
    table = bonferroni(table, direction, alpha)
    return table[
        [
            "variant",
            "n",
            "n_ref",
            "diff",
            "t",
            "p",
            "p_bonferroni",
            "m",
            "significant",
            "hedges_g",
            "verdict",
        ]
    ]


def bonferroni(
    table: pd.DataFrame, direction: str, alpha: float = ALPHA, m: int | None = None
) -> pd.DataFrame:
    """``table`` (columns ``p`` and ``diff``, one row per comparison) with the Bonferroni
    correction over ``m`` comparisons (default: the rows with a p-value): columns ``m``,
    ``p_bonferroni`` (``min(1, p * m)``), ``significant`` (``p * m < alpha``) and ``verdict``
    (``better`` or ``worse`` by the metric's direction, ``n.s.``, or ``n/a`` where no test could
    be made)."""
    sign = better_sign(direction)
    table = table.copy()
    m = int(table["p"].notna().sum()) if m is None else int(m)
    table["m"] = m
    table["p_bonferroni"] = (table["p"] * m).clip(upper=1.0)
    table["significant"] = table["p_bonferroni"] < alpha
    verdicts = []
    for _, row in table.iterrows():
        if not np.isfinite(row["p"]):
            verdicts.append("n/a")
        elif not row["significant"]:
            verdicts.append("n.s.")
        else:
            verdicts.append("better" if sign * row["diff"] > 0 else "worse")
    table["verdict"] = verdicts
    return table


def _finite(trials: pd.DataFrame, variant: str) -> np.ndarray:
    """Finite test-metric values of one variant."""
    values = trials.loc[trials["variant"] == variant, "test_metric"].astype(float).to_numpy()
    return values[np.isfinite(values)]
