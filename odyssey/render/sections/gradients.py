"""Vanishing and exploding gradients: the probe's figures, tables and text (from its CSV).

Issue 13's long-time-lag part: per task and initialisation (the paper's N(0, 0.1) and the
forget-gate bias of Gers et al. 2000), the share of trials that solve a long-lag task against the
lag (:mod:`odyssey.analysis.long_lag`), the lag at which each cell stops learning with and without
the bias, and the gradient norm reaching k steps back at initialisation and after training.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from odyssey.analysis.long_lag import analyse_probe, probe_table
from odyssey.analysis.stats import order_variants
from odyssey.render.formatting import Output, table
from odyssey.render.gradient_figures import norm_figure, success_figure
from odyssey.render.prose import text
from odyssey.render.sections.gradient_tables import norm_ratios, solved_rows, stop_rows

ALPHA = 0.05
"""Level of the forget-bias test (after Bonferroni's correction)."""


def gradients_section(gradients_csv: Path | None, out: Output) -> dict[str, Any]:
    """The vanishing-gradient section from the probe's CSV (odyssey.training.gradients)."""
    if gradients_csv is None or not Path(gradients_csv).exists():
        return {"present": False, "text": text("gradients.not_run"), "summary": None}
    frame = pd.read_csv(gradients_csv)
    if frame.empty:
        return {"present": False, "text": text("gradients.no_rows"), "summary": None}
    frame = probe_table(frame)
    result = analyse_probe(frame)
    out.tables.mkdir(parents=True, exist_ok=True)
    result["shares"].to_csv(out.tables / "gradients_share.csv", index=False)
    result["bias"].to_csv(out.tables / "gradients_bias.csv", index=False)
    ratios = norm_ratios(frame)
    summary = primary_summary(frame, ratios)
    note = str(frame["note"].dropna().iloc[0]) if frame["note"].notna().any() else ""
    solved_header, solved = solved_rows(result["shares"], ratios)
    stop_header, stops = stop_rows(result["stops"], result["bias"])
    return {
        "present": True,
        "text": text("gradients.text", probe=note)
        + vanishing_sentence(summary)
        + " "
        + bias_sentence(result["bias"]),
        "fig": out.rel(norm_figure(frame, out.figures / "gradients")),
        "caption": text("gradients.caption"),
        "share_fig": out.rel(success_figure(result["shares"], out.figures / "gradients_share")),
        "share_caption": text("gradients.share_caption"),
        "table": table(solved_header, solved, out.tables / "gradients.csv"),
        "table_caption": text("gradients.table_caption"),
        "stop_table": table(stop_header, stops, out.tables / "gradients_stop.csv"),
        "stop_caption": text("gradients.stop_caption"),
        "lag_note": text("gradients.lag_note"),
        "summary": {f"{k[0]}@{k[1]}": v for k, v in summary.items()},
        "stops": result["stops"].to_dict(orient="records"),
    }


def primary_summary(
    frame: pd.DataFrame, ratios: dict[tuple[str, str, str, int], dict[str, float]]
) -> dict[tuple[str, int], dict[str, Any]]:
    """Per (variant, lag) of the first task with its first init (the paper's when present): the
    norm ratios, the mean share of sequences and of trials solved, and the trials."""
    task = str(frame["task"].iloc[0])
    inits = list(dict.fromkeys(frame["init"]))
    init = "paper" if "paper" in inits else inits[0]
    part = frame[(frame["task"] == task) & (frame["init"] == init)]
    summary: dict[tuple[str, int], dict[str, Any]] = {}
    for (variant, lag), rows in part.groupby(["variant", "lag"], sort=False):
        rec: dict[str, Any] = dict(ratios.get((task, init, str(variant), int(lag)), {}))
        for kind in ("success", "hit_rate"):
            values = rows[rows["kind"] == kind]["value"]
            rec[kind] = float(values.mean()) if len(values) else math.nan
        rec["trials"] = int(rows["trial"].nunique())
        summary[(str(variant), int(lag))] = rec
    return summary


def vanishing_sentence(summary: dict[tuple[str, int], dict]) -> str:
    """Which cells lose the signal over the longest lag at initialisation, which keep it."""
    if not summary:
        return ""
    lag = max(k[1] for k in summary)
    ratios = {v: rec.get("init") for (v, g), rec in summary.items() if g == lag}
    ratios = {v: r for v, r in ratios.items() if r is not None and math.isfinite(r)}
    order = order_variants(ratios)
    lost = [v for v in order if ratios[v] < 1e-3]
    kept = [v for v in order if ratios[v] >= 0.1]
    parts = [text("gradients.vanishing.start", lag=lag)]
    if lost:
        parts.append(text("gradients.vanishing.lost", cells=", ".join(lost)))
    if kept:
        key = "gradients.vanishing.kept_too" if lost else "gradients.vanishing.kept"
        parts.append(text(key, cells=", ".join(kept)))
    return "".join(parts) + "." if (lost or kept) else ""


def bias_sentence(bias: pd.DataFrame) -> str:
    """Which cells' success rate the forget-gate bias changes (Bonferroni-corrected Fisher test),
    or '' when the probe ran one init only."""
    if bias.empty or not bias["applied"].any():
        return ""
    tested = bias[bias["applied"]]
    changed = tested[tested["p_bonferroni"] < ALPHA]
    if changed.empty:
        return text("gradients.bias.none", tests=len(tested))
    cells = ", ".join(
        f"{rec['variant']} on {rec['task']} ({rec['baseline_successes']}/{rec['baseline_trials']}"
        f" → {rec['successes']}/{rec['trials']})"
        for _, rec in changed.iterrows()
    )
    return text("gradients.bias.changed", tests=len(tested), cells=cells)
