"""Tests of odyssey.render.report.build_report: the PDF, its text, its files and its caveats."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pypdf
import pytest
from fixtures_trials import VARIANTS, make_gradient_rows, make_trials

from odyssey.analysis.analyse import analyse_task
from odyssey.render.formatting import num, pval
from odyssey.render.report import build_report

SECTIONS = (
    "Abstract",
    "Study",
    "Variant comparison",
    "Hyperparameter importance",
    "Against the paper",
    "Vanishing and exploding gradients",
    "Cost",
    "Provenance",
)
CFG = {
    "study": "fixture",
    "quick": False,
    "seed": 7,
    "tasks": {
        "adding": {"n_trials": 40, "budget": {"batch_size": 16, "time_limit_s": 60}},
        # a narrowed search space: the report must state it, not the paper's
        "jsb_chorales": {
            "search_space": {
                "hidden_size": {"low": 20, "high": 64, "log": True},
                "learning_rate": {"low": 1e-4, "high": 1e-2, "log": True},
            }
        },
    },
}


def _text(pdf: Path) -> str:
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    return re.sub(r"\s+", " ", text)


def _analyse(root: Path, frame: pd.DataFrame, name: str, quick: bool = False) -> Path:
    frame.to_csv(root / f"{name}.csv", index=False)
    analyse_task(root / f"{name}.csv", root / "analysis" / name, quick=quick)
    return root / "analysis" / name


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], Path]:
    root = tmp_path_factory.mktemp("report")
    dirs = [
        _analyse(root, make_trials(), "adding"),
        _analyse(
            root,
            make_trials(n=30, variants=("V", "CIFG", "NFG"), task="jsb_chorales", seed=2),
            "jsb_chorales",
        ),
    ]
    make_gradient_rows().to_csv(root / "gradients.csv", index=False)
    pdf = build_report(CFG, dirs, root / "gradients.csv", root / "out" / "report.pdf")
    return pdf, dirs, root


def test_pdf_has_every_section_variant_and_value(report: tuple[Path, list[Path], Path]) -> None:
    pdf, dirs, _ = report
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    text = _text(pdf)
    lowered = text.lower()
    for section in SECTIONS:
        assert section.lower() in lowered, section
    for variant in VARIANTS:
        assert re.search(rf"\b{variant}\b", text), variant
    table = pd.read_csv(dirs[0] / "variants_all.csv").set_index("variant")
    for variant in ("V", "NFG", "RNN"):
        assert num(table.loc[variant, "mean"]) in text
    assert pval(table.loc["NFG", "p"]) in text
    assert "JSB Chorales" in text and "8.55" in text  # the paper's numbers beside ours
    assert "agree" in text and "not testable" in text
    assert "fixture" in text and "Figure 1" in text and "Table 1" in text
    assert "accuracy (all)" in text  # the task's extra test metric


def test_pdf_states_the_configured_search_space(report: tuple[Path, list[Path], Path]) -> None:
    pdf, _, _ = report
    text = _text(pdf)
    assert "log-uniform in [20, 64]" in text and "log-uniform in [1e-4, 1e-2]" in text
    assert "(paper: log-uniform in [20, 200])" in text
    assert "the paper's" in text  # adding keeps the paper's space
    setup = pd.read_csv(pdf.parent / "tables" / "setup.csv").set_index("setting")["value"]
    assert setup["search space (adding)"] == "the paper's"
    assert "[20, 64]" in setup["search space (jsb_chorales)"]


def test_pdf_lists_every_departure_from_the_papers_protocol(
    report: tuple[Path, list[Path], Path],
) -> None:
    pdf, _, _ = report
    text = _text(pdf)
    assert "departs from the paper's protocol" in text
    assert "batch size 16 (paper: 1)" in text
    assert "time limit per trial (s) 60 (paper: none)" in text
    setup = pd.read_csv(pdf.parent / "tables" / "setup.csv").set_index("setting")["value"]
    assert setup["training setup (jsb_chorales)"] == "the paper's"
    assert "batch size 16 (paper: 1)" in setup["training setup (adding)"]


def test_pdf_states_the_data_notes(report: tuple[Path, list[Path], Path]) -> None:
    """JSB: which steps are scored and that the data file's checksum is verified."""
    text = _text(report[0])
    assert "the first frame is never predicted" in text
    assert "SHA-256" in text and "13578/4526/4648 scored steps" in text


def test_two_tasks_get_rankings_across_tasks(report: tuple[Path, list[Path], Path]) -> None:
    """adding and jsb_chorales share V, CIFG and NFG: Friedman over 3 cells, 2 tasks."""
    pdf, _, _ = report
    text = _text(pdf)
    assert "Rankings across tasks" in text and "Friedman" in text
    ranks = pd.read_csv(pdf.parent / "tables" / "ranks.csv")
    assert list(ranks["variant"])[-1] == "NFG"  # planted worse on both tasks: last rank
    assert ranks["average rank"].iloc[-1] == 3.0
    bayes = pd.read_csv(pdf.parent / "tables" / "bayes_vs_v.csv").set_index("variant")
    assert set(bayes.index) == {"CIFG", "NFG"}
    assert (pdf.parent / "figures" / "cd_diagram.svg").is_file()


def test_files_beside_the_pdf(report: tuple[Path, list[Path], Path]) -> None:
    pdf, _, _ = report
    out = pdf.parent
    for name in ("adding_boxes", "adding_fanova_shares", "adding_marginals", "gradients", "cost"):
        assert (out / "figures" / f"{name}.svg").is_file(), name
    for name in ("adding_variants_all", "jsb_chorales_paper_numbers", "adding_findings", "cost"):
        assert (out / "tables" / f"{name}.csv").is_file(), name
    assert (out / "report.json").is_file() and (out / "report.typ").is_file()


def test_same_inputs_same_bytes(tmp_path: Path) -> None:
    # A small study that still has every kind of figure (fANOVA shown with its caveat).
    directory = _analyse(tmp_path, make_trials(n=12, variants=("V", "NFG")), "adding")
    make_gradient_rows(("RNN", "V"), (10,)).to_csv(tmp_path / "g.csv", index=False)
    pdfs = [
        build_report(CFG, [directory], tmp_path / "g.csv", tmp_path / name / "report.pdf")
        for name in ("a", "b")
    ]
    assert pdfs[0].read_bytes() == pdfs[1].read_bytes()
    for svg in (tmp_path / "a" / "figures").glob("*.svg"):
        assert svg.read_bytes() == (tmp_path / "b" / "figures" / svg.name).read_bytes(), svg.name


@pytest.mark.parametrize(
    ("frame", "caveat"),
    [
        (make_trials(n=1, variants=("V", "CIFG", "NFG")), "single trial"),
        (make_trials(n=3, variants=("V", "NFG"), all_diverged=True), "Every trial diverged"),
    ],
    ids=["single-trial", "all-diverged"],
)
def test_degenerate_tables_render_with_caveats(
    tmp_path: Path, frame: pd.DataFrame, caveat: str
) -> None:
    directory = _analyse(tmp_path, frame, "adding")
    pdf = build_report({"study": "edge"}, [directory], None, tmp_path / "r" / "report.pdf")
    text = _text(pdf)
    assert caveat in text
    assert "not run" in text  # no gradient probe
    assert "too few trials" in text or "not meaningful" in text
    for variant in frame["variant"].unique():
        assert re.search(rf"\b{variant}\b", text)
