"""Tests of odyssey.render.sections.gradients: the section from a probe table with two tasks and
two initialisations, in the PDF and beside it, and from a table written before either existed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pypdf
import pytest
from fixtures_trials import make_gradient_rows, make_trials

from odyssey.analysis.analyse import analyse_task
from odyssey.render.formatting import Output
from odyssey.render.report import build_report
from odyssey.render.sections.gradients import gradients_section

TASKS = ("adding", "temporal_order")
INITS = ("paper", "forget_bias")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report whose probe table has two tasks and two inits; the PDF's path."""
    root = tmp_path_factory.mktemp("probe")
    frame = make_gradient_rows(
        ("RNN", "V", "CIFG", "NFG"), (10, 30, 100), tasks=TASKS, inits=INITS, trials=3
    )
    frame.to_csv(root / "gradients.csv", index=False)
    make_trials(n=3, variants=("V", "NFG")).to_csv(root / "adding.csv", index=False)
    analyse_task(root / "adding.csv", root / "analysis", quick=True)
    return build_report(
        {"study": "probe"}, [root / "analysis"], root / "gradients.csv", root / "r" / "report.pdf"
    )


def test_section_with_two_tasks_and_two_inits(report: Path) -> None:
    out = report.parent
    section = json.loads((out / "report.json").read_text(encoding="utf-8"))["gradients"]
    assert section["present"]
    for name in ("gradients", "gradients_share"):
        assert (out / "figures" / f"{name}.svg").is_file(), name
    stop = pd.read_csv(out / "tables" / "gradients_stop.csv").set_index(["task", "variant"])
    assert len(stop) == len(TASKS) * 4
    assert list(stop.columns[:2]) == ["stops, paper", "stops, forget_bias"]  # the probe's order
    # V: the paper's init learns lag 10 only, the bias every lag; NFG is unchanged by the bias
    assert stop.loc[("adding", "V"), "stops, paper"] == "between 10 and 30"
    assert stop.loc[("adding", "V"), "stops, forget_bias"] == "beyond 100"
    assert stop.loc[("adding", "RNN"), "stops, paper"] == "below 10"
    assert stop.loc[("adding", "NFG"), "Fisher p"] == "no forget gate"
    assert stop.loc[("temporal_order", "V"), "solved, paper"] == "3/9"
    solved = pd.read_csv(out / "tables" / "gradients.csv")
    assert len(solved) == len(TASKS) * len(INITS) * 4
    assert {"lag 10", "lag 30", "lag 100"} <= set(solved.columns)
    shares = pd.read_csv(out / "tables" / "gradients_share.csv")
    assert {"low", "high"} <= set(shares.columns)
    assert len(shares) == len(TASKS) * len(INITS) * 4 * 3
    assert "forget-gate bias changes the success rate significantly" in section["text"]
    cells = ("RNN", "V", "CIFG", "NFG")
    assert set(section["summary"]) == {f"{v}@{g}" for v in cells for g in (10, 30, 100)}


def test_the_pdf_has_the_stop_lags_and_the_tests(report: Path) -> None:
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(report).pages))
    assert "between 10 and 30" in text and "beyond 100" in text
    assert "Wilson" in text and "Fisher" in text and "no forget gate" in text


def test_a_table_of_the_first_probe_still_renders(tmp_path: Path) -> None:
    old = make_gradient_rows(("RNN", "V", "NFG"), (10, 20))
    old.to_csv(tmp_path / "g.csv", index=False)
    section = gradients_section(tmp_path / "g.csv", Output(tmp_path))
    stop = pd.read_csv(tmp_path / "tables" / "gradients_stop.csv")
    assert list(stop.columns) == ["task", "variant", "stops, paper"]
    assert set(stop["task"]) == {"adding"}
    assert "Fisher" not in section["text"]
