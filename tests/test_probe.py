"""Tests of odyssey.study.probe: the gradients key checked at planning, and the probe it plans."""

from __future__ import annotations

import pytest

import tasks
from odyssey.study.config import ConfigError, validate
from odyssey.study.probe import PROBE_PARAMS, PROBE_TASKS, ProbeSpec, probe_inputs

SEED_STUDY = {
    "tasks": ["adding", "temporal_order"],
    "inits": ["paper", "forget_bias"],
    "lags": [10, 30, 100, 300, 1000],
    "variants": ["RNN", "GRU", "V", "NP", "CIFG", "NFG"],
    "trials_per_lag": 4,
    "max_epochs": 20,
}


def _config(gradients: dict) -> dict:
    return {
        "tasks": {"adding": {"options": {"lag": 30}, "budget": {"batch_size": 16}}},
        "gradients": gradients,
    }


def _refused(gradients: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        validate(_config(gradients))
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_the_seed_study_probe_validates_and_plans() -> None:
    cfg = validate(_config(SEED_STUDY))
    assert (
        cfg["gradients"]["tasks"] == ["adding", "temporal_order"] and "task" not in cfg["gradients"]
    )
    assert validate(cfg)["gradients"] == cfg["gradients"]  # a validated config validates again
    probe = ProbeSpec.from_config(cfg)
    assert [t.name for t in probe.tasks] == ["adding", "temporal_order"]
    assert probe.inits == ("paper", "forget_bias") and probe.trials_per_lag == 4
    adding = probe.tasks[0]
    assert "lag" not in adding.options and adding.budget.batch_size == 16
    assert adding.budget.max_epochs == adding.budget.patience == 20
    assert adding.budget_for("forget_bias").init == "forget_bias"
    assert probe.tasks[1].budget.batch_size == 1  # no study entry: the paper's budget
    assert probe.params == PROBE_PARAMS  # learning rate 0.01 by default
    faster = ProbeSpec.from_config(validate(_config({**SEED_STUDY, "learning_rate": 0.3})))
    assert faster.params == {**PROBE_PARAMS, "learning_rate": 0.3}


def test_the_old_single_task_key_still_works() -> None:
    cfg = validate(_config({"task": "temporal_order", "lags": [10, 20]}))
    assert cfg["gradients"]["tasks"] == ["temporal_order"] and cfg["gradients"]["inits"] == [
        "paper"
    ]
    assert validate(_config({}))["gradients"]["tasks"] == ["adding"]
    old = ProbeSpec.from_config({"gradients": {"task": "temporal_order"}})  # not validated
    assert [t.name for t in old.tasks] == ["temporal_order"] and old.inits == ("paper",)


@pytest.mark.parametrize(
    ("gradients", "key", "words"),
    [
        ({"task": "adding", "tasks": ["adding"]}, "gradients.task", "not both"),
        ({"tasks": []}, "gradients.tasks", "at least 1"),
        ({"inits": []}, "gradients.inits", "at least 1"),
        ({"inits": ["paper", "forget-bias"]}, "gradients.inits[1]", "unknown init 'forget-bias'"),
        ({"inits": ["paper+pytorch"]}, "gradients.inits[0]", "two bases"),
        ({"tasks": ["adding", "addng"]}, "gradients.tasks[1]", "did you mean 'adding'"),
        ({"tasks": ["copy_memory"]}, "gradients.tasks[0]", "loss at the last step"),
        ({"tasks": ["temporal_order"], "lags": [5, 10]}, "gradients.lags", "least lag 10"),
        ({"tasks": ["adding", "adding"]}, "gradients.tasks", "unique"),
        ({"learning_rate": 0}, "gradients.learning_rate", "must be > 0"),
        ({"batch_size": 0}, "gradients.batch_size", "must be >= 1"),
        ({"options": {"temporal_order": {}}}, "gradients.options.temporal_order", "not a task"),
        ({"options": {"adding": {"lag": 50}}}, "gradients.options.adding.lag", "sets the lag"),
        (
            {"options": {"adding": {"sizes": {"train": 0}}}},
            "gradients.options.adding.sizes",
            "not allowed",
        ),
    ],
)
def test_a_bad_key_is_one_line_naming_it(gradients: dict, key: str, words: str) -> None:
    message = _refused(gradients)
    assert message.startswith(f"{key}:") and words in message


def test_a_disabled_probe_is_not_checked() -> None:
    cfg = validate(_config({"enabled": False, "tasks": ["copy_memory"]}))
    assert cfg["gradients"]["tasks"] == ["copy_memory"]


def test_the_probe_tasks_are_the_registry_s_last_step_lag_tasks() -> None:
    expected = {
        name
        for name in tasks.names()
        if "lag" in tasks.options(name) and tasks.get(name, sizes=[1, 1, 1]).target_kind == "final"
    }
    assert set(PROBE_TASKS) == expected


def test_inputs_name_every_task_s_entry() -> None:
    cfg = validate(_config(SEED_STUDY))
    inputs = probe_inputs(cfg)
    assert set(inputs["tasks"]) == {"adding", "temporal_order"}
    assert inputs["tasks"]["adding"]["budget"]["batch_size"] == 16
    assert inputs["tasks"]["temporal_order"] == {"options": None, "budget": None}


def test_probe_options_and_batch_size_size_it_without_a_study_entry() -> None:
    sizes = {"train": 64, "valid": 16, "test": 16}
    gradients = {**SEED_STUDY, "options": {"temporal_order": {"sizes": sizes}}, "batch_size": 8}
    probe = ProbeSpec.from_config(validate(_config(gradients)))
    adding, order = probe.tasks
    assert order.options == {"sizes": sizes} and order.budget.batch_size == 8
    assert adding.options == {} and adding.budget.batch_size == 8  # over the entry's 16


def test_the_probe_optimizer_overrides_a_study_entry_s() -> None:
    """A probe task that is also a study with Adam (the seed study's temporal order) runs the
    probe's SGD rate under SGD when ``gradients.optimizer`` says so; null keeps the entry's."""
    cfg = _config(SEED_STUDY)
    cfg["tasks"]["adding"]["budget"]["optimizer"] = "adam"
    kept = ProbeSpec.from_config(validate(cfg))
    assert kept.tasks[0].budget.optimizer == "adam"
    assert kept.tasks[1].budget.optimizer == "sgd_nesterov"  # no entry: the paper's
    cfg["gradients"] = {**SEED_STUDY, "optimizer": "sgd_nesterov"}
    probe = ProbeSpec.from_config(validate(cfg))
    assert [t.budget.optimizer for t in probe.tasks] == ["sgd_nesterov", "sgd_nesterov"]
    assert _refused({**SEED_STUDY, "optimizer": "rmsprop"}).count("optimizer") >= 1


def test_the_committed_seed_config_probes_every_task_with_one_sgd_rate() -> None:
    from pathlib import Path

    from odyssey.study.config import load

    probe = ProbeSpec.from_config(load(Path(__file__).parents[1] / "config" / "seed.yaml"))
    assert {t.budget.optimizer for t in probe.tasks} == {"sgd_nesterov"}
    assert {t.budget.batch_size for t in probe.tasks} == {16} and probe.lags == (10, 30, 100)
