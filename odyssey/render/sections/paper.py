"""Against the paper (Sec. VI): our numbers beside the published ones, a verdict per finding."""

from __future__ import annotations

from typing import Any

from odyssey.analysis import against_paper
from odyssey.render.formatting import Output, table
from odyssey.render.prose import text


def paper_table(a: dict, out: Output) -> dict | None:
    """Our numbers beside the paper's for a paper dataset (None for other tasks)."""
    comparison = against_paper.compare_numbers(a)
    if comparison is None:
        return None
    numbers = table(
        ["quantity", "variant", "ours", "paper", "source"],
        comparison["rows"],
        out.tables / f"{a['task']}_paper_numbers.csv",
    )
    caption = text(
        "paper.numbers_caption",
        task=a["task"],
        dataset=comparison["dataset"],
        metric=comparison["metric"],
        ours=comparison["ours_metric"],
    )
    return {"table": numbers, "caption": caption}


def findings_table(a: dict, out: Output) -> tuple[dict[str, Any], list[dict]]:
    """One row per finding of the paper with our verdict; the table and the verdicts."""
    rows = against_paper.evaluate(a)
    findings = table(
        ["finding of the paper", "verdict", "evidence", "why it may differ"],
        [[r["finding"] + f" [{r['tag']}]", r["verdict"], r["evidence"], r["why"]] for r in rows],
        out.tables / f"{a['task']}_findings.csv",
    )
    return findings, rows
