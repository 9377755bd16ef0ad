"""Tests of odyssey.analysis.against_paper: verdicts per finding and the numbers beside the
paper's."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_trials import make_trials

from odyssey.analysis import against_paper
from odyssey.analysis.analyse import analyse_task
from odyssey.analysis.paper_numbers import FINDINGS


@pytest.fixture(scope="module")
def jsb(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("jsb")
    variants = ("V", "CIFG", "FGR", "NP", "NFG")
    make_trials(task="jsb_chorales", variants=variants).to_csv(root / "t.csv", index=False)
    return analyse_task(root / "t.csv", root / "out", quick=False)


def test_one_verdict_per_finding(jsb: dict) -> None:
    rows = against_paper.evaluate(jsb)
    assert [r["key"] for r in rows] == [f.key for f in FINDINGS]
    verdicts = {r["key"]: r["verdict"] for r in rows}
    assert verdicts["none_better"] == "agree"
    assert verdicts["nfg_worse"] == "agree"
    assert verdicts["cifg_same"] == "agree"
    assert verdicts["np_same"] == "agree"
    assert verdicts["noaf_worse"] == "not testable"  # NOAF not in this study
    assert verdicts["fgr_jsb"] == "not testable"  # best 10 % holds 4 trials
    assert verdicts["lr_first"] in ("agree", "disagree")
    assert all(r["verdict"] in ("agree", "disagree", "not testable") for r in rows)


def test_quick_study_is_never_a_verdict(tmp_path: Path) -> None:
    make_trials(n=40, variants=("V", "NFG")).to_csv(tmp_path / "t.csv", index=False)
    result = analyse_task(tmp_path / "t.csv", tmp_path / "out", quick=True)
    assert {r["verdict"] for r in against_paper.evaluate(result)} == {"not testable"}


def test_numbers_beside_the_paper(jsb: dict) -> None:
    comparison = against_paper.compare_numbers(jsb)
    assert comparison is not None and comparison["dataset"] == "JSB Chorales"
    quantities = {(r[0], r[1]): r for r in comparison["rows"]}
    assert quantities[("mean of best 10 %", "V")][3] == "8.55"
    assert quantities[("significant vs V (all)", "")][2] == "NFG"
    assert quantities[("significant vs V (all)", "")][3] == "NFG, NOAF"
    best = comparison["rows"][0]
    assert "CIFG" in best[1] and "NIAF" in best[1]


def test_no_comparison_for_synthetic_tasks(tmp_path: Path) -> None:
    make_trials(n=3, variants=("V", "NFG")).to_csv(tmp_path / "t.csv", index=False)
    result = analyse_task(tmp_path / "t.csv", tmp_path / "out", quick=False)
    assert against_paper.compare_numbers(result) is None
