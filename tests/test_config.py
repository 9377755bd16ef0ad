"""Tests of odyssey.study.config: the schema fills defaults and rejects each kind of bad
configuration with one readable line that names the key; the shipped configs validate."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

import tasks
import variants
from odyssey.study import config as odyssey_config
from odyssey.study.config import ConfigError, load, schema, validate

REPO = Path(__file__).resolve().parent.parent
NO_ENV: dict[str, str] = {}


def minimal() -> dict[str, Any]:
    """The smallest valid configuration: one synthetic task, everything else default."""
    return {"tasks": {"adding": {}}}


def rejects(cfg: Any, key: str, *fragments: str) -> str:
    """Assert that ``cfg`` is rejected with one line starting with ``key:``; return the line."""
    with pytest.raises(ConfigError) as info:
        validate(cfg, env=NO_ENV)
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith(f"{key}: "), message
    for fragment in fragments:
        assert fragment in message, message
    return message


# ---- defaults ---------------------------------------------------------------------------------


def test_defaults_are_filled_from_the_schema() -> None:
    cfg = validate(minimal(), env=NO_ENV)
    top = schema()["properties"]
    for key, spec in top.items():
        if "default" in spec:
            assert key in cfg, key
    assert cfg["study"] == "odyssey"
    assert cfg["seed"] == 20170101
    assert cfg["results_dir"] == "results"
    assert cfg["storage"] is None and cfg["tracking_uri"] is None
    assert cfg["device"] == "auto"
    assert cfg["workers_per_study"] == 1
    assert cfg["sweep"] == {"sampler": "random", "pruner": "none", "heartbeat_s": 30}
    assert cfg["variants"][0] == "V" and len(cfg["variants"]) == 10
    task = cfg["tasks"]["adding"]
    assert task["options"] == {}
    assert task["n_trials"] == 200
    # The paper's search space (Greff et al. 2017, Sec. IV-D) and budget (Sec. IV-B).
    assert task["search_space"]["hidden_size"] == {"low": 20, "high": 200, "log": True}
    assert task["search_space"]["learning_rate"] == {"low": 1e-6, "high": 1e-2, "log": True}
    assert task["search_space"]["one_minus_momentum"] == {"low": 0.01, "high": 1.0, "log": True}
    assert task["search_space"]["input_noise"] == {"low": 0.0, "high": 1.0, "log": False}
    assert task["budget"]["batch_size"] == 1
    assert task["budget"]["max_epochs"] == 150
    assert task["budget"]["patience"] == 15
    assert task["budget"]["optimizer"] == "sgd_nesterov"
    assert task["budget"]["clip_gradient"] is None
    assert cfg["gradients"]["enabled"] is True and cfg["gradients"]["tasks"] == ["adding"]


def test_partial_values_keep_the_other_defaults() -> None:
    cfg = minimal()
    cfg["tasks"]["adding"] = {
        "search_space": {"learning_rate": {"low": 1.0e-4}},
        "budget": {"max_epochs": 3},
    }
    cfg["sweep"] = {"sampler": "tpe"}
    out = validate(cfg, env=NO_ENV)
    assert out["tasks"]["adding"]["search_space"]["learning_rate"] == {
        "low": 1e-4,
        "high": 1e-2,
        "log": True,
    }
    assert out["tasks"]["adding"]["budget"]["max_epochs"] == 3
    assert out["tasks"]["adding"]["budget"]["patience"] == 15
    assert out["sweep"] == {"sampler": "tpe", "pruner": "none", "heartbeat_s": 30}


def test_validate_does_not_modify_its_argument_and_is_idempotent() -> None:
    cfg = minimal()
    before = copy.deepcopy(cfg)
    once = validate(cfg, env=NO_ENV)
    assert cfg == before
    assert validate(once, env=NO_ENV) == once


def test_every_schema_key_has_a_description() -> None:
    missing: list[str] = []

    def walk(node: dict[str, Any], where: str) -> None:
        for key, sub in node.get("properties", {}).items():
            if "description" not in sub:
                missing.append(f"{where}.{key}")
            walk(sub, f"{where}.{key}")
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            walk(extra, f"{where}.*")
        for name, sub in node.get("$defs", {}).items():
            walk(sub, f"$defs.{name}")

    walk(schema(), "config")
    assert not missing, missing


# ---- environment overrides --------------------------------------------------------------------


def test_environment_overrides_storage_and_tracking() -> None:
    env = {
        "ODYSSEY_STORAGE": "postgresql+psycopg2://u@db/odyssey",
        "MLFLOW_TRACKING_URI": "http://mlflow:5000",
    }
    cfg = validate({**minimal(), "storage": "sqlite:///x.db"}, env=env)
    assert cfg["storage"] == env["ODYSSEY_STORAGE"]
    assert cfg["tracking_uri"] == env["MLFLOW_TRACKING_URI"]
    unset = validate({**minimal(), "storage": "sqlite:///x.db"}, env={"ODYSSEY_STORAGE": ""})
    assert unset["storage"] == "sqlite:///x.db"


# ---- rejections: one line naming the key -------------------------------------------------------


def test_typo_in_a_top_level_key() -> None:
    rejects({**minimal(), "sede": 1}, "sede", "unknown key", "did you mean 'seed'")


def test_typo_in_a_nested_key() -> None:
    rejects({"tasks": {"adding": {"n_trial": 4}}}, "tasks.adding.n_trial", "'n_trials'")
    rejects(
        {"tasks": {"adding": {"budget": {"max_epoch": 4}}}},
        "tasks.adding.budget.max_epoch",
        "'max_epochs'",
    )
    rejects({**minimal(), "sweep": {"sampler": "tpe", "prunner": "median"}}, "sweep.prunner")


def test_wrong_types() -> None:
    rejects({"tasks": {"adding": {"n_trials": "4"}}}, "tasks.adding.n_trials", "expected integer")
    rejects({**minimal(), "quick": "yes"}, "quick", "expected boolean")
    rejects({**minimal(), "storage": 3}, "storage", "string or null")
    rejects({**minimal(), "variants": "V"}, "variants", "expected array")
    rejects({"tasks": {"adding": []}}, "tasks.adding", "expected object")
    # PyYAML reads 1e-4 (no dot) as a string: the message says how to write it.
    message = rejects(
        {"tasks": {"adding": {"search_space": {"learning_rate": {"low": "1e-4"}}}}},
        "tasks.adding.search_space.learning_rate.low",
        "expected number",
    )
    assert "1.0e-4" in message


def test_values_out_of_range_or_choice() -> None:
    rejects({"tasks": {"adding": {"n_trials": 0}}}, "tasks.adding.n_trials", ">= 1")
    rejects({**minimal(), "workers_per_study": 0}, "workers_per_study", ">= 1")
    rejects({**minimal(), "sweep": {"sampler": "grid"}}, "sweep.sampler", "random, tpe, qmc")
    rejects({**minimal(), "device": "gpu"}, "device")
    rejects({**minimal(), "variants": ["V", "V"]}, "variants", "unique")
    rejects({**minimal(), "variants": []}, "variants", "at least 1")
    rejects(
        {"tasks": {"adding": {"search_space": {"learning_rate": {"low": 0.1, "high": 0.01}}}}},
        "tasks.adding.search_space.learning_rate",
        "must be below high",
    )
    rejects(
        {"tasks": {"adding": {"search_space": {"hidden_size": {"low": 0}}}}},
        "tasks.adding.search_space.hidden_size.low",
        ">= 1",
    )
    rejects(
        {"tasks": {"adding": {"search_space": {"hidden_size": {"low": 10.5}}}}},
        "tasks.adding.search_space.hidden_size.low",
        "expected integer",
    )
    rejects(
        {"tasks": {"adding": {"search_space": {"learning_rate": {"low": 0.0}}}}},
        "tasks.adding.search_space.learning_rate",
        "low > 0",
    )


def test_missing_or_empty_tasks() -> None:
    rejects({}, "tasks", "required")
    rejects({"tasks": {}}, "tasks", "at least 1")
    with pytest.raises(ConfigError, match="^config: expected a mapping"):
        validate(["tasks"], env=NO_ENV)  # type: ignore[arg-type]


def test_unknown_task() -> None:
    message = rejects({"tasks": {"addin": {}}}, "tasks.addin", "unknown task 'addin'")
    assert "did you mean 'adding'" in message
    for name in tasks.names():
        assert name in message


def test_unknown_task_option() -> None:
    rejects(
        {"tasks": {"adding": {"options": {"lagg": 30}}}},
        "tasks.adding.options.lagg",
        "has no option 'lagg'",
        "did you mean 'lag'",
    )


def test_unknown_variant() -> None:
    message = rejects({**minimal(), "variants": ["V", "LSTM"]}, "variants[1]", "unknown variant")
    for name in variants.names():
        assert name in message
    rejects(
        {**minimal(), "gradients": {"variants": ["RNN", "VV"]}},
        "gradients.variants[1]",
        "did you mean 'V'",
    )
    rejects({**minimal(), "gradients": {"task": "nope"}}, "gradients.task", "unknown task")


def test_missing_data_path(tmp_path: Path) -> None:
    absent = tmp_path / "no" / "jsb.json"
    rejects(
        {"tasks": {"jsb_chorales": {"options": {"data_path": str(absent)}}}},
        "tasks.jsb_chorales.options.data_path",
        "does not exist",
        str(absent),
    )
    present = tmp_path / "jsb.json"
    present.write_text("{}")
    cfg = validate({"tasks": {"jsb_chorales": {"options": {"data_path": str(present)}}}}, env={})
    assert cfg["tasks"]["jsb_chorales"]["options"]["data_path"] == str(present)


def test_load_reads_yaml_and_reports_unreadable_files(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(minimal()))
    assert load(good, env=NO_ENV)["tasks"]["adding"]["n_trials"] == 200
    with pytest.raises(ConfigError, match="^config: cannot read"):
        load(tmp_path / "absent.yaml", env=NO_ENV)
    broken = tmp_path / "broken.yaml"
    broken.write_text("tasks:\n  adding: {n_trials: 3\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load(broken, env=NO_ENV)
    typo = tmp_path / "typo.yaml"
    typo.write_text("tasks:\n  adding:\n    n_trails: 3\n")
    with pytest.raises(ConfigError, match=r"^tasks\.adding\.n_trails: unknown key"):
        load(typo, env=NO_ENV)


# ---- the shipped configurations ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["config.yaml", "smoke.yaml"])
def test_local_configs_validate(name: str) -> None:
    cfg = load(REPO / "config" / name, env=NO_ENV)
    assert cfg["quick"] is True
    assert set(cfg["variants"]) >= set(variants.PAPER_VARIANTS) or name == "smoke.yaml"


@pytest.mark.parametrize("name", ["paper.yaml", "open.yaml"])
def test_cluster_configs_validate_with_their_data(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = yaml.safe_load((REPO / "config" / name).read_text())
    monkeypatch.chdir(tmp_path)  # relative data paths resolve against the working directory
    for entry in raw["tasks"].values():
        path = (entry.get("options") or {}).get("data_path")
        if path:
            Path(path).mkdir(parents=True)
    cfg = validate(raw, env=NO_ENV)
    assert cfg["quick"] is False
    assert set(variants.PAPER_VARIANTS) <= set(cfg["variants"])
    for entry in cfg["tasks"].values():
        assert entry["n_trials"] == 200
        assert entry["budget"]["batch_size"] == 1
        assert entry["budget"]["max_epochs"] == 150
        assert entry["budget"]["patience"] == 15
    if name == "paper.yaml":
        assert set(cfg["tasks"]) == {"timit", "iam_online", "jsb_chorales"}
        assert sorted(cfg["variants"]) == sorted(variants.PAPER_VARIANTS)


def test_schema_path_points_into_the_workflow() -> None:
    assert odyssey_config.SCHEMA_PATH == REPO / "workflow" / "schemas" / "config.schema.yaml"


def test_config_readme_documents_every_key() -> None:
    readme = (REPO / "config" / "README.md").read_text()
    task_schema = schema()["$defs"]["task"]
    paths: list[str] = []

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, sub in node.get("properties", {}).items():
            path = f"{prefix}{key}"
            paths.append(path)
            if not prefix.endswith("search_space."):  # a range is documented as a whole
                walk(sub, f"{path}.")

    walk(schema(), "")
    walk(task_schema, "tasks.<name>.")
    undocumented = [p for p in paths if f"`{p}`" not in readme]
    assert not undocumented, undocumented
