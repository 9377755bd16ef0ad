"""Tests of odyssey.render.sections.rankings: the cross-task rankings against the study's
reference model."""

from __future__ import annotations

from pathlib import Path

from fixtures_trials import make_trials

from odyssey.analysis.analyse import analyse_task
from odyssey.render.formatting import Output
from odyssey.render.sections.rankings import rankings_section


def test_a_models_study_is_ranked_against_its_own_reference(tmp_path: Path) -> None:
    """A models study (reference LSTM, no V) gets its Bayesian comparison against the LSTM, not
    an empty table against a V it does not have."""
    loaded = []
    for seed, task in enumerate(("adding", "temporal_order", "copy")):
        frame = make_trials(n=20, variants=("V", "GRU", "NP"), task=task, seed=seed)
        frame["variant"] = frame["variant"].replace({"V": "LSTM"})
        frame.to_csv(tmp_path / f"{task}.csv", index=False)
        out = tmp_path / task
        loaded.append(
            {"analysis": analyse_task(tmp_path / f"{task}.csv", out, quick=False, reference="LSTM")}
        )
    section = rankings_section(loaded, Output(tmp_path / "report"))
    assert section["present"]
    assert section["bayes"]["header"][1] == "P(better than LSTM)"
    assert sorted(row[0] for row in section["bayes"]["rows"]) == ["GRU", "NP"]
    assert "Against LSTM" in section["text"] and "Against V" not in section["text"]
    assert "against LSTM" in section["bayes_caption"]
