"""Tests of odyssey.sweep.settle: MLflow put right with the storage after killed workers (a real
SQLite MLflow store, a real in-memory Optuna study)."""

from __future__ import annotations

from pathlib import Path

import optuna
from engine_support import tiny_config

from odyssey.study.spec import StudySpec
from odyssey.sweep.settle import settle_runs


def test_runs_left_running_by_killed_workers_are_settled(tmp_path: Path) -> None:
    """A finished trial whose worker died before its run ended gets FINISHED with the record's
    metrics; a run whose trial failed ends KILLED; a running trial's run is left alone."""
    from odyssey.sweep.tracking import Tracker

    tracker = Tracker(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = tracker.ensure_experiment("e")
    parent = tracker.create_parent(experiment, "study", {})
    study = optuna.create_study()
    finished, failed, running = study.ask(), study.ask(), study.ask()
    record = {"valid_metric": 0.5, "test_metric": 0.6, "best_epoch": 1, "epochs": 2}
    record.update({"n_params": 9, "wall_time_s": 1.0, "diverged": False, "stop_reason": "x"})
    finished.set_user_attr("record", record)
    study.tell(finished, 0.5)
    study.tell(failed, state=optuna.trial.TrialState.FAIL)
    runs = {}
    for trial in (finished, failed, running):
        tags = {"mlflow.parentRunId": parent, "optuna_trial_number": str(trial.number)}
        runs[trial.number] = tracker.client.create_run(experiment, tags=tags).info.run_id
    assert settle_runs(tracker, experiment, parent, study.get_trials()) == 2
    ended = {n: tracker.client.get_run(run_id) for n, run_id in runs.items()}
    assert ended[finished.number].info.status == "FINISHED"
    assert ended[finished.number].data.metrics["best_valid_metric"] == 0.5
    assert ended[failed.number].info.status == "KILLED"
    assert ended[running.number].info.status == "RUNNING"
    assert settle_runs(tracker, experiment, parent, study.get_trials()) == 0  # idempotent


def test_a_finished_trial_without_a_run_gets_one_from_its_record(tmp_path: Path) -> None:
    """A worker killed before its tracking thread created the run: collect makes it, once."""
    from odyssey.sweep.tracking import Tracker

    spec = StudySpec.from_config(tiny_config(tmp_path, n_trials=1), "adding", "V")
    tracker = Tracker(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = tracker.ensure_experiment("e")
    parent = tracker.create_parent(experiment, "study", {})
    study = optuna.create_study()
    trial = study.ask()
    trial.set_user_attr("slot", 0)
    record = {"valid_metric": 0.5, "test_metric": 0.6, "best_epoch": 1, "epochs": 2, "seed": 3}
    record.update({"n_params": 9, "wall_time_s": 1.0, "diverged": False, "stop_reason": "x"})
    record["params"] = {"hidden_size": 8, "learning_rate": 0.01, "momentum": 0.9}
    trial.set_user_attr("record", record)
    study.tell(trial, 0.5)
    assert settle_runs(tracker, experiment, parent, study.get_trials()) == 0  # workers: no run
    assert settle_runs(tracker, experiment, parent, study.get_trials(), spec=spec) == 1
    assert settle_runs(tracker, experiment, parent, study.get_trials(), spec=spec) == 0
    (run,) = tracker.client.search_runs([experiment], f"tags.mlflow.parentRunId = '{parent}'")
    assert run.info.status == "FINISHED" and run.data.tags["trial"] == "0"
    assert run.data.tags["optuna_trial_number"] == str(trial.number)
    assert run.data.params["hidden_size"] == "8" and run.data.metrics["test_metric"] == 0.6


def test_a_rebuilt_run_has_the_params_and_model_tags_of_the_worker_s_run(tmp_path: Path) -> None:
    """The run collect makes from a record names the same params and model as the run the
    worker would have written (provenance tags aside: they are the record's, not this host's)."""
    from engine_support import init_config, study_trials, work

    from odyssey.study.locations import resolve_tracking_uri
    from odyssey.sweep.tracking import Tracker

    cfg = tiny_config(tmp_path, n_trials=1)
    init_config(cfg)
    work(cfg, "adding", "V")
    tracker = Tracker(resolve_tracking_uri(None, tmp_path))
    (written,) = [
        r
        for r in tracker.client.search_runs([tracker.ensure_experiment("test.adding")])
        if "mlflow.parentRunId" in r.data.tags
    ]
    experiment = tracker.ensure_experiment("rebuilt")
    parent = tracker.create_parent(experiment, "study", {})
    spec = StudySpec.from_config(cfg, "adding", "V")
    assert settle_runs(tracker, experiment, parent, study_trials(cfg), spec=spec) == 1
    (rebuilt,) = tracker.client.search_runs([experiment], f"tags.mlflow.parentRunId = '{parent}'")
    assert rebuilt.data.params == written.data.params
    assert any(k.startswith("model.") for k in rebuilt.data.params)
    for key in ("model", "cell", "bidirectional", "num_layers", "frontend", "init", "trial"):
        assert rebuilt.data.tags[key] == written.data.tags[key], key
    assert rebuilt.data.metrics["test_metric"] == written.data.metrics["test_metric"]
