"""Tests of the seed study's config keys and statistics: a task's ``models``, the ``reference``
model and the ``questions`` (odyssey.study.questions, odyssey.analysis.questions, the report's
question sections), and that a config without them renders as before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fixtures_trials import make_trials
from scipy import stats as sps
from test_models import NO_ENV, refused  # the models axis's one-line refusal check

from odyssey.analysis.questions import answer_question
from odyssey.render.formatting import pval
from odyssey.render.prose import text
from odyssey.render.published import publish_study, trials_table
from odyssey.render.report import reference_phrase
from odyssey.render.sections.questions import answer_sentence
from odyssey.study.config import load, validate
from odyssey.study.questions import reference
from odyssey.study.spec import specs_from_config

REPO = Path(__file__).resolve().parent.parent
MODELS = {
    "LSTM": {"cell": "V", "frontend": "none"},
    "BiLSTM": {"cell": "V", "bidirectional": True, "frontend": "none"},
    "CNN-LSTM": {"cell": "V", "frontend": "cnn"},
    "GRU": {"cell": "GRU"},
}


def seed_like(**extra: Any) -> dict[str, Any]:
    """Three tasks, each running some of the four models."""
    cfg = {
        "models": MODELS,
        "tasks": {
            "japanese_vowels": {"models": ["LSTM", "BiLSTM"]},
            "digit_frames": {"models": ["LSTM", "CNN-LSTM"]},
            "airline": {"models": ["LSTM", "GRU"]},
        },
        "reference": "LSTM",
    }
    cfg.update(extra)
    return cfg


# ---- planning: which task runs which model, the reference, the questions ----------------------


def test_a_task_runs_the_models_it_names_and_only_those() -> None:
    cfg = validate(seed_like(), env=NO_ENV)
    names = [spec.name for spec in specs_from_config(cfg)]
    assert names == [
        "odyssey.japanese_vowels.LSTM",
        "odyssey.japanese_vowels.BiLSTM",
        "odyssey.digit_frames.LSTM",
        "odyssey.digit_frames.CNN-LSTM",
        "odyssey.airline.LSTM",
        "odyssey.airline.GRU",
    ]
    # CNN-LSTM is checked only where it runs: no frames on japanese_vowels would refuse it there
    plain = validate({"tasks": {"adding": {}, "airline": {"models": ["V"]}}}, env=NO_ENV)
    assert len(specs_from_config(plain)) == 10 + 1  # plain variants select the same way


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"tasks": {"japanese_vowels": {"models": ["LSTM", "BiLSMT"]}, "digit_frames": {}}},
            "tasks.japanese_vowels.models[1]: unknown model 'BiLSMT' (did you mean 'BiLSTM'?",
        ),
        (
            {"tasks": {"japanese_vowels": {}, "digit_frames": {}}},
            "models.CNN-LSTM.frontend: task 'japanese_vowels' has no frames",
        ),
        (
            {"tasks": {"airline": {"models": ["GRU", "CNN-LSTM"]}, "japanese_vowels": {}}},
            "models.CNN-LSTM.frontend: task 'airline' has no frames",
        ),
        (
            {
                "tasks": {
                    "japanese_vowels": {"models": ["LSTM", "BiLSTM"]},
                    "airline": {"models": ["GRU"]},
                }
            },
            "models: 'CNN-LSTM' runs on no task (add it to a task's models, or remove it)",
        ),
        ({"reference": "LTSM"}, "reference: unknown model 'LTSM' (did you mean 'LSTM'?"),
    ],
)
def test_a_bad_selection_is_refused_in_one_line(change: dict, expected: str) -> None:
    cfg = seed_like(reference=change.get("reference", "LSTM"))
    if "tasks" in change:
        cfg["tasks"] = change["tasks"]
    assert refused(cfg).startswith(expected)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            {"title": "Q", "tasks": ["airline"], "models": ["LSTM", "BiLSTM"]},
            "questions[0].models[1]: model 'BiLSTM' does not run on task 'airline' (add it to "
            "tasks.airline.models, or leave the task out of this question)",
        ),
        (
            {"title": "Q", "tasks": ["airlines"], "models": ["LSTM", "GRU"]},
            "questions[0].tasks[0]: unknown task 'airlines' (did you mean 'airline'?",
        ),
        (
            {"title": "Q", "tasks": ["airline"], "models": ["GRU", "LSTM"], "reference": "BiLSTM"},
            "questions[0].reference: the reference 'BiLSTM' is not one of the question's models",
        ),
        (
            {"title": "Q", "tasks": ["digit_frames"], "models": ["CNN-LSTM", "GRU"]},
            "questions[0].models[1]: model 'GRU' does not run on task 'digit_frames'",
        ),
        ({"title": "Q", "tasks": ["airline"], "models": ["GRU"]}, "questions[0].models: needs"),
    ],
)
def test_a_question_that_cannot_be_answered_is_refused_in_one_line(
    question: dict, expected: str
) -> None:
    assert refused(seed_like(questions=[question])).startswith(expected)


def test_the_reference_is_the_questions_then_the_configs_then_v() -> None:
    cfg = validate(seed_like(), env=NO_ENV)
    assert reference(cfg) == "LSTM"
    assert reference(cfg, {"reference": "GRU"}) == "GRU"
    assert reference({"tasks": {}}) == "V"


def test_the_seed_config_validates_with_its_questions() -> None:
    cfg = load(REPO / "config" / "seed.yaml", env=NO_ENV)
    assert cfg["reference"] == "LSTM" and len(cfg["questions"]) >= 5
    assert cfg["storage"] == "report/published/seed/journal.log" and cfg["quick"] is False


def test_a_config_without_the_new_keys_validates_as_before() -> None:
    cfg = load(REPO / "config" / "jsb.yaml", env=NO_ENV)
    assert "reference" not in cfg and "questions" not in cfg
    assert all("models" not in entry for entry in cfg["tasks"].values())
    assert reference_phrase(cfg) == "the vanilla LSTM (V)"
    assert "compared with the vanilla LSTM (V) by Welch's t-test" in text(
        "document.variants_intro", reference=reference_phrase(cfg)
    )


# ---- the statistics of a question ---------------------------------------------------------------


def trials(values: dict[str, list[float]], top: int = 1) -> pd.DataFrame:
    """A trials table: one row per value; the first ``top`` of each model flagged best 10 %."""
    rows = [
        {"variant": model, "test_metric": v, "top10": i < top}
        for model, vs in values.items()
        for i, v in enumerate(vs)
    ]
    return pd.DataFrame(rows)


A = [0.30, 0.32, 0.28, 0.31, 0.29, 0.33]
B = [0.20, 0.22, 0.19, 0.21, 0.18, 0.23]  # clearly lower (better when minimising)
C = [0.31, 0.27, 0.34, 0.30, 0.28, 0.33]  # like A


def test_a_question_tests_each_model_against_the_reference_with_bonferroni() -> None:
    tasks = {
        "one": (trials({"LSTM": A, "BiLSTM": B, "GRU": C}), "minimize"),
        "two": (trials({"LSTM": A, "BiLSTM": C}), "minimize"),
    }
    frame = answer_question(["LSTM", "BiLSTM", "GRU"], "LSTM", tasks).set_index(["task", "model"])
    assert list(frame.index) == [
        ("one", "LSTM"),
        ("one", "BiLSTM"),
        ("one", "GRU"),
        ("two", "LSTM"),
        ("two", "BiLSTM"),
        ("two", "GRU"),
    ]
    want = sps.ttest_ind(B, A, equal_var=False).pvalue
    row = frame.loc[("one", "BiLSTM")]
    assert row["p"] == pytest.approx(want, rel=1e-12)
    assert row["m"] == 3  # three comparisons could be made; GRU did not run on task two
    assert row["p_bonferroni"] == pytest.approx(min(1.0, 3 * want), rel=1e-12)
    assert row["verdict"] == "better" and row["significant"]
    assert row["n"] == 6 and row["mean"] == pytest.approx(np.mean(B))
    assert row["top10_mean"] == pytest.approx(B[0])
    assert frame.loc[("one", "GRU"), "verdict"] == "n.s."
    assert frame.loc[("two", "GRU"), "verdict"] == "n/a" and frame.loc[("two", "GRU"), "n"] == 0
    assert frame.loc[("one", "LSTM"), "verdict"] == "reference"


def test_the_answer_sentence_says_what_the_numbers_say() -> None:
    tasks = {"one": (trials({"LSTM": A, "BiLSTM": B, "GRU": C}), "maximize")}
    frame = answer_question(["LSTM", "BiLSTM", "GRU"], "LSTM", tasks).set_index("model")
    ref = frame.loc["LSTM"].copy()
    ref["model"], ref["task"] = "LSTM", "one"
    better = frame.loc["BiLSTM"].copy()
    better["model"], better["task"] = "BiLSTM", "one"
    said = answer_sentence(better, ref, "error")
    # maximising, BiLSTM's lower values make the reference the better one
    assert said.startswith("LSTM is better than BiLSTM on one (mean error")
    assert (
        f"Welch p = {pval(better['p'])}, Bonferroni p = {pval(better['p_bonferroni'])}, m = 2"
        in said
    )
    same = frame.loc["GRU"].copy()
    same["model"], same["task"] = "GRU", "one"
    said = answer_sentence(same, ref, "error")
    assert said.startswith("GRU against LSTM on one: not significant at this size")
    assert f"Welch p = {pval(same['p'])}" in said


# ---- a published study of several tasks with questions -----------------------------------------


def no_fanova(trials: pd.DataFrame, scope: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Stands in for the fANOVA (most of a report's cost; tested in test_fanova, test_analysis)."""
    return {"scope": scope, "n": len(trials), "status": "omitted", "reason": "not in this test"}


def test_a_models_study_of_several_tasks_publishes_its_questions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two tasks' trials tables (synthetic, GRU planted worse by 0.8 on each) through
    publish_study: the analysis tests against the config's reference, the report answers the
    question in a section of its own and lists the answer at the end."""
    monkeypatch.setattr("odyssey.analysis.analyse.fanova_scope", no_fanova)
    cfg = validate(
        {
            "study": "seedlike",
            "models": {"LSTM": {"cell": "V"}, "BiLSTM": MODELS["BiLSTM"], "GRU": {"cell": "GRU"}},
            "reference": "LSTM",
            "tasks": {"japanese_vowels": {}, "basic_motions": {"models": ["LSTM", "GRU"]}},
            "questions": [
                {
                    "title": "The GRU",
                    "tasks": ["japanese_vowels", "basic_motions"],
                    "models": ["LSTM", "GRU"],
                },
            ],
            "gradients": {"enabled": False},
        },
        env=NO_ENV,
    )
    for task, models in (
        ("japanese_vowels", ("LSTM", "BiLSTM", "GRU")),
        ("basic_motions", ("LSTM", "GRU")),
    ):
        table = make_trials(12, models, task=task, worse="GRU", best="BiLSTM")
        (tmp_path / "trials").mkdir(exist_ok=True)
        table.to_csv(trials_table(tmp_path, task), index=False)
    pdf = publish_study(cfg, tmp_path)
    analysis = json.loads((tmp_path / "analysis" / "basic_motions" / "analysis.json").read_text())
    rows = {r["variant"]: r for r in analysis["summary_all"]}
    assert rows["LSTM"]["verdict"] == "reference" and rows["GRU"]["verdict"] == "worse"
    doc = json.loads((pdf.parent / "report.json").read_text())
    (question,) = doc["questions"]
    assert question["title"] == "The GRU" and len(question["tables"]) == 2
    assert question["answer"].startswith("LSTM is better than GRU on japanese_vowels")
    assert "m = 2" in question["answer"]
    answers = pd.read_csv(pdf.parent / "tables" / "answers.csv")
    assert list(answers["model"]) == ["GRU", "GRU"] and set(answers["verdict"]) == {"worse"}
    assert pdf.read_bytes().startswith(b"%PDF")
