"""The abstract: a summary generated from the numbers, with no finding where the data has none."""

from __future__ import annotations

from odyssey.analysis import against_paper
from odyssey.analysis.importance import POOLED, reference_scope
from odyssey.analysis.stats import order_variants
from odyssey.render.figures import HP_LABELS
from odyssey.render.formatting import num, pct
from odyssey.render.prose import text
from odyssey.render.sections.comparison import reference_of


def abstract(loaded: list[dict], findings: list[dict], gradients: dict, quick: bool) -> str:
    """What was compared, per task the best trial, significance and importance, the verdicts on
    the paper's findings and the gradient at initialisation."""
    analyses = [d["analysis"] for d in loaded]
    variants = order_variants(v for a in analyses for v in a["variants"])
    counts = [n for a in analyses for n in a["trials_per_variant"].values()]
    low, high = (min(counts), max(counts)) if counts else (0, 0)
    parts = [
        text(
            "abstract.compared",
            n_cells=len(variants),
            cells=", ".join(variants),
            n_tasks=len(analyses),
            tasks=", ".join(a["task"] for a in analyses),
            trials=low if low == high else f"{low}-{high}",
            protocol=text(
                "abstract.protocol_paper"
                if all(against_paper.searched_paper_space(a) for a in analyses)
                else "abstract.protocol_other"
            ),
        )
    ]
    if quick:
        parts.append(text("abstract.quick"))
    for a in analyses:
        parts += task_sentences(a)
    tested = [f for f in findings if f["verdict"] != against_paper.NOT_TESTABLE]
    agree = sum(f["verdict"] == against_paper.AGREE for f in tested)
    parts.append(
        text(
            "abstract.findings",
            checks=len(findings),
            agree=agree,
            disagree=len(tested) - agree,
            untestable=len(findings) - len(tested),
        )
    )
    gradient = gradient_sentence(gradients.get("summary") or {})
    if gradient:
        parts.append(gradient)
    return " ".join(parts)


def task_sentences(a: dict) -> list[str]:
    """The best trial and the significance tests of one task, and its most important parameter."""
    best = against_paper.overall_best(a)
    best_text = (
        text("abstract.best", variant=best[0], metric=a["metric_name"], value=num(best[1]))
        if best
        else text("abstract.no_best")
    )
    if a["reliable"]["welch_all"]:
        sig, reference = a["significant_all"], reference_of(a)
        if sig:
            desc = ", ".join(f"{s['variant']} ({s['verdict']})" for s in sig)
            sig_text = text("abstract.significant", cells=desc, reference=reference)
        else:
            sig_text = text("abstract.none_significant", reference=reference)
        parts = [text("abstract.task", task=a["task"], best=best_text, tests=sig_text)]
    else:
        parts = [text("abstract.task_untested", task=a["task"], best=best_text)]
    reference = reference_scope(a["fanova"])  # the paper's Fig. 5 scope; the pooled forest
    own = a["fanova"].get(reference, {})  # does not know the cell
    scope = reference if own.get("status") == "ok" else POOLED
    res = a["fanova"][scope]
    if a["reliable"].get("fanova") and res.get("status") == "ok":
        first = res["ranking"][0]
        parts.append(
            text(
                "abstract.importance",
                parameter=HP_LABELS.get(first, first),
                share=pct(res["main"][first]),
                task=a["task"],
                interactions=pct(res["interactions_total"]),
                scope=(
                    text("abstract.scope_reference", reference=reference)
                    if scope == reference
                    else text("abstract.scope_pooled")
                ),
            )
        )
    return parts


def gradient_sentence(summary: dict[str, dict]) -> str:
    """The gradient reaching the first step at initialisation, tanh RNN against V ('' if absent)."""
    longest: dict[str, tuple[int, dict]] = {}
    for key, rec in summary.items():
        variant, lag = key.rsplit("@", 1)
        if int(lag) >= longest.get(variant, (-1, None))[0]:
            longest[variant] = (int(lag), rec)
    if "RNN" not in longest or "V" not in longest:
        return ""
    lag = longest["RNN"][0]
    r_rnn, r_v = longest["RNN"][1].get("init"), longest["V"][1].get("init")
    if r_rnn is None or r_v is None:
        return ""
    return text("abstract.gradient", lag=lag, rnn=_ratio(r_rnn), v=_ratio(r_v))


def _ratio(value: float) -> str:
    """A gradient ratio; an exact 0 is a float32 underflow, not a measured zero."""
    return (
        "below 1e-45 times (float32 underflows it to 0)" if value == 0 else f"{num(value, 2)} times"
    )
