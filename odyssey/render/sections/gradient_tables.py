"""The vanishing-gradient section's tables: trials solved per lag, and where each cell stops.

Rows come from :mod:`odyssey.analysis.long_lag` (success shares, stop lags, the forget-bias test)
and :func:`norm_ratios`; the tables are laid out by ``report/odyssey.typ`` and written as CSV
beside the report (``tables/gradients.csv``, ``tables/gradients_stop.csv``).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from odyssey.analysis.long_lag import probe_table
from odyssey.analysis.stats import order_variants
from odyssey.render.formatting import num, pval
from odyssey.render.prose import text


def norm_ratios(frame: pd.DataFrame) -> dict[tuple[str, str, str, int], dict[str, float]]:
    """Per (task, init, variant, lag): the gradient norm reaching the first step over the last
    step's (median over trials per k), at initialisation and trained."""
    table = probe_table(frame)
    norms = table[table["kind"] == "norm"]
    out: dict[tuple[str, str, str, int], dict[str, float]] = {}
    for (task, init, variant, lag), part in norms.groupby(["task", "init", "variant", "lag"]):
        rec = {}
        for stage in ("init", "trained"):
            s = part[part["stage"] == stage].groupby("k")["value"].median()
            if len(s):
                rec[stage] = float(s.iloc[-1] / s.iloc[0]) if s.iloc[0] > 0 else math.nan
        out[(str(task), str(init), str(variant), int(lag))] = rec
    return out


def solved_rows(
    shares: pd.DataFrame, ratios: dict[tuple[str, str, str, int], dict[str, float]]
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: per (task, init, variant) the trials solved at each lag ("k/n") and the
    norm ratios at the task's longest lag."""
    lags = sorted(shares["lag"].unique())
    header = ["task", "init", "variant", *[f"lag {lag}" for lag in lags]]
    header += ["norm ratio, init", "norm ratio, trained"]
    rows = []
    for (task, init), part in shares.groupby(["task", "init"], sort=False):
        longest = int(part["lag"].max())
        for variant in order_variants(part["variant"].unique()):
            v = part[part["variant"] == variant].set_index("lag")
            cells = [
                f"{int(v.at[lag, 'successes'])}/{int(v.at[lag, 'trials'])}"
                if lag in v.index
                else "–"
                for lag in lags
            ]
            rec = ratios.get((task, init, variant, longest), {})
            rows.append(
                [task, init, variant, *cells, num(rec.get("init"), 3), num(rec.get("trained"), 3)]
            )
    return header, rows


def stop_text(rec: pd.Series) -> str:
    """Where a cell stops learning, in words: between lag a and lag b, below the shortest lag, or
    beyond the longest (a star when a later lag is learned again)."""
    if rec["stops_at"] is None or pd.isna(rec["stops_at"]):
        return text("gradients.stop.beyond", lag=int(rec["longest"]))
    if rec["learned_up_to"] is None or pd.isna(rec["learned_up_to"]):
        words = text("gradients.stop.below", lag=int(rec["stops_at"]))
    else:
        words = text("gradients.stop.between", a=int(rec["learned_up_to"]), b=int(rec["stops_at"]))
    return words + (" *" if rec["learned_after_stop"] else "")


def stop_rows(stops: pd.DataFrame, bias: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: per (task, variant) where it stops learning under each init, and the
    forget-bias test (trials solved pooled over the lags both ways, Fisher p, Bonferroni p)."""
    inits = list(dict.fromkeys(stops["init"]))
    header = ["task", "variant", *[f"stops, {init}" for init in inits]]
    test = bias.iloc[0] if not bias.empty else None
    if test is not None:
        header += [
            f"solved, {test['baseline']}",
            f"solved, {test['init']}",
            "Fisher p",
            "Bonferroni p",
        ]
    rows = []
    for task, part in stops.groupby("task", sort=False):
        for variant in order_variants(part["variant"].unique()):
            v = part[part["variant"] == variant].set_index("init")
            row = [task, variant] + [stop_text(v.loc[i]) if i in v.index else "–" for i in inits]
            if test is not None:
                row += bias_cells(bias, task, variant, str(test["init"]))
            rows.append(row)
    return header, rows


def bias_cells(bias: pd.DataFrame, task: str, variant: str, init: str) -> list[str]:
    """The forget-bias test's cells of one (task, variant) row."""
    hit = bias[(bias["task"] == task) & (bias["variant"] == variant) & (bias["init"] == init)]
    if hit.empty:
        return ["–"] * 4
    rec = hit.iloc[0]
    solved = [
        f"{rec['baseline_successes']}/{rec['baseline_trials']}",
        f"{rec['successes']}/{rec['trials']}",
    ]
    if not rec["applied"]:
        return [*solved, text("gradients.stop.not_applied"), "–"]
    return [*solved, pval(rec["p"]), pval(rec["p_bonferroni"])]
