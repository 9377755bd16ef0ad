"""Tests of odyssey.analysis.analyse.analyse_task on trials tables generated here
(docs/contracts.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from fixtures_trials import make_trials

from odyssey.analysis.analyse import analyse_task


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    root = tmp_path_factory.mktemp("analysis")
    make_trials().to_csv(root / "adding.csv", index=False)
    result = analyse_task(root / "adding.csv", root / "out", quick=False)
    return result, root / "out"


def test_files_and_json(analysed: tuple[dict, Path]) -> None:
    result, out = analysed
    for name in (
        "analysis.json",
        "trials_used.csv",
        "variants_all.csv",
        "variants_top10.csv",
        "fanova_shares.csv",
        "fanova_marginals.csv",
        "fanova_surfaces.json",
        "cost.csv",
    ):
        assert (out / name).is_file(), name
    assert json.loads((out / "analysis.json").read_text()) == result
    assert result["variants"] == ["V", "CIFG", "FGR", "NP", "NFG", "GRU", "RNN"]
    assert result["n_trials"] == 280 and result["n_pruned"] == 1
    assert result["n_diverged"] == 2 * 7


def test_planted_effects_are_found(analysed: tuple[dict, Path]) -> None:
    result, out = analysed
    assert result["significant_all"] == [{"variant": "NFG", "verdict": "worse"}]
    assert result["reliable"] == {"welch_all": True, "welch_top": False, "fanova": True}
    pooled = result["fanova"]["pooled"]
    assert pooled["status"] == "ok" and pooled["ranking"][0] == "learning_rate"
    assert pooled["top_pair"] == "learning_rate|input_noise"
    assert pooled["optuna_same_top"]
    table = pd.read_csv(out / "variants_all.csv").set_index("variant")
    assert table["best_test"].idxmin() == "CIFG"
    assert table.loc["V", "verdict"] == "reference"
    top = pd.read_csv(out / "trials_used.csv")
    assert top.groupby("variant")["top10"].sum().eq(4).all()
    extra = {(r["variant"], r["metric"]): r for r in result["extra_summary"]}
    v = top[top["variant"] == "V"]
    assert extra[("V", "accuracy")]["mean_all"] == pytest.approx(v["test_accuracy"].mean())


def test_caveats_for_few_trials(analysed: tuple[dict, Path]) -> None:
    result, _ = analysed
    assert any("best 10 %" in c for c in result["caveats"])


def test_single_trial_per_variant(tmp_path: Path) -> None:
    make_trials(n=1).to_csv(tmp_path / "t.csv", index=False)
    result = analyse_task(tmp_path / "t.csv", tmp_path / "out", quick=False)
    assert not any(result["reliable"].values())
    assert any("single trial" in c for c in result["caveats"])
    assert result["fanova"]["pooled"]["status"] == "omitted"
    assert result["significant_all"] == []


def test_all_diverged(tmp_path: Path) -> None:
    make_trials(n=12, all_diverged=True).to_csv(tmp_path / "t.csv", index=False)
    result = analyse_task(tmp_path / "t.csv", tmp_path / "out", quick=False)
    assert result["n_diverged"] == result["n_trials"]
    assert any("Every trial diverged" in c for c in result["caveats"])
    assert not result["reliable"]["welch_all"]


def test_quick_study_makes_nothing_a_finding(tmp_path: Path) -> None:
    make_trials(n=40, variants=("V", "NFG")).to_csv(tmp_path / "t.csv", index=False)
    result = analyse_task(tmp_path / "t.csv", tmp_path / "out", quick=True)
    assert result["quick"] and not any(result["reliable"].values())
    assert any(c.startswith("Quick study") for c in result["caveats"])


def test_search_space_fixes_the_fanova_box(tmp_path: Path) -> None:
    make_trials(n=10, variants=("V",)).to_csv(tmp_path / "t.csv", index=False)
    space = {"learning_rate": {"low": 1e-7, "high": 1e-1, "log": True}}
    result = analyse_task(tmp_path / "t.csv", tmp_path / "out", quick=False, search_space=space)
    pooled = result["fanova"]["pooled"]
    assert pooled["box"] == "configured search space"
    assert pooled["bounds"]["learning_rate"] == pytest.approx([-7.0, -1.0])


def test_missing_columns_are_reported(tmp_path: Path) -> None:
    make_trials(n=2).drop(columns=["test_metric"]).to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(ValueError, match="test_metric"):
        analyse_task(tmp_path / "t.csv", tmp_path / "out", quick=False)


def test_the_configured_reference_gets_its_own_fanova_scope(tmp_path: Path) -> None:
    """A models study (the seed study: LSTM, GRU, ...) gets the fANOVA of its reference model
    beside the pooled one, as the paper's studies get V's; its curves and surfaces go with it,
    and the report's importance figures draw it."""
    from odyssey.render.formatting import Output
    from odyssey.render.report import load_analysis
    from odyssey.render.sections.importance import importance_section

    trials = make_trials(n=40, variants=("V", "GRU"))
    trials["variant"] = trials["variant"].replace({"V": "LSTM"})
    trials.to_csv(tmp_path / "t.csv", index=False)
    result = analyse_task(tmp_path / "t.csv", tmp_path / "out", quick=False, reference="LSTM")
    assert set(result["fanova"]) == {"pooled", "LSTM"}
    own = result["fanova"]["LSTM"]
    assert own["status"] == "ok" and own["n"] == 40 and result["fanova"]["pooled"]["n"] == 80
    shares = pd.read_csv(tmp_path / "out" / "fanova_shares.csv")
    curves = pd.read_csv(tmp_path / "out" / "fanova_marginals.csv")
    surfaces = json.loads((tmp_path / "out" / "fanova_surfaces.json").read_text())
    assert set(shares["scope"]) == set(curves["scope"]) == set(surfaces) == {"pooled", "LSTM"}
    section = importance_section(load_analysis(tmp_path / "out"), Output(tmp_path / "report"))
    assert section["shown"]
    marginals = (tmp_path / "report" / section["marg_fig"]).read_text()
    assert marginals.count("LSTM") >= 1  # the reference's curve is drawn and labelled
