"""The PDF report: figures, tables and a JSON of every number, compiled with typst.

Pipeline-facing: :func:`build_report` (docs/contracts.md). It reads only the analysis folders
written by :func:`odyssey.analysis.analyse.analyse_task` and the gradient-probe CSV, so it
regenerates in seconds. Beside the PDF (``results/report/`` in the pipeline) it writes
``figures/*.svg``, ``tables/*.csv``, ``report.json`` and the template copy ``report.typ``; typst
compiles them with the bundled fonts only and with the document date unset, so the same inputs
give the same bytes.

Structure after Greff et al. 2017 (after the set-up, a section per question of the config, if any,
and their answers at the end): the variant comparison (Fig. 3, Sec. V-A), the hyperparameter
importance (Figs. 4-6, Sec. V-B), our numbers beside the published ones with one verdict per
finding of the paper (Sec. VI), the vanishing-gradient probe, cost and provenance; one module of
:mod:`odyssey.render.sections` per part, the sentences from ``report/prose.yaml``, the layout from
``report/odyssey.typ``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from odyssey.analysis.stats import REFERENCE
from odyssey.render.formatting import Output
from odyssey.render.prose import text
from odyssey.render.sections.abstract import abstract
from odyssey.render.sections.cost import cost_section
from odyssey.render.sections.gradients import gradients_section
from odyssey.render.sections.provenance import provenance_section
from odyssey.render.sections.questions import questions_section
from odyssey.render.sections.rankings import rankings_section
from odyssey.render.sections.setup import setup_section
from odyssey.render.sections.task import task_block
from odyssey.resources import resource

TEMPLATE = resource("report/odyssey.typ")
"""The typst template (see :mod:`odyssey.resources`)."""


def load_analysis(directory: Path) -> dict[str, Any]:
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
    out = Output(out_pdf.parent)
    out.root.mkdir(parents=True, exist_ok=True)
    loaded = [load_analysis(Path(d)) for d in analysis_dirs]
    if not loaded:
        raise ValueError("build_report needs at least one analysis folder")
    doc = assemble(cfg, loaded, Path(gradients_csv) if gradients_csv else None, out)
    (out.root / "report.json").write_text(
        json.dumps(doc, indent=1, ensure_ascii=False, default=str), encoding="utf-8"
    )
    shutil.copyfile(TEMPLATE, out.root / "report.typ")
    typst.compile(
        str(out.root / "report.typ"),
        output=str(out_pdf),
        root=str(out.root),
        ignore_system_fonts=True,
    )
    return out_pdf


def reference_phrase(cfg: dict) -> str:
    """How the text names the config's reference model (the vanilla LSTM, V, by default)."""
    reference = str(cfg.get("reference") or REFERENCE)
    if reference == REFERENCE:
        return text("document.reference_v")
    return text("document.reference_other", model=reference)


def assemble(
    cfg: dict, loaded: list[dict], gradients_csv: Path | None, out: Output
) -> dict[str, Any]:
    """The document the template lays out (``report.json``), section by section."""
    quick = bool(cfg.get("quick", False)) or any(d["analysis"]["quick"] for d in loaded)
    blocks, findings = [], []
    for d in loaded:
        block, verdicts = task_block(d, out)
        blocks.append(block)
        findings += verdicts
    gradients = gradients_section(gradients_csv, out)
    cost = cost_section(loaded, out)
    provenance = provenance_section(cfg, loaded, out)
    global_caveats = [text("document.quick_caveat")] if quick else []
    setup = setup_section(cfg, loaded, quick, out)
    study = str(cfg.get("study", "study"))
    doc = {
        "title": text("document.title"),
        "short_title": text("document.short_title"),
        "subtitle": text("document.subtitle"),
        "byline": text("document.byline", study=study)
        + (text("document.byline_quick") if quick else ""),
        "study_label": text("document.study_label", study=study)
        + (text("document.study_label_quick") if quick else ""),
        "abstract": abstract(loaded, findings, gradients, quick),
        "global_caveats": global_caveats,
        "setup": setup,
        "variants_intro": text("document.variants_intro", reference=reference_phrase(cfg)),
        "fanova_intro": text("document.fanova_intro"),
        "paper_intro": text("document.paper_intro"),
        "tasks": blocks,
        "rankings": rankings_section(loaded, out),
        "gradients": gradients,
        "cost": cost,
        "provenance": provenance,
    }
    if cfg.get("questions"):  # absent otherwise: a study without questions renders as before
        doc["questions"] = questions_section(cfg, loaded, out)
        doc["answers_intro"] = text("questions.answers_intro")
    return doc
