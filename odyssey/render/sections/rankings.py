"""Rankings across tasks: Friedman with its critical-difference diagram, and each cell against the
reference model (V, or the config's ``reference``) by the Bayesian signed-rank test
(:mod:`odyssey.analysis.rankings`). Only when a study has two tasks or more."""

from __future__ import annotations

from typing import Any

from odyssey.analysis import rankings
from odyssey.analysis.stats import order_variants
from odyssey.render.cd_diagram import cd_diagram
from odyssey.render.formatting import Output, num, pval, table
from odyssey.render.prose import text
from odyssey.render.sections.comparison import reference_of


def rankings_section(loaded: list[dict], out: Output) -> dict[str, Any]:
    """The section's text, figure and tables; ``present`` is False for a single-task study."""
    scores = rankings.task_scores([d["analysis"] for d in loaded])
    test = rankings.friedman(scores)
    if test["status"] != "ok":
        return {"present": False, "text": text("rankings.absent", reason=test["reason"])}
    ranks = test["average_rank"]
    fig = cd_diagram(ranks, test["critical_difference"], out.figures / "cd_diagram")
    rank_rows = [[v, num(ranks[v], 3)] for v in sorted(ranks, key=ranks.get)]
    reference = reference_of(loaded[0]["analysis"])  # the same on every task of a study
    bayes = rankings.against_reference(scores, reference)
    order = order_variants(r["variant"] for r in bayes)
    bayes_rows = [
        [
            r["variant"],
            num(r["p_better"], 3),
            num(r["p_equivalent"], 3),
            num(r["p_worse"], 3),
            f"{100 * r['mean_relative_difference']:+.2f} %",
        ]
        for r in sorted(bayes, key=lambda r: order.index(r["variant"]))
    ]
    return {
        "present": True,
        "text": text(
            "rankings.text",
            tasks=test["tasks"],
            cells=test["cells"],
            chi2=num(test["chi2"], 4),
            p=pval(test["p"]),
            cd=num(test["critical_difference"], 3),
            rope=f"{100 * rankings.ROPE:g} %",
            reference=reference,
        ),
        "fig": out.rel(fig),
        "caption": text("rankings.caption", alpha=test["alpha"]),
        "ranks": table(["variant", "average rank"], rank_rows, out.tables / "ranks.csv"),
        "ranks_caption": text("rankings.ranks_caption"),
        "bayes": table(
            [
                "variant",
                f"P(better than {reference})",
                "P(equivalent)",
                "P(worse)",
                "mean difference",
            ],
            bayes_rows,
            out.tables / "bayes_vs_v.csv",
        ),
        "bayes_caption": text(
            "rankings.bayes_caption", rope=f"{100 * rankings.ROPE:g} %", reference=reference
        ),
    }
