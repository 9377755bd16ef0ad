"""Tests of odyssey.sweep.studies: changed settings and missing stores fail in one line; a fresh
MLflow store under a journal's old URI gets a new parent run."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from engine_support import (
    clean_env,
    free_port,
    init_config,
    odyssey_cmd,
    tiny_config,
    work,
    write_config,
)


def test_changed_settings_and_missing_init_fail_in_one_line(tmp_path: Path) -> None:
    cfg = tiny_config(tmp_path, n_trials=1, tracking_uri="none")
    with pytest.raises(ValueError, match="run `odyssey init --config ...` before any worker"):
        work(cfg, "adding", "V")
    init_config(cfg)
    changed = tiny_config(tmp_path, n_trials=1, budget={"max_epochs": 9}, tracking_uri="none")
    with pytest.raises(ValueError, match="created with other settings .*max_epochs") as info:
        init_config(changed)
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="has other settings than this config"):
        work(changed, "adding", "V")
    other_variant = tiny_config(tmp_path, n_trials=1, variants=["V", "NP"], tracking_uri="none")
    with pytest.raises(ValueError, match="'test.adding.NP' is not in storage"):
        work(other_variant, "adding", "NP")


def test_unreachable_storage_url_fails_in_one_line(tmp_path: Path) -> None:
    url = f"postgresql+psycopg2://odyssey:secret@127.0.0.1:{free_port()}/odyssey"
    cfg = tiny_config(tmp_path, storage=url, tracking_uri=f"sqlite:///{tmp_path}/m.db")
    with pytest.raises(ValueError, match="is unreachable or invalid: .*refused") as info:
        init_config(cfg)
    assert "\n" not in str(info.value) and "secret" not in str(info.value)
    assert "odyssey:***@127.0.0.1" in str(info.value)


def test_a_fresh_tracking_store_gets_a_new_parent_run_and_the_missing_trial_runs(
    tmp_path: Path,
) -> None:
    """A fresh clone resuming from a committed journal has a new, empty MLflow store under the
    same URI: init must not look up the journal's old parent run there, but make a new one, and
    ``collect`` then gives every finished trial its run in the new store."""
    from mlflow.tracking import MlflowClient

    from odyssey.study.locations import resolve_tracking_uri
    from odyssey.study.spec import StudySpec
    from odyssey.sweep.settle import settle_study

    cfg = tiny_config(tmp_path, n_trials=1)
    config = write_config(tmp_path / "one.yaml", cfg)  # in its own processes, as a past machine
    for args in (("init",), ("worker", "--task", "adding", "--variant", "V")):
        subprocess.run(odyssey_cmd(*args, "--config", str(config)), env=clean_env(), check=True)
    uri = resolve_tracking_uri(None, tmp_path)
    old_parent = _study(cfg).user_attrs["mlflow_parent_run_id"]
    (tmp_path / "mlflow.db").unlink()  # the store is not committed; the journal is
    more = tiny_config(tmp_path, n_trials=2)
    init_config(more)
    study = _study(more)
    new_parent = study.user_attrs["mlflow_parent_run_id"]
    assert new_parent != old_parent
    work(more, "adding", "V")
    assert settle_study(StudySpec.from_config(more, "adding", "V"), _study(more), uri) == 1
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("test.adding")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert [p.info.run_id for p in parents] == [new_parent]
    assert parents[0].info.status == "FINISHED" and parents[0].data.tags["n_finished"] == "2"
    assert sorted(int(r.data.tags["trial"]) for r in children) == [0, 1]
    assert {r.info.status for r in children} == {"FINISHED"}
    assert {r.data.tags["mlflow.parentRunId"] for r in children} == {new_parent}


def _study(cfg: dict):
    """Study test.adding.V of a config, loaded from its journal."""
    import optuna

    from odyssey.study.locations import default_storage_url

    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(default_storage_url(cfg["results_dir"]))
    )
    return optuna.load_study(study_name="test.adding.V", storage=storage)
