"""The PDF report: figures, tables and a JSON of every number, compiled with typst.

Pipeline-facing: :func:`build_report` (docs/contracts.md). It reads only the analysis folders
written by :func:`odyssey.analysis.analyse.analyse_task` and the gradient-probe CSV, so it
regenerates in seconds. Beside the PDF (``results/report/`` in the pipeline) it writes
``figures/*.svg``, ``tables/*.csv``, ``report.json`` and the template copy ``report.typ``; typst
compiles them with the bundled fonts only and with the document date unset, so the same inputs give
the same bytes.

Structure after Greff et al. 2017: the variant comparison (Fig. 3, Sec. V-A), the hyperparameter
importance (Figs. 4-6, Sec. V-B), our numbers beside the published ones with one verdict per
finding of the paper (Sec. VI), the vanishing-gradient probe, cost and provenance.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from odyssey.analysis import against_paper
from odyssey.analysis.paper_numbers import PAPER_COMPUTE, dataset_for_task
from odyssey.render import figures
from odyssey.study.space import PAPER_SPACE, with_paper_defaults

TEMPLATE = Path(__file__).resolve().parents[2] / "report" / "odyssey.typ"
PACKAGES = (
    "torch",
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "optuna",
    "matplotlib",
    "seaborn",
    "typst",
    "mlflow",
    "snakemake",
)
HP_LABELS = figures.HP_LABELS


_SPACE_LABELS = {
    "hidden_size": "hidden size",
    "learning_rate": "learning rate",
    "one_minus_momentum": "1 - momentum",
    "input_noise": "input-noise std",
}


def _bound(value: Any, sci: bool = False) -> str:
    """A search-space bound as written in the report: 200, 0.01, or 1e-6 / 2.5e-4 (``sci``)."""
    value = float(value)
    if sci and value != 0:
        mantissa, exponent = f"{value:.2e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent)}"
    if value.is_integer() and abs(value) < 1e5:
        return str(int(value))
    return f"{value:g}"


def _range_text(rng: dict[str, Any]) -> str:
    kind = "log-uniform" if rng.get("log") else "uniform"
    # small bounds (the learning rate's) in powers of ten for both ends, as the paper writes them
    sci = any(0 < abs(float(rng[b])) < 1e-3 for b in ("low", "high"))
    return f"{kind} in [{_bound(rng['low'], sci)}, {_bound(rng['high'], sci)}]"


def _search_space(cfg: dict, task: str) -> dict[str, dict[str, Any]]:
    """The task's configured search space, the paper's range for any key the config leaves out."""
    tcfg = (cfg.get("tasks") or {}).get(task)
    return with_paper_defaults(tcfg.get("search_space") if isinstance(tcfg, dict) else None)


def _space_differences(space: dict[str, dict[str, Any]]) -> list[str]:
    """One phrase per hyperparameter whose range differs from the paper's (empty: the paper's)."""
    out = []
    for key, paper in PAPER_SPACE.items():
        rng = space[key]
        same = bool(rng.get("log")) == bool(paper["log"]) and all(
            math.isclose(float(rng[b]), float(paper[b]), rel_tol=1e-9, abs_tol=1e-12)
            for b in ("low", "high")
        )
        if not same:
            out.append(f"{_SPACE_LABELS[key]} {_range_text(rng)} (paper: {_range_text(paper)})")
    return out


# ---------------------------------------------------------------------------------------------
# number formatting (also used by the tests to find the table values in the PDF text)
def num(value: Any, digits: int = 4) -> str:
    """A number with ``digits`` significant digits; missing values as an en dash."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.{digits}g}"


def pval(value: Any) -> str:
    """A p-value: three decimals, or scientific below 0.001."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.1e}" if value < 1e-3 else f"{value:.3f}"


def pct(value: Any) -> str:
    """A share as a percentage."""
    if value is None:
        return "–"
    return f"{100.0 * float(value):.1f} %"


def duration(seconds: float) -> str:
    """Seconds as s, min or h."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"


# ---------------------------------------------------------------------------------------------
def _load(directory: Path) -> dict[str, Any]:
    """Everything one analysis folder holds (see odyssey.analysis.analyse)."""
    analysis = json.loads((directory / "analysis.json").read_text(encoding="utf-8"))
    return {
        "analysis": analysis,
        "trials": pd.read_csv(directory / "trials_used.csv"),
        "shares": pd.read_csv(directory / "fanova_shares.csv"),
        "curves": pd.read_csv(directory / "fanova_marginals.csv"),
        "surfaces": json.loads((directory / "fanova_surfaces.json").read_text(encoding="utf-8")),
        "cost": pd.read_csv(directory / "cost.csv"),
    }


_NUMERIC = re.compile(r"^[-+−–]?[\d.,]*(e[-+]?\d+)?( ?%| s| min| h)?( ± [\d.]+ ?%)?$|^–$|^n/a$")


def _table(header: list[str], rows: list[list[Any]], csv_path: Path) -> dict[str, Any]:
    """A table for the template (strings, with column alignment) and the same table as CSV.

    Columns whose cells are all numbers are right-aligned, the others left-aligned.
    """
    rows = [[str(c) for c in row] for row in rows]
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=header).to_csv(csv_path, index=False)
    align = [
        "r" if rows and all(_NUMERIC.match(row[j]) for row in rows) else "l"
        for j in range(len(header))
    ]
    return {"header": header, "rows": rows, "align": align}


def _metric_label(analysis: dict) -> str:
    """'test nll (lower is better)'."""
    better = "lower" if analysis["direction"] == "minimize" else "higher"
    return f"test {analysis['metric_name']} ({better} is better)"


def _task_label(task: str) -> str:
    """Display name of a task (the paper's dataset name where it is one)."""
    dataset = dataset_for_task(task)
    return f"{task} ({dataset.label})" if dataset else task


# ---------------------------------------------------------------------------------------------
def _verdict(row: dict, reliable: bool) -> str:
    """The Welch verdict; in parentheses where the test is not meaningful (too few trials)."""
    verdict = row.get("verdict") or "n/a"
    if reliable or verdict in ("n/a", "reference"):
        return verdict
    return f"({verdict})"


def _variant_tables(a: dict, tables: Path) -> tuple[dict, dict]:
    """Per-variant tables: all trials and best 10 % (Fig. 3 numbers and Welch tests)."""
    task = a["task"]
    rows = []
    for r in a["summary_all"]:
        rows.append(
            [
                r["variant"],
                r["trials"],
                r["diverged"],
                r.get("pruned", 0),
                num(r["mean"]),
                num(r["median"]),
                num(r["std"], 3),
                num(r["best_test"]),
                num(r.get("diff"), 3),
                pval(r.get("p")),
                pval(r.get("p_bonferroni")),
                num(r.get("hedges_g"), 3),
                _verdict(r, a["reliable"]["welch_all"]),
            ]
        )
    table_all = _table(
        [
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
        ],
        rows,
        tables / f"{task}_variants_all.csv",
    )
    rows = []
    for r in a["summary_top10"]:
        rows.append(
            [
                r["variant"],
                r["trials"],
                num(r["mean"]),
                num(r["median"]),
                num(r["min"]),
                num(r["max"]),
                num(r.get("mean_params"), 5),
                num(r.get("diff"), 3),
                pval(r.get("p")),
                pval(r.get("p_bonferroni")),
                num(r.get("hedges_g"), 3),
                _verdict(r, a["reliable"]["welch_top"]),
            ]
        )
    table_top = _table(
        [
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
        ],
        rows,
        tables / f"{task}_variants_top10.csv",
    )
    return table_all, table_top


def _extra_table(a: dict, tables: Path) -> dict[str, Any] | None:
    """Means of the task's extra test metrics per variant (e.g. the adding problem's hit rate)."""
    rows = a.get("extra_summary") or []
    metrics = list(dict.fromkeys(r["metric"] for r in rows))
    if not metrics:
        return None
    header = ["variant"] + [f"{m} (all)" for m in metrics] + [f"{m} (best 10 %)" for m in metrics]
    by_variant: dict[str, dict[str, dict]] = {}
    for r in rows:
        by_variant.setdefault(r["variant"], {})[r["metric"]] = r
    body = []
    for variant, per in by_variant.items():
        body.append(
            [variant]
            + [num(per.get(m, {}).get("mean_all")) for m in metrics]
            + [num(per.get(m, {}).get("mean_top10")) for m in metrics]
        )
    return _table(header, body, tables / f"{a['task']}_extra_metrics.csv")


def _fanova_section(loaded: dict, figs: Path, tables: Path, rel: Any) -> dict[str, Any]:
    """Figures, tables and notes of the hyperparameter-importance subsection of one task."""
    a = loaded["analysis"]
    task = a["task"]
    scopes = {k: v for k, v in a["fanova"].items() if v.get("status") in ("ok", "caveat")}
    notes = [
        f"{scope}: {res['reason']}."
        for scope, res in a["fanova"].items()
        if res.get("status") != "ok" and res.get("reason")
    ]
    if a.get("quick"):
        notes.insert(0, "Quick study: the decomposition is shown to check the pipeline only.")
    if not scopes:
        return {"shown": False, "note": " ".join(notes) or "fANOVA not computed."}
    label = _metric_label(a)
    shares_fig = figures.fanova_shares(
        loaded["shares"],
        {s: r["optuna"] for s, r in scopes.items() if "optuna" in r},
        figs / f"{task}_fanova_shares",
    )
    marg_fig = figures.marginals(loaded["curves"], label, figs / f"{task}_marginals")
    inter_scope = "V" if "V" in scopes and scopes["V"]["status"] == "ok" else "pooled"
    if inter_scope not in loaded["surfaces"]:
        inter_scope = next(iter(loaded["surfaces"]))
    inter_fig = figures.interactions(
        loaded["surfaces"][inter_scope], label, figs / f"{task}_interactions"
    )
    header = ["term"]
    for scope, res in scopes.items():
        header += [f"{scope} (n={res['n']})"]
    for scope in scopes:
        header += [f"Optuna {scope}", f"ours {scope} norm."]
    terms = list(dict.fromkeys(loaded["shares"]["term"]))
    rows = []
    for term in terms:
        row = [figures._term_label(term)]
        for scope in scopes:
            part = loaded["shares"][
                (loaded["shares"]["scope"] == scope) & (loaded["shares"]["term"] == term)
            ]
            row.append(
                f"{pct(part['share'].iloc[0])} ± {pct(part['std'].iloc[0])}" if len(part) else "–"
            )
        for res in scopes.values():
            if term in res.get("optuna", {}):
                row += [pct(res["optuna"][term]), pct(res["main_normalised"][term])]
            else:
                row += ["", ""]
        rows.append(row)
    table = _table(header, rows, tables / f"{task}_fanova_shares.csv")
    diffs = "; ".join(
        f"{scope}: largest difference {pct(res['optuna_max_abs_diff'])}, "
        f"same first hyperparameter: {'yes' if res['optuna_same_top'] else 'no'}"
        for scope, res in scopes.items()
        if "optuna_max_abs_diff" in res
    )
    return {
        "shown": True,
        "note": " ".join(notes),
        "shares_fig": rel(shares_fig),
        "shares_caption": (
            f"{task}: share of the variance of the {label} explained by each hyperparameter, each "
            "pair and all higher-order interactions (the paper's Fig. 5 as bars; error bars: one "
            "standard deviation across the 100 trees). Grey: all variants pooled; blue: V alone. "
            "Red diamonds: Optuna's fANOVA main effects, rescaled to our sum of main effects."
        ),
        "table": table,
        "table_caption": (
            f"{task}: fANOVA variance shares (mean ± std across trees) and the cross-check against "
            f"Optuna's FanovaImportanceEvaluator (main effects normalised to sum to 1). {diffs}."
        ),
        "marg_fig": rel(marg_fig),
        "marg_caption": (
            f"{task}: predicted {label} against each hyperparameter, averaged over the other "
            "three (the paper's Fig. 4); band: one standard deviation across trees. Dashed green, "
            "right axis: predicted training time per trial (seconds) from a forest on the "
            "trials' wall times."
        ),
        "inter_fig": rel(inter_fig),
        "inter_caption": (
            f"{task}: pairwise marginals of the {label} (top) and their interaction-only parts "
            f"(bottom; main effects removed, white = no interaction), scope {inter_scope} "
            "(the paper's Fig. 6); axes in the transformed units."
        ),
    }


def _paper_table(a: dict, tables: Path) -> dict | None:
    """Our numbers beside the paper's for a paper dataset."""
    comparison = against_paper.compare_numbers(a)
    if comparison is None:
        return None
    table = _table(
        ["quantity", "variant", "ours", "paper", "source"],
        comparison["rows"],
        tables / f"{a['task']}_paper_numbers.csv",
    )
    return {
        "table": table,
        "caption": (
            f"{a['task']} against the paper's {comparison['dataset']} "
            f"({comparison['metric']}; ours: {comparison['ours_metric']}). Source tags: "
            "P published text, F read off the paper's figures by eye (approximate)."
        ),
    }


def _findings_table(a: dict, tables: Path) -> tuple[dict, list[dict]]:
    """One row per finding of the paper with our verdict."""
    rows = against_paper.evaluate(a)
    table = _table(
        ["finding of the paper", "verdict", "evidence"],
        [[r["finding"] + f" [{r['tag']}]", r["verdict"], r["evidence"]] for r in rows],
        tables / f"{a['task']}_findings.csv",
    )
    return table, rows


# ---------------------------------------------------------------------------------------------
def _gradients_section(gradients_csv: Path | None, figs: Path, tables: Path, rel: Any) -> dict:
    """The vanishing-gradient section from the probe's CSV (odyssey.training.gradients)."""
    if gradients_csv is None or not Path(gradients_csv).exists():
        return {
            "present": False,
            "text": "The gradient probe was not run for this report (config key gradients).",
            "summary": None,
        }
    frame = pd.read_csv(gradients_csv)
    if frame.empty:
        return {"present": False, "text": "The gradient probe produced no rows.", "summary": None}
    fig = figures.gradients(frame, figs / "gradients")
    norms = frame[frame["kind"] == "norm"]
    success = frame[frame["kind"] == "success"]
    rows, summary = [], {}
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
    order = figures.order_variants(frame["variant"].unique())
    for variant in order:
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
    table = _table(
        [
            "variant",
            "lag",
            "norm ratio, init",
            "norm ratio, trained",
            "trials",
            "solved sequences",
            "successful trials",
        ],
        rows,
        tables / "gradients.csv",
    )
    meta = {}
    if "note" in frame.columns and frame["note"].notna().any():
        meta["note"] = str(frame["note"].dropna().iloc[0])
    text = (
        "Why LSTM exists: in a tanh RNN the error signal that reaches earlier steps shrinks (or "
        "grows) geometrically with the distance, so long lags cannot be learned (Hochreiter & "
        "Schmidhuber 1997; reference section 6.3). For each cell we measure the norm of the "
        "gradient of the loss at the last step with respect to the network's input at step T-k "
        "(the only place the recurrence can be probed through the layer's public interface: the "
        "input of step T-k reaches the loss only through the state at T-k), at initialisation and "
        "after a short training, and the success rate against the lag on the long-lag task. "
        + meta.get("note", "")
        + _vanishing_sentence(summary)
    )
    return {
        "present": True,
        "text": text,
        "fig": rel(fig),
        "caption": (
            "Left and centre: gradient norm reaching k steps back from the last step (median over "
            "trials of the mean over probe sequences), at initialisation and after training, for "
            "the longest lag (log scale). Right: share of test sequences solved after training "
            "(mean over trials), against the lag."
        ),
        "table": table,
        "table_caption": (
            "Gradient norm reaching the first step relative to the last step (k = T-1 over k = 0; "
            "far below 1: vanishing, above 1: growing), share of test sequences solved and share "
            "of trials that succeeded, per variant and lag."
        ),
        "summary": {f"{k[0]}@{k[1]}": v for k, v in summary.items()},
    }


def _vanishing_sentence(summary: dict[tuple[str, int], dict]) -> str:
    """Which cells lose the signal over the longest lag at initialisation, which keep it."""
    if not summary:
        return ""
    lag = max(k[1] for k in summary)
    ratios = {v: rec.get("init") for (v, g), rec in summary.items() if g == lag}
    ratios = {v: r for v, r in ratios.items() if r is not None and math.isfinite(r)}
    order = figures.order_variants(ratios)
    lost = [v for v in order if ratios[v] < 1e-3]
    kept = [v for v in order if ratios[v] >= 0.1]
    parts = [f" At initialisation over {lag} steps"]
    if lost:
        parts.append(
            ", the gradient reaching the first step is below 1/1000 of the last step's for "
            + ", ".join(lost)
        )
    if kept:
        parts.append(
            ("; it" if lost else ", the gradient") + f" stays above 1/10 for {', '.join(kept)}"
        )
    return "".join(parts) + "." if (lost or kept) else ""


def _cost_section(loaded: list[dict], figs: Path, tables: Path, rel: Any) -> dict:
    """Training time per trial and per variant, parameter counts, total compute."""
    cost_by_task = {d["analysis"]["task"]: d["cost"] for d in loaded}
    fig = figures.cost(cost_by_task, figs / "cost")
    rows = []
    total = 0.0
    for task, frame in cost_by_task.items():
        for _, r in frame.iterrows():
            total += float(r["total_wall_time_s"])
            rows.append(
                [
                    task,
                    r["variant"],
                    int(r["trials"]),
                    duration(r["mean_wall_time_s"]),
                    duration(r["total_wall_time_s"]),
                    num(r["mean_epochs"], 3),
                    duration(r["time_per_epoch_s"]),
                    num(r["mean_params"], 5),
                ]
            )
    table = _table(
        ["task", "variant", "trials", "per trial", "total", "epochs", "per epoch", "parameters"],
        rows,
        tables / "cost.csv",
    )
    n_trials = sum(d["analysis"]["n_trials"] for d in loaded)
    paper = PAPER_COMPUTE
    text = (
        f"The {n_trials} finished trials of this study took {duration(total)} of training time in "
        f"total (summed over workers; wall time of the trials only, without data preparation and "
        f"evaluation overhead). For scale, the paper reports {paper['runs'].text}, "
        f"{paper['hours_per_run'].text} and {paper['cpu_years'].text}."
    )
    return {
        "text": text,
        "fig": rel(fig),
        "caption": "Mean training time per trial and mean parameter count per variant and task.",
        "table": table,
        "table_caption": "Training cost per task and variant.",
        "total_s": total,
    }


def _variants_table(names: list[str], tables: Path) -> dict[str, Any] | None:
    """Description and parameter formula of every variant in the study (variants.describe)."""
    try:
        import variants as variants_module

        infos = {info.name: info for info in variants_module.describe()}
    except ImportError:  # pragma: no cover - the variants package is part of the project
        return None
    rows = [
        [name, infos[name].description, infos[name].param_formula]
        for name in names
        if name in infos
    ]
    if not rows:
        return None
    return _table(
        ["variant", "equations (difference from V)", "parameters per layer"],
        rows,
        tables / "variants.csv",
    )


def _provenance(cfg: dict, loaded: list[dict], tables: Path) -> dict:
    """Configuration, commits, versions, devices, seeds, trial counts, failed and pruned trials."""
    rows = []
    for d in loaded:
        a = d["analysis"]
        p = a["provenance"]
        seeds = p.get("seeds", {})
        rows.append(
            [
                a["task"],
                a["n_trials"],
                a["n_diverged"],
                a["n_pruned"],
                ", ".join(
                    c[:10] + ("-dirty" if c.endswith("-dirty") else "")
                    for c in p.get("git_commit", [])
                )
                or "–",
                ", ".join(p.get("torch_version", [])) or "–",
                ", ".join(p.get("device", [])) or "–",
                f"{seeds.get('count', '–')} distinct",
                ", ".join(f"{k} {v}" for k, v in sorted(p.get("stop_reasons", {}).items())),
            ]
        )
    table = _table(
        [
            "task",
            "finished",
            "diverged",
            "pruned",
            "commit",
            "torch",
            "device",
            "seeds",
            "stop reasons",
        ],
        rows,
        tables / "provenance.csv",
    )
    packages = []
    for name in PACKAGES:
        try:
            packages.append([name, importlib.metadata.version(name)])
        except importlib.metadata.PackageNotFoundError:
            packages.append([name, "not installed"])
    package_table = _table(["package", "version"], packages, tables / "packages.csv")
    return {
        "text": (
            "Every trial record carries its commit, torch version, device and seed (columns of the "
            "trials table); diverged trials stay in every statistic, pruned trials are counted but "
            "not analysed. Every trial's seed is derived from the root seed, the task, the variant "
            "and the trial number (the seeds are listed in the trials table). Root seed of the "
            "study: "
            f"{cfg.get('seed', '–')}; storage: {cfg.get('storage') or 'journal file'}; "
            f"tracking: {cfg.get('tracking_uri') or 'SQLite MLflow store'}."
        ),
        "table": table,
        "packages": package_table,
        "config": yaml.safe_dump(cfg, sort_keys=False, default_flow_style=None, width=100),
    }


# ---------------------------------------------------------------------------------------------
def _abstract(
    cfg: dict, loaded: list[dict], findings: list[dict], gradients: dict, quick: bool
) -> str:
    """An abstract-like summary generated from the numbers; no finding where the data has none."""
    analyses = [d["analysis"] for d in loaded]
    variants = figures.order_variants(v for a in analyses for v in a["variants"])
    counts = [n for a in analyses for n in a["trials_per_variant"].values()]
    low, high = (min(counts), max(counts)) if counts else (0, 0)
    parts = [
        f"We compare {len(variants)} recurrent cells ({', '.join(variants)}) on "
        f"{len(analyses)} task(s) ({', '.join(a['task'] for a in analyses)}) with "
        f"{low if low == high else f'{low}-{high}'} random-search trial(s) per cell and task, "
        "following the protocol of Greff et al. (2017)."
    ]
    if quick:
        parts.append(
            "This is a quick study: budgets and trial counts are far below the paper's, so the "
            "numbers below check the pipeline and are not findings about the cells."
        )
    for a in analyses:
        best = against_paper._overall_best(a)
        best_text = (
            f"the best trial by validation is {best[0]} with test {a['metric_name']} {num(best[1])}"
            if best
            else "no trial has a finite validation metric"
        )
        if a["reliable"]["welch_all"]:
            sig = a["significant_all"]
            if sig:
                desc = ", ".join(f"{s['variant']} ({s['verdict']})" for s in sig)
                sig_text = f"significantly different from V over all trials: {desc}"
            else:
                sig_text = "no cell differs significantly from V over all trials"
            parts.append(f"On {a['task']}, {best_text}; {sig_text}.")
        else:
            parts.append(
                f"On {a['task']}, {best_text}; the trial counts do not support significance tests."
            )
        res = a["fanova"].get("pooled", {})
        if a["reliable"].get("fanova") and res.get("status") == "ok":
            first = res["ranking"][0]
            parts.append(
                f"The {HP_LABELS.get(first, first)} explains {pct(res['main'][first])} of the "
                f"variance of the test metric on {a['task']} (fANOVA, all cells pooled), the "
                f"interactions together {pct(res['interactions_total'])}."
            )
    tested = [f for f in findings if f["verdict"] != against_paper.NOT_TESTABLE]
    agree = sum(f["verdict"] == against_paper.AGREE for f in tested)
    parts.append(
        f"Of {len(findings)} checks of the paper's findings (per task), {agree} agree, "
        f"{len(tested) - agree} disagree and {len(findings) - len(tested)} cannot be tested with "
        "this data."
    )
    summary = gradients.get("summary") or {}
    longest = {}
    for key, rec in summary.items():
        variant, lag = key.rsplit("@", 1)
        if int(lag) >= longest.get(variant, (-1, None))[0]:
            longest[variant] = (int(lag), rec)
    if "RNN" in longest and "V" in longest:
        lag = longest["RNN"][0]
        r_rnn, r_v = longest["RNN"][1].get("init"), longest["V"][1].get("init")
        if r_rnn is not None and r_v is not None:
            parts.append(
                f"At initialisation the gradient reaching the first of {lag} steps is "
                f"{num(r_rnn, 2)} times the last step's for the tanh RNN and {num(r_v, 2)} times "
                "for the vanilla LSTM."
            )
    return " ".join(parts)


def build_report(
    cfg: dict,
    analysis_dirs: list[Path | str],
    gradients_csv: Path | str | None,
    out_pdf: Path | str,
) -> Path:
    """Render the report PDF from analysis folders and the gradient CSV; return the PDF path.

    Figures (SVG and PDF), tables (CSV), ``report.json`` and ``report.typ`` go beside the PDF.
    """
    import typst

    out_pdf = Path(out_pdf)
    root = out_pdf.parent
    root.mkdir(parents=True, exist_ok=True)
    figs, tables = root / "figures", root / "tables"

    def rel(path: Path) -> str:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()

    loaded = [_load(Path(d)) for d in analysis_dirs]
    if not loaded:
        raise ValueError("build_report needs at least one analysis folder")
    quick = bool(cfg.get("quick", False)) or any(d["analysis"]["quick"] for d in loaded)
    all_findings: list[dict] = []
    task_blocks = []
    for d in loaded:
        a = d["analysis"]
        task = a["task"]
        # Significance is drawn only where the tests are meaningful (no noise as findings).
        sig_all = (
            {s["variant"] for s in a["significant_all"]} if a["reliable"]["welch_all"] else set()
        )
        sig_top = (
            {s["variant"] for s in a["significant_top10"]} if a["reliable"]["welch_top"] else set()
        )
        not_drawn = [
            label
            for label, key in (("all trials", "welch_all"), ("best 10 %", "welch_top"))
            if not a["reliable"][key]
        ]
        box_fig = figures.variant_boxes(
            d["trials"], sig_all, sig_top, _metric_label(a), figs / f"{task}_boxes"
        )
        table_all, table_top = _variant_tables(a, tables)
        findings_table, findings = _findings_table(a, tables)
        all_findings += findings
        m_all, m_top = a.get("bonferroni_m_all", 0), a.get("bonferroni_m_top10", 0)
        reliability = (
            ""
            if a["reliable"]["welch_all"]
            else " These tests are not meaningful with this data (see the caveats); verdicts in "
            "parentheses."
        )
        task_blocks.append(
            {
                "name": task,
                "label": _task_label(task),
                "caveats": a["caveats"],
                "box_fig": rel(box_fig),
                "box_caption": (
                    f"{task}: {_metric_label(a)} of all trials (top) and of the best 10 % of "
                    "trials by validation (bottom) per variant, in the paper's order (its Fig. 3). "
                    "Box: 25th-75th percentile; whiskers: full range; red line: median; red "
                    "square: mean; dots: trials. Thick blue box and dashed whiskers (and * on the "
                    "axis): significantly different from V (Welch's t-test, alpha 0.05, "
                    f"Bonferroni over {m_all} resp. {m_top} comparisons). Grey bars, right axis: "
                    "mean parameter count."
                    + (
                        f" Significance is not drawn for {' and '.join(not_drawn)}: too few "
                        "trials for the tests to be meaningful."
                        if not_drawn
                        else ""
                    )
                ),
                "table_all": table_all,
                "table_all_caption": (
                    f"{task}, all {a['n_trials']} finished trials: test metric per variant "
                    f"({a['metric_name']}, {a['direction']}). best: test value of the trial best "
                    "by validation. Δ: mean minus V's mean; p: Welch's t-test against V; p·m: "
                    f"Bonferroni-adjusted (m = {m_all}); g: Hedges' g (average-variance "
                    f"denominator).{reliability}"
                ),
                "table_top": table_top,
                "table_top_caption": (
                    f"{task}, best 10 % of trials per variant by validation: test metric, mean "
                    f"parameter count and Welch's t-test against V (m = {m_top})."
                    + (
                        ""
                        if a["reliable"]["welch_top"]
                        else " Too few trials per variant for the tests to be meaningful; "
                        "verdicts in parentheses."
                    )
                ),
                "extra": _extra_table(a, tables),
                "extra_caption": (
                    f"{task}: mean of the task's other test metrics per variant, over all trials "
                    "and over the best 10 % by validation (taken at each trial's best validation "
                    "epoch)."
                ),
                "fanova": _fanova_section(d, figs, tables, rel),
                "paper": _paper_table(a, tables),
                "findings": findings_table,
                "findings_caption": (
                    f"{task}: the paper's findings and whether this run agrees. Verdicts are "
                    "'not testable' where the data cannot support the statistic, where a variant "
                    "is missing or where the finding is about one of the paper's datasets."
                ),
            }
        )

    gradients = _gradients_section(
        Path(gradients_csv) if gradients_csv else None, figs, tables, rel
    )
    cost = _cost_section(loaded, figs, tables, rel)
    provenance = _provenance(cfg, loaded, tables)
    global_caveats = []
    if quick:
        global_caveats.append(
            "This report describes a quick study. Statistics marked as not meaningful are shown "
            "to check the pipeline, not as findings."
        )
    variants = figures.order_variants(v for d in loaded for v in d["analysis"]["variants"])
    setup_rows = [
        ["study", str(cfg.get("study", "–"))],
        ["quick study", "yes" if quick else "no"],
        ["tasks", ", ".join(d["analysis"]["task"] for d in loaded)],
        ["variants", ", ".join(variants)],
        [
            "finished trials",
            ", ".join(f"{d['analysis']['task']}: {d['analysis']['n_trials']}" for d in loaded),
        ],
        ["sampler", str(cfg.get("sweep", {}).get("sampler", "random"))],
        ["root seed", str(cfg.get("seed", "–"))],
    ]
    narrowed = []
    for d in loaded:
        task = d["analysis"]["task"]
        differences = _space_differences(_search_space(cfg, task))
        setup_rows.append([f"search space ({task})", "; ".join(differences) or "the paper's"])
        if differences:
            narrowed.append(f"{task}: " + "; ".join(differences))
    for task, tcfg in (cfg.get("tasks") or {}).items():
        budget = tcfg.get("budget", {}) if isinstance(tcfg, dict) else {}
        setup_rows.append(
            [
                f"budget ({task})",
                ", ".join(f"{k} {v}" for k, v in budget.items()) or "defaults",
            ]
        )
    setup_table = _table(["setting", "value"], setup_rows, tables / "setup.csv")
    title_study = str(cfg.get("study", "study"))
    doc = {
        "title": "LSTM Odyssey",
        "short_title": "LSTM Odyssey: variants of the LSTM, after Greff et al. (2017)",
        "subtitle": "Reproducing LSTM: A Search Space Odyssey (Greff et al., TNNLS 2017)",
        "byline": f"Study “{title_study}”" + (" (quick study)" if quick else ""),
        "study_label": f"study “{title_study}”" + (" · quick study" if quick else ""),
        "abstract": _abstract(cfg, loaded, all_findings, gradients, quick),
        "global_caveats": global_caveats,
        "setup": {
            "text": (
                "Each variant of the LSTM block (V, the eight single modifications of the paper "
                "and, beyond the paper, the GRU and a tanh RNN) is trained on each task with "
                "hyperparameters drawn at random from the task's configured search space. The "
                "paper's is: hidden size log-uniform in [20, 200], learning rate log-uniform in "
                "[1e-6, 1e-2], momentum = 1 minus log-uniform in [0.01, 1], input-noise std "
                "uniform in [0, 1]. "
                + (
                    "This study differs from it: " + "; ".join(narrowed) + ". "
                    if narrowed
                    else "This study uses it for every task. "
                )
                + "Every trial stops early on the validation metric; its test metric is taken at "
                "the best validation epoch. Diverged trials are kept, as in the paper."
            ),
            "table": setup_table,
            "variants": _variants_table(variants, tables),
        },
        "variants_intro": (
            "As in the paper's Fig. 3, the test metric of every variant is shown for all trials "
            "and for the best 10 % by validation; every variant is compared with the vanilla LSTM "
            "(V) by Welch's t-test with a Bonferroni correction over the comparisons made."
        ),
        "fanova_intro": (
            "A random forest of 100 regression trees predicts the test metric from log10 "
            "learning rate, log10(1 - momentum), log10 hidden size and input noise (scikit-"
            "learn, as the authors' code). Its functional ANOVA (Hutter et al. 2014) is "
            "computed exactly for each tree over the search box (the configured search space "
            "when the analysis was given it, else the observed range of the trials), from the "
            "leaves' boxes: the main effects and pairwise terms are constant on the cells cut "
            "by the tree's split points, so their variances are exact weighted sums; the rest "
            "of the variance is higher order. Shares are averaged over trees. Two scopes: all "
            "variants pooled, and V alone (the paper's Fig. 4 is V; the scope of its Fig. 5 is "
            "not stated). Optuna's own fANOVA evaluator (100 trees) is run on the same data as "
            "a cross-check of the main effects."
        ),
        "paper_intro": (
            "For tasks that are datasets of the paper, our numbers stand beside the published ones "
            "(reference/greff2017.md). For every task, each finding of the paper gets a verdict: "
            "agree, disagree, or not testable with this data."
        ),
        "tasks": task_blocks,
        "gradients": gradients,
        "cost": cost,
        "provenance": provenance,
    }
    (root / "report.json").write_text(
        json.dumps(doc, indent=1, ensure_ascii=False, default=str), encoding="utf-8"
    )
    shutil.copyfile(TEMPLATE, root / "report.typ")
    typst.compile(
        str(root / "report.typ"),
        output=str(out_pdf),
        root=str(root),
        ignore_system_fonts=True,
    )
    return out_pdf
