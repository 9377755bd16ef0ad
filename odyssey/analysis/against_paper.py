"""Our numbers beside the paper's, and one verdict per finding of the paper.

Greff et al. 2017, Sec. V-VI; the published values live in :mod:`odyssey.analysis.paper_numbers`. A
verdict is ``agree``, ``disagree`` or ``not testable``; the last whenever the analysis flagged the
statistic it needs as not meaningful (quick study, too few trials, all diverged, fANOVA below a few
dozen trials), whenever a needed variant is absent, whenever a trend stays inside the fANOVA's
error band, whenever the finding is about a dataset this task is not, and, for the fANOVA and
marginal findings (about the paper's search space), whenever the study searched another space:
their shares and trends answer another question there. "No variant improves on V" counts the
paper's variants only (a GRU or a bidirectional model that beats V says nothing about it). Each
check tests what the paper's own figures show for the dataset (Fig. 4 marginals, Fig. 5 pies),
where they are more specific than its text.
"""

from __future__ import annotations

from typing import Any

from odyssey.analysis.importance import POOLED, reference_scope
from odyssey.analysis.paper_numbers import DATASETS, FINDINGS, PaperDataset, dataset_for_task
from odyssey.analysis.stats import PAPER_ORDER
from odyssey.study.space import PAPER_SPACE

PAPER_VARIANTS = PAPER_ORDER[:9]
"""V and the paper's eight variants (GRU, RNN and other models are this project's)."""

AGREE, DISAGREE, NOT_TESTABLE = "agree", "disagree", "not testable"
_LABELS = {
    "learning_rate": "learning rate",
    "one_minus_momentum": "momentum",
    "hidden_size": "hidden size",
    "input_noise": "input noise",
}


def _verdicts(analysis: dict, which: str) -> dict[str, str]:
    """variant -> verdict (worse, better, n.s., n/a, reference) for all trials or the top 10 %."""
    rows = analysis["summary_all" if which == "all" else "summary_top10"]
    return {r["variant"]: r.get("verdict") or "n/a" for r in rows}


def _fanova_scope(analysis: dict) -> dict | None:
    """The fANOVA result the hyperparameter findings use: the reference model's (V, as in the
    paper's Fig. 4 and 5), else pooled; if ok."""
    if analysis.get("quick"):
        return None
    scopes = analysis.get("fanova", {})
    for scope in (reference_scope(scopes), POOLED):
        res = scopes.get(scope)
        if res and res.get("status") == "ok":
            return res
    return None


def _pct(x: float | None) -> str:
    """A share as a percentage string."""
    return "n/a" if x is None else f"{100.0 * x:.1f} %"


def _variant_finding(analysis: dict, variant: str, expect: str, which: str = "all") -> tuple:
    """Verdict for 'variant is worse' (expect='worse') or 'no difference' (expect='n.s.')."""
    reliable = analysis["reliable"]["welch_all" if which == "all" else "welch_top"]
    label = "all trials" if which == "all" else "best 10 %"
    if variant not in analysis["variants"] or "V" not in analysis["variants"]:
        return NOT_TESTABLE, f"{variant} or V not in this study"
    verdict = _verdicts(analysis, which).get(variant, "n/a")
    if not reliable or verdict == "n/a":
        return NOT_TESTABLE, f"{label}: too few trials for a test ({variant}: {verdict})"
    ok = verdict == expect
    return (AGREE if ok else DISAGREE), f"{label}: {variant} {verdict} vs V"


def _trend_verdict(res: dict, key: str, direction: str, expect_better_when_larger: bool) -> tuple:
    """Does the fANOVA marginal improve with the hyperparameter (end to end, beyond the band)?"""
    change = res.get("trend", {}).get(key)
    if change is None:
        return NOT_TESTABLE, "no marginal"
    improves = change < 0 if direction == "minimize" else change > 0
    band = res.get("trend_band", {}).get(key, 0.0)
    if abs(change) <= band:
        return NOT_TESTABLE, f"no trend beyond the band (change {change:+.3g}, band {band:.3g})"
    ok = improves == expect_better_when_larger
    word = "improves" if improves else "worsens"
    return (AGREE if ok else DISAGREE), f"metric {word} from low to high ({change:+.3g})"


def evaluate(analysis: dict) -> list[dict[str, Any]]:
    """One row per finding of the paper for one task: finding, tag, verdict, evidence."""
    dataset = dataset_for_task(analysis["task"])
    key = dataset.key if dataset else None
    direction = analysis["direction"]
    rows = []
    for finding in FINDINGS:
        verdict, evidence = NOT_TESTABLE, ""
        if finding.key == "none_better":
            tested = [v for v in analysis["variants"] if v in PAPER_VARIANTS]
            if not analysis["reliable"]["welch_all"]:
                evidence = "too few trials for the Welch tests"
            elif "V" not in analysis["variants"] or len(tested) < 2:
                evidence = "V and a variant of the paper's are not both in this study"
            else:
                better = [v for v, s in _verdicts(analysis, "all").items() if s == "better"]
                if analysis["reliable"]["welch_top"]:
                    better += [v for v, s in _verdicts(analysis, "top").items() if s == "better"]
                better = sorted(set(better) & set(PAPER_VARIANTS))
                verdict = DISAGREE if better else AGREE
                evidence = f"significantly better: {', '.join(better)}" if better else "none better"
        elif finding.key == "nfg_worse":
            verdict, evidence = _variant_finding(analysis, "NFG", "worse")
        elif finding.key == "noaf_worse":
            verdict, evidence = _variant_finding(analysis, "NOAF", "worse")
        elif finding.key == "cifg_same":
            verdict, evidence = _variant_finding(analysis, "CIFG", "n.s.")
        elif finding.key == "np_same":
            verdict, evidence = _variant_finding(analysis, "NP", "n.s.")
        elif finding.key == "fgr_jsb":
            if key is None:
                evidence = "a statement about the paper's datasets; this task is not one of them"
            elif key == "jsb":
                verdict, evidence = _variant_finding(analysis, "FGR", "worse", "top")
            else:
                verdict, evidence = _variant_finding(analysis, "FGR", "n.s.", "top")
        elif finding.key == "nig_nog_niaf":
            if key is None:
                evidence = "a statement about the paper's datasets; this task is not one of them"
            else:
                expect, which = ("n.s.", "all") if key == "jsb" else ("worse", "top")
                parts = [
                    _variant_finding(analysis, v, expect, which) for v in ("NIG", "NOG", "NIAF")
                ]
                if any(p[0] == NOT_TESTABLE for p in parts):
                    verdict = NOT_TESTABLE
                else:
                    verdict = AGREE if all(p[0] == AGREE for p in parts) else DISAGREE
                evidence = "; ".join(p[1] for p in parts)
        else:
            verdict, evidence = _hyperparameter_finding(finding.key, analysis, key, direction)
        rows.append(
            {
                "key": finding.key,
                "finding": finding.text,
                "tag": finding.tag,
                "task": analysis["task"],
                "verdict": verdict,
                "evidence": evidence,
                "why": why_it_may_differ(finding.key, analysis) if verdict == DISAGREE else "",
            }
        )
    return rows


PAPER_TRIALS_PER_CELL = 200
_VARIANT_FINDINGS = ("none_better", "nfg_worse", "noaf_worse", "cifg_same", "np_same")
_VARIANT_FINDINGS += ("fgr_jsb", "nig_nog_niaf")


def why_it_may_differ(fkey: str, analysis: dict) -> str:
    """Reasons a faithful reproduction can still differ from the paper on this finding, with
    this study's numbers (trials per cell, the forest's spread)."""
    counts = [int(r["trials"]) for r in analysis["summary_all"] if r.get("trials")]
    n = min(counts) if counts else 0
    if fkey in _VARIANT_FINDINGS:
        factor = (PAPER_TRIALS_PER_CELL / n) ** 0.5 if n else float("inf")
        return (
            f"{n} trials per cell against the paper's {PAPER_TRIALS_PER_CELL}: standard errors "
            f"about {factor:.1f}x the paper's, so small differences the paper found (or missed) "
            f"can go either way; the paper's verdicts are read off its Fig. 3 [F]"
        )
    res = _fanova_scope(analysis) or {}
    spread = ", ".join(
        f"{_LABELS[k]} ±{_pct(v)}" for k, v in sorted(res.get("main_std", {}).items())
    )
    if fkey in ("bigger_better", "noise_hurts"):
        return (
            "the marginal averages over every other hyperparameter, bad learning rates included, "
            f"on {res.get('n', 0)} trials; the paper's curves come from "
            f"{PAPER_TRIALS_PER_CELL} trials per cell"
        )
    return (
        f"the forest is fitted on {res.get('n', 0)} trials ({res.get('scope', '-')} scope) against "
        f"the paper's {PAPER_TRIALS_PER_CELL} per cell; small shares lie within its "
        f"tree-to-tree spread ({spread}); the paper's shares are read off its Fig. 5 pies [F]"
    )


def searched_paper_space(analysis: dict) -> bool:
    """Whether the study drew its trials from the paper's search space (an analysis that predates
    the record of its space counts as the paper's)."""
    return analysis.get("search_space", PAPER_SPACE) == PAPER_SPACE


def _other_space(analysis: dict) -> str:
    """How the study's search space departs from the paper's ('' when it is the paper's)."""
    if searched_paper_space(analysis):
        return ""
    searched = analysis["search_space"]
    return "; ".join(
        f"{_LABELS[k]} {searched[k]['low']:g} to {searched[k]['high']:g}"
        for k in PAPER_SPACE
        if searched[k] != PAPER_SPACE[k]
    )


def _hyperparameter_finding(fkey: str, analysis: dict, key: str | None, direction: str) -> tuple:
    """Verdicts of the fANOVA findings (Sec. V-B) from the reference model's (else the pooled)
    decomposition; not testable on another search space than the paper's."""
    other = _other_space(analysis)
    if other:
        return NOT_TESTABLE, (
            f"the study searched another space than the paper's ({other}), so its variance "
            "shares and marginals answer another question"
        )
    res = _fanova_scope(analysis)
    if res is None:
        return NOT_TESTABLE, "fANOVA not meaningful on this data (see caveats)"
    scope = f"{res['scope']} scope"
    main = res["main"]
    ranking = res["ranking"]
    if fkey == "lr_first":
        ok = ranking[0] == "learning_rate" and main["learning_rate"] > 2.0 / 3.0
        return (AGREE if ok else DISAGREE), (
            f"{scope}: first is {_LABELS[ranking[0]]}; learning rate {_pct(main['learning_rate'])}"
        )
    if fkey == "hidden_second":
        # What the paper's own pie shows for this dataset: on JSB, input noise is second.
        second = "input_noise" if key == "jsb" else "hidden_size"
        ok = len(ranking) > 1 and ranking[1] == second
        order = ", ".join(_LABELS[k] for k in ranking)
        return (AGREE if ok else DISAGREE), (
            f"{scope}: order {order} (paper's second here: {_LABELS[second]})"
        )
    if fkey == "momentum_small":
        share = main["one_minus_momentum"]
        return (AGREE if share < 0.01 else DISAGREE), f"{scope}: momentum {_pct(share)}"
    if fkey == "interactions_small":
        share = res["interactions_total"]
        return (AGREE if share <= 0.20 else DISAGREE), f"{scope}: interactions {_pct(share)}"
    if fkey == "bigger_better":
        verdict, evidence = _trend_verdict(res, "hidden_size", direction, True)
        return verdict, f"{scope}: {evidence}"
    if fkey == "noise_hurts":
        # Fig. 4: the noise marginal rises end to end on every dataset, TIMIT included.
        verdict, evidence = _trend_verdict(res, "input_noise", direction, False)
        return verdict, f"{scope}: {evidence}"
    raise ValueError(f"unknown finding {fkey}")


def compare_numbers(analysis: dict) -> dict[str, Any] | None:
    """Our numbers beside the paper's for a task that is one of the paper's datasets, else None.

    Returns ``{"dataset": label, "metric": ..., "rows": [[quantity, variant, ours, paper, tag]]}``.
    """
    dataset: PaperDataset | None = dataset_for_task(analysis["task"])
    if dataset is None:
        return None
    rows: list[list[str]] = []
    # Our TIMIT error and IAM CER are fractions; the paper prints percent.
    factor = 100.0 if dataset.unit == "%" else 1.0
    summary = {r["variant"]: r for r in analysis["summary_all"]}
    top = {r["variant"]: r for r in analysis["summary_top10"]}
    best = overall_best(analysis)
    rows.append(
        [
            "best trial by validation (test)",
            f"ours {best[0]} / paper {dataset.best_variant}" if best else dataset.best_variant,
            _fmt(best[1], factor) if best else "n/a",
            dataset.best.text,
            dataset.best.tag,
        ]
    )
    for variant, number in dataset.top10_mean.items():
        ours = top.get(variant, {}).get("mean")
        rows.append(["mean of best 10 %", variant, _fmt(ours, factor), number.text, number.tag])
    for variant, number in dataset.all_mean.items():
        ours = summary.get(variant, {}).get("mean")
        rows.append(["mean of all trials", variant, _fmt(ours, factor), number.text, number.tag])
    ours_sig_all = ", ".join(s["variant"] for s in analysis["significant_all"]) or "none"
    ours_sig_top = ", ".join(s["variant"] for s in analysis["significant_top10"]) or "none"
    rows.append(
        ["significant vs V (all)", "", ours_sig_all, ", ".join(dataset.significant_all), "F"]
    )
    rows.append(
        [
            "significant vs V (best 10 %)",
            "",
            ours_sig_top,
            ", ".join(dataset.significant_top10),
            "F",
        ]
    )
    res = analysis.get("fanova", {}).get("V") or analysis.get("fanova", {}).get("pooled") or {}
    for term, number in dataset.fanova.items():
        # The paper's "higher order" slice holds every interaction, pairs included (Fig. 5).
        if res.get("status") in ("ok", "caveat"):
            ours = res["interactions_total"] if term == "higher_order" else res["main"].get(term)
            ours_text = _pct(ours) + (f" ({res['scope']})" if ours is not None else "")
        else:
            ours_text = "n/a"
        label = "all interactions" if term == "higher_order" else term.replace("_", " ")
        rows.append([f"fANOVA share: {label}", "", ours_text, number.text, "F"])
    return {
        "dataset": dataset.label,
        "metric": f"{dataset.metric} ({dataset.unit})",
        "ours_metric": analysis["metric_name"] + (" x 100" if factor != 1.0 else ""),
        "rows": rows,
    }


def overall_best(analysis: dict) -> tuple[str, float] | None:
    """(variant, test value) of the best trial by validation over all variants."""
    rows = [r for r in analysis["summary_all"] if r.get("best_valid") is not None]
    if not rows:
        return None
    sign = 1.0 if analysis["direction"] == "minimize" else -1.0
    best = min(rows, key=lambda r: sign * r["best_valid"])
    return best["variant"], best["best_test"]


def _fmt(value: float | None, factor: float = 1.0) -> str:
    """Compact number formatting for the comparison table (``factor``: fraction -> percent)."""
    return "n/a" if value is None else f"{value * factor:.4g}"


def paper_datasets() -> list[str]:
    """Labels of the paper's datasets (for the report's text)."""
    return [d.label for d in DATASETS.values()]
