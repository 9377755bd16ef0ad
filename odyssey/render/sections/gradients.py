"""Vanishing and exploding gradients: the probe's figure, table and text (from its CSV)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from odyssey.analysis.stats import order_variants
from odyssey.render import figures
from odyssey.render.formatting import Output, num, pct, table
from odyssey.render.prose import text

HEADER = [
    "variant",
    "lag",
    "norm ratio, init",
    "norm ratio, trained",
    "trials",
    "solved sequences",
    "successful trials",
]


def gradients_section(gradients_csv: Path | None, out: Output) -> dict[str, Any]:
    """The vanishing-gradient section from the probe's CSV (odyssey.training.gradients)."""
    if gradients_csv is None or not Path(gradients_csv).exists():
        return {"present": False, "text": text("gradients.not_run"), "summary": None}
    frame = pd.read_csv(gradients_csv)
    if frame.empty:
        return {"present": False, "text": text("gradients.no_rows"), "summary": None}
    fig = figures.gradients(frame, out.figures / "gradients")
    summary = summarise(frame)
    rows = []
    for variant in order_variants(frame["variant"].unique()):
        for lag in sorted({k[1] for k in summary if k[0] == variant}):
            rec = summary[(variant, lag)]
            rows.append(
                [
                    variant,
                    lag,
                    num(rec.get("init"), 3),
                    num(rec.get("trained"), 3),
                    rec["trials"],
                    pct(rec["hit_rate"]) if math.isfinite(rec["hit_rate"]) else "–",
                    pct(rec["success"]) if math.isfinite(rec["success"]) else "–",
                ]
            )
    note = ""
    if "note" in frame.columns and frame["note"].notna().any():
        note = str(frame["note"].dropna().iloc[0])
    return {
        "present": True,
        "text": text("gradients.text", probe=note) + vanishing_sentence(summary),
        "fig": out.rel(fig),
        "caption": text("gradients.caption"),
        "table": table(HEADER, rows, out.tables / "gradients.csv"),
        "table_caption": text("gradients.table_caption"),
        "summary": {f"{k[0]}@{k[1]}": v for k, v in summary.items()},
    }


def summarise(frame: pd.DataFrame) -> dict[tuple[str, int], dict[str, Any]]:
    """Per (variant, lag): norm ratios first/last step at init and trained, success, trials."""
    norms = frame[frame["kind"] == "norm"]
    success = frame[frame["kind"] == "success"]
    summary: dict[tuple[str, int], dict[str, Any]] = {}
    for (variant, lag), part in norms.groupby(["variant", "lag"], sort=False):
        rec = {}
        for stage in ("init", "trained"):
            s = part[part["stage"] == stage].groupby("k")["value"].median()
            if len(s):
                rec[stage] = float(s.iloc[-1] / s.iloc[0]) if s.iloc[0] > 0 else float("nan")
        succ = success[(success["variant"] == variant) & (success["lag"] == lag)]["value"]
        rec["success"] = float(succ.mean()) if len(succ) else float("nan")
        hits = frame[
            (frame["kind"] == "hit_rate") & (frame["variant"] == variant) & (frame["lag"] == lag)
        ]["value"]
        rec["hit_rate"] = float(hits.mean()) if len(hits) else float("nan")
        rec["trials"] = int(part["trial"].nunique())
        summary[(variant, int(lag))] = rec
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
