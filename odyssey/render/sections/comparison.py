"""The variant comparison of one task (the paper's Fig. 3, Sec. V-A): box plots and Welch tables."""

from __future__ import annotations

from typing import Any

from odyssey.analysis.stats import REFERENCE
from odyssey.render import figures
from odyssey.render.formatting import Output, metric_label, num, pval, table
from odyssey.render.prose import text

ALL_HEADER = [
    "variant",
    "trials",
    "diverged",
    "pruned",
    "mean",
    "median",
    "std",
    "best",
    "Δ vs V",
    "p",
    "p·m",
    "g",
    "verdict",
]
TOP_HEADER = [
    "variant",
    "trials",
    "mean",
    "median",
    "min",
    "max",
    "parameters",
    "Δ vs V",
    "p",
    "p·m",
    "g",
    "verdict",
]


def reference_of(a: dict) -> str:
    """The model a task's Welch tests are against: its summary row marked ``reference`` (the
    config's ``reference``), else V."""
    rows = a.get("summary_all") or []
    return next((r["variant"] for r in rows if r.get("verdict") == "reference"), REFERENCE)


def delta_header(header: list[str], reference: str) -> list[str]:
    """``header`` with its difference column named after ``reference`` (Δ vs V)."""
    return [f"Δ vs {reference}" if h == "Δ vs V" else h for h in header]


def verdict(row: dict, reliable: bool) -> str:
    """The Welch verdict; in parentheses where the test is not meaningful (too few trials)."""
    found = row.get("verdict") or "n/a"
    if reliable or found in ("n/a", "reference"):
        return found
    return f"({found})"


def welch_cells(row: dict, reliable: bool) -> list[str]:
    """The comparison with the reference: difference, p, Bonferroni p, Hedges' g, verdict."""
    return [
        num(row.get("diff"), 3),
        pval(row.get("p")),
        pval(row.get("p_bonferroni")),
        num(row.get("hedges_g"), 3),
        verdict(row, reliable),
    ]


def table_all(a: dict, out: Output) -> dict[str, Any]:
    """All finished trials per variant: counts, test metric statistics, Welch test against the
    reference (V unless the config names another)."""
    rows = [
        [
            r["variant"],
            r["trials"],
            r["diverged"],
            r.get("pruned", 0),
            num(r["mean"]),
            num(r["median"]),
            num(r["std"], 3),
            num(r["best_test"]),
            *welch_cells(r, a["reliable"]["welch_all"]),
        ]
        for r in a["summary_all"]
    ]
    return table(
        delta_header(ALL_HEADER, reference_of(a)),
        rows,
        out.tables / f"{a['task']}_variants_all.csv",
    )


def table_top(a: dict, out: Output) -> dict[str, Any]:
    """The best 10 % of trials by validation per variant, with parameter counts."""
    rows = [
        [
            r["variant"],
            r["trials"],
            num(r["mean"]),
            num(r["median"]),
            num(r["min"]),
            num(r["max"]),
            num(r.get("mean_params"), 5),
            *welch_cells(r, a["reliable"]["welch_top"]),
        ]
        for r in a["summary_top10"]
    ]
    return table(
        delta_header(TOP_HEADER, reference_of(a)),
        rows,
        out.tables / f"{a['task']}_variants_top10.csv",
    )


def extra_table(a: dict, out: Output) -> dict[str, Any] | None:
    """Means of the task's extra test metrics per variant (e.g. the adding problem's hit rate)."""
    rows = a.get("extra_summary") or []
    metrics = list(dict.fromkeys(r["metric"] for r in rows))
    if not metrics:
        return None
    header = ["variant"] + [f"{m} (all)" for m in metrics] + [f"{m} (best 10 %)" for m in metrics]
    by_variant: dict[str, dict[str, dict]] = {}
    for r in rows:
        by_variant.setdefault(r["variant"], {})[r["metric"]] = r
    body = [
        [variant]
        + [num(per.get(m, {}).get("mean_all")) for m in metrics]
        + [num(per.get(m, {}).get("mean_top10")) for m in metrics]
        for variant, per in by_variant.items()
    ]
    return table(header, body, out.tables / f"{a['task']}_extra_metrics.csv")


def box_figure(loaded: dict, out: Output) -> Any:
    """Box plots of all trials and of the best 10 %; significance only where it is meaningful."""
    a = loaded["analysis"]
    sig_all = {s["variant"] for s in a["significant_all"]} if a["reliable"]["welch_all"] else set()
    sig_top = (
        {s["variant"] for s in a["significant_top10"]} if a["reliable"]["welch_top"] else set()
    )
    return figures.variant_boxes(
        loaded["trials"], sig_all, sig_top, metric_label(a), out.figures / f"{a['task']}_boxes"
    )


def captions(a: dict) -> dict[str, str]:
    """The captions of the box plots, the two tables and the extra metrics."""
    task, label, reference = a["task"], metric_label(a), reference_of(a)
    m_all, m_top = a.get("bonferroni_m_all", 0), a.get("bonferroni_m_top10", 0)
    not_drawn = [
        text(f"comparison.scopes.{key}")
        for key in ("welch_all", "welch_top")
        if not a["reliable"][key]
    ]
    box = text(
        "comparison.box_caption",
        task=task,
        metric=label,
        m_all=m_all,
        m_top=m_top,
        reference=reference,
    )
    if not_drawn:
        box += text("comparison.not_drawn", scopes=" and ".join(not_drawn))
    reliability = "" if a["reliable"]["welch_all"] else text("comparison.not_meaningful")
    top = text("comparison.table_top_caption", task=task, m_top=m_top, reference=reference)
    if not a["reliable"]["welch_top"]:
        top += text("comparison.too_few_top")
    return {
        "box_caption": box,
        "table_all_caption": text(
            "comparison.table_all_caption",
            task=task,
            n_trials=a["n_trials"],
            metric_name=a["metric_name"],
            direction=a["direction"],
            m_all=m_all,
            reference=reference,
        )
        + reliability,
        "table_top_caption": top,
        "extra_caption": text("comparison.extra_caption", task=task),
    }
