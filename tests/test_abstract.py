"""Tests of odyssey.render.sections.abstract: the gradient sentence of the abstract."""

from __future__ import annotations

from odyssey.render.sections.abstract import gradient_sentence


def test_the_gradient_sentence_uses_the_longest_lag_and_names_an_underflow() -> None:
    summary = {
        "RNN@10": {"init": 0.5},
        "RNN@100": {"init": 0.0},
        "V@10": {"init": 0.25},
        "V@100": {"init": 3.2e-21},
    }
    sentence = gradient_sentence(summary)
    assert "first of 100 steps" in sentence
    assert "below 1e-45 times (float32 underflows it to 0) the last step's for the tanh RNN" in (
        sentence
    )
    assert "3.2e-21 times for the vanilla LSTM" in sentence
    assert gradient_sentence({"V@10": {"init": 0.1}}) == ""  # no tanh RNN: no sentence


def test_the_abstract_claims_the_paper_s_protocol_only_on_its_search_space(tmp_path) -> None:
    from fixtures_trials import make_trials

    from odyssey.analysis.analyse import analyse_task
    from odyssey.render.sections.abstract import abstract

    make_trials(n=6, variants=("V", "NP")).to_csv(tmp_path / "t.csv", index=False)
    paper = analyse_task(tmp_path / "t.csv", tmp_path / "a", quick=True)
    narrow = analyse_task(
        tmp_path / "t.csv",
        tmp_path / "b",
        quick=True,
        search_space={"hidden_size": {"low": 16, "high": 64, "log": True}},
    )
    assert "following the protocol of Greff" in abstract([{"analysis": paper}], [], {}, True)
    other = abstract([{"analysis": paper}, {"analysis": narrow}], [], {}, True)
    assert "following the protocol" not in other
    assert "in a search space other than that of Greff et al. (2017)" in other


def test_the_importance_sentence_uses_the_reference_model_s_forest(tmp_path) -> None:
    """The pooled forest does not know the cell, so one cell's failures read as interactions;
    the abstract quotes the reference model's decomposition (the paper's Fig. 5) when it has one."""
    from fixtures_trials import make_trials

    from odyssey.analysis.analyse import analyse_task
    from odyssey.render.sections.abstract import task_sentences

    make_trials(n=40, variants=("V", "NP")).to_csv(tmp_path / "t.csv", index=False)
    result = analyse_task(tmp_path / "t.csv", tmp_path / "a", quick=False)
    own = result["fanova"]["V"]
    (sentence,) = [s for s in task_sentences(result) if "fANOVA" in s]
    assert "(fANOVA, V alone, the scope of the paper's Fig. 5)" in sentence
    first = own["ranking"][0]
    assert f"{100 * own['main'][first]:.1f} %" in sentence
    result["fanova"]["V"] = {**own, "status": "caveat"}
    (sentence,) = [s for s in task_sentences(result) if "fANOVA" in s]
    assert "(fANOVA, all cells pooled)" in sentence
