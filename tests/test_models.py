"""Tests of odyssey.study.models: the architecture axis (config ``models``), its refusals at
planning (one line naming the key and the fix) and the studies it defines."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from odyssey.study.config import ConfigError, load, validate
from odyssey.study.models import Model, config_models, model_names
from odyssey.study.spec import StudySpec, specs_from_config

REPO = Path(__file__).resolve().parent.parent
NO_ENV: dict[str, str] = {}
JSB_FINGERPRINTS = "202869fca9acb2a19cf9fd94555f544742b4f82c60a2834f585db578b5993542"
"""sha256 of the JSB study's study names and fingerprints, one ``name fingerprint`` per line (the
running study's storage refuses any other)."""

EXAMPLE = {
    "LSTM": {"cell": "V"},
    "BiLSTM": {"cell": "V", "bidirectional": True},
    "LSTM-2": {"cell": "V", "num_layers": 2},
    "Fuzzy-LSTM": {"cell": "V", "frontend": "fuzzy"},
    "GRU": {"cell": "GRU"},
    "V-fb": {"cell": "V", "init": "forget_bias"},
}


def with_models(models: dict[str, Any], *task_names: str) -> dict[str, Any]:
    return {"tasks": {name: {} for name in task_names or ("adding",)}, "models": models}


def refused(cfg: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        validate(cfg, env=NO_ENV)
    message = str(info.value)
    assert "\n" not in message, message
    return message


# ---- what a config may say ---------------------------------------------------------------------


def test_the_example_models_validate_on_the_forecasting_tasks() -> None:
    cfg = validate(with_models(EXAMPLE, "mackey_glass", "airline"), env=NO_ENV)
    assert "variants" not in cfg
    assert model_names(cfg) == list(EXAMPLE)
    assert cfg["models"]["BiLSTM"] == {
        "cell": "V",
        "bidirectional": True,
        "num_layers": 1,
        "frontend": None,
        "init": None,
    }
    assert validate(cfg, env=NO_ENV) == cfg  # a validated config validates again, unchanged
    names = [spec.name for spec in specs_from_config(cfg)]
    assert names[:2] == ["odyssey.mackey_glass.LSTM", "odyssey.mackey_glass.BiLSTM"]
    assert len(names) == 2 * len(EXAMPLE)


def test_the_shipped_forecast_config_validates() -> None:
    cfg = load(REPO / "config" / "forecast.yaml", env=NO_ENV)
    assert cfg["models"]["Fuzzy-LSTM"]["frontend"] == "fuzzy"
    assert set(cfg["tasks"]) == {"mackey_glass", "airline"}


def test_plain_variants_are_plain_models() -> None:
    cfg = validate({"tasks": {"adding": {}}, "variants": ["V", "GRU"]}, env=NO_ENV)
    assert "models" not in cfg
    assert config_models(cfg) == {"V": Model.plain("V"), "GRU": Model.plain("GRU")}
    assert all(model.is_plain for model in config_models(cfg).values())
    assert not Model("LSTM", "V").is_plain and not Model("V", "V", num_layers=2).is_plain


def test_a_model_fills_what_it_leaves_open_from_the_task_and_budget() -> None:
    assert Model.plain("V").resolve(True, "cnn", "paper") == {
        "cell": "V",
        "bidirectional": True,
        "num_layers": 1,
        "frontend": "cnn",
        "init": "paper",
    }
    shaped = Model("X", "GRU", bidirectional=False, num_layers=3, frontend="none", init="pytorch")
    assert shaped.resolve(True, "cnn", "paper") == {
        "cell": "GRU",
        "bidirectional": False,
        "num_layers": 3,
        "frontend": None,
        "init": "pytorch",
    }


# ---- refused at planning, one line each ---------------------------------------------------------

REFUSED = [
    (
        "unknown cell",
        with_models({"LSTM": {"cell": "LSTM"}}),
        "models.LSTM.cell: unknown cell 'LSTM' (known: V, NIG, NFG, NOG, NIAF, NOAF, NP, CIFG, "
        "FGR, GRU, RNN)",
    ),
    (
        "cnn without frames",
        with_models({"CNN-LSTM": {"cell": "V", "frontend": "cnn"}}),
        "models.CNN-LSTM.frontend: task 'adding' has no frames for a CNN front end (use it on "
        "tasks with frames: digit_frames; or another front end)",
    ),
    (
        "bidirectional on next-step prediction",
        with_models({"BiLSTM": {"cell": "V", "bidirectional": True}}, "embedded_reber"),
        "models.BiLSTM.bidirectional: task 'embedded_reber' predicts the next step, where a "
        "bidirectional network sees the future (set bidirectional: false, or study this model "
        "on other tasks)",
    ),
    (
        "no layers",
        with_models({"LSTM-0": {"cell": "V", "num_layers": 0}}),
        "models.LSTM-0.num_layers: 0 must be >= 1",
    ),
    (
        "unknown front end",
        with_models({"X": {"cell": "V", "frontend": "rnn"}}),
        "models.X.frontend: unknown front end 'rnn' (use none, cnn, fuzzy, or leave it out for "
        "the task's)",
    ),
    (
        "unknown init",
        with_models({"V-fb": {"cell": "V", "init": "forget"}}),
        "models.V-fb.init: unknown init 'forget' (use paper, pytorch, orthogonal, forget_bias, "
        "joined by '+', e.g. paper+forget_bias)",
    ),
    (
        "two bases",
        with_models({"V-x": {"cell": "V", "init": "paper+pytorch"}}),
        "models.V-x.init: init 'paper+pytorch' repeats a part or names two bases (keep one of "
        "paper, pytorch)",
    ),
    (
        "a cell's name on another model",
        with_models({"V": {"cell": "V", "num_layers": 2}}),
        "models.V: the name 'V' is a cell's, but this model is not that plain cell (a cell's name "
        "means that cell on the task's shape): give it a name of its own, e.g. BiV, V-2 or V-fb",
    ),
    (
        "names that differ in case",
        with_models({"LSTM": {"cell": "V"}, "lstm": {"cell": "NP"}}),
        "models.lstm: the name clashes with models.LSTM (names that differ only in case name the "
        "same files on some systems): rename one",
    ),
    (
        "a name that is not a word",
        with_models({"my model": {"cell": "V"}}),
        "models.my model: model name 'my model' must be a letter then letters, digits, _ or - "
        "(it names files and studies): rename it",
    ),
    (
        "variants and models",
        {**with_models({"LSTM": {"cell": "V"}}), "variants": ["V"]},
        "variants: give either variants or models, not both (write each variant as a model, e.g. "
        "models: {V: {cell: V}, BiLSTM: {cell: V, bidirectional: true}})",
    ),
    (
        "two bases in a budget's init",
        {"tasks": {"adding": {"budget": {"init": "pytorch+paper"}}}},
        "tasks.adding.budget.init: init 'pytorch+paper' repeats a part or names two bases (keep "
        "one of paper, pytorch)",
    ),
]


@pytest.mark.parametrize(("case", "cfg", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_bad_model_is_refused_in_one_line(case: str, cfg: dict[str, Any], message: str) -> None:
    assert refused(cfg) == message


def test_a_model_given_twice_in_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "twice.yaml"
    path.write_text("tasks: {adding: {}}\nmodels:\n  LSTM: {cell: V}\n  LSTM: {cell: GRU}\n")
    with pytest.raises(ConfigError) as info:
        load(path, env=NO_ENV)
    assert str(info.value) == (
        "config: line 4: key 'LSTM' is given twice in one mapping (keep one; YAML would silently "
        "keep the last)"
    )


def test_the_forecasting_tasks_take_the_fuzzy_front_end_and_frames_take_the_cnn() -> None:
    validate(with_models({"Fuzzy-LSTM": {"cell": "V", "frontend": "fuzzy"}}, "airline"))
    validate(with_models({"CNN-LSTM": {"cell": "V", "frontend": "cnn"}}, "digit_frames"))
    validate(with_models({"BiLSTM": {"cell": "V", "bidirectional": True}}, "mackey_glass"))


# ---- studies: names, fingerprints and draws ------------------------------------------------------


def test_the_jsb_study_keeps_its_names_and_fingerprints() -> None:
    specs = specs_from_config(load(REPO / "config" / "jsb.yaml", env=NO_ENV))
    lines = "\n".join(f"{spec.name} {spec.fingerprint()}" for spec in specs)
    assert hashlib.sha256(lines.encode()).hexdigest() == JSB_FINGERPRINTS
    assert "model" not in specs[0].fingerprint()


def test_a_plain_model_is_the_variants_study_and_a_shaped_one_is_not() -> None:
    plain_cfg = validate({"tasks": {"adding": {}}, "variants": ["V"]}, env=NO_ENV)
    as_model = validate(with_models({"V": {"cell": "V"}, "V-2": EXAMPLE["LSTM-2"]}), env=NO_ENV)
    plain = StudySpec.from_config(plain_cfg, "adding", "V")
    same = StudySpec.from_config(as_model, "adding", "V")
    assert (same.name, same.fingerprint(), same.draw_params(3)) == (
        plain.name,
        plain.fingerprint(),
        plain.draw_params(3),
    )
    shaped = StudySpec.from_config(as_model, "adding", "V-2")
    assert shaped.name == "odyssey.adding.V-2"
    assert '"model": {"bidirectional": null, "cell": "V", "frontend": null' in shaped.fingerprint()


def test_a_spec_checks_its_model_against_its_task() -> None:
    base = dict(task="jsb_chorales", task_options={}, n_trials=2, search_space={})
    with pytest.raises(ValueError, match=r"^model 'BiLSTM'\.bidirectional: task 'jsb_chorales'"):
        StudySpec(**base, variant="BiLSTM", model=Model("BiLSTM", "V", bidirectional=True))
    with pytest.raises(ValueError, match="model 'LSTM' is not the study's 'V'"):
        StudySpec(**base, variant="V", model=Model("LSTM", "V"))


# ---- task aliases: one task at several settings -------------------------------------------------


def lags(*values: int) -> dict[str, Any]:
    entries = {f"adding_lag{lag}": {"task": "adding", "options": {"lag": lag}} for lag in values}
    return {"tasks": entries, "variants": ["V"]}


def test_an_alias_is_an_instance_of_its_task_with_its_own_studies() -> None:
    cfg = validate(lags(10, 100), env=NO_ENV)
    specs = specs_from_config(cfg)
    assert [spec.name for spec in specs] == ["odyssey.adding_lag10.V", "odyssey.adding_lag100.V"]
    assert {spec.registry_task for spec in specs} == {"adding"}
    assert [spec.task_options for spec in specs] == [{"lag": 10}, {"lag": 100}]
    assert '"alias_of": "adding"' in specs[0].fingerprint()
    assert specs[0].draw_params(0) != specs[1].draw_params(0)  # the seeds follow the key
    plain = StudySpec.from_config(validate({"tasks": {"adding": {}}}, env=NO_ENV), "adding", "V")
    assert plain.alias_of is None and "alias_of" not in plain.fingerprint()


def test_an_alias_is_checked_like_its_task() -> None:
    models = with_models({"BiLSTM": {"cell": "V", "bidirectional": True}})
    assert refused({**models, "tasks": {"reber_big": {"task": "embedded_reber"}}}).startswith(
        "models.BiLSTM.bidirectional: task 'embedded_reber' predicts the next step"
    )
    bad_lag = lags(10)
    bad_lag["tasks"]["adding_lag10"]["options"]["lag"] = 2
    assert refused(bad_lag) == "tasks.adding_lag10.options.lag: 2 must be >= 4"
    assert refused({"tasks": {"x": {"task": "addng"}}}) == (
        "tasks.x.task: unknown task 'addng' (did you mean 'adding'? known: adding, airline, "
        "bach_chorales, basic_motions, copy_memory, digit_frames, embedded_reber, iam_online, "
        "japanese_vowels, jsb_chorales, mackey_glass, pickup_gesture, temporal_order, timit)"
    )
    assert refused({"tasks": {"copy_memory": {"task": "adding"}}}) == (
        "tasks.copy_memory: the key is the task 'copy_memory' but its task: names 'adding' (give "
        "the instance a key of its own, e.g. adding_copy_memory)"
    )
    assert refused({"tasks": {"lag 10": {"task": "adding"}}}) == (
        "tasks.lag 10: an alias must be a letter then letters, digits, _ or - (it names files "
        "and studies): rename it"
    )
    assert validate({"tasks": {"adding": {"task": "adding"}}}, env=NO_ENV)  # naming itself is fine
