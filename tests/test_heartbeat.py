"""Tests of odyssey.sweep.heartbeat: heartbeats beside a journal file and in a database."""

from __future__ import annotations

import time
from pathlib import Path

import optuna

from odyssey.study.locations import default_storage_url
from odyssey.sweep.heartbeat import Liveness, settle_runs
from odyssey.sweep.storage import open_storage


def test_heartbeats_beside_a_journal_and_in_a_database(tmp_path: Path) -> None:
    for url in (default_storage_url(tmp_path), f"sqlite:///{tmp_path / 'optuna.db'}"):
        storage = open_storage(url, create=True)
        study = optuna.create_study(storage=storage, study_name="s")
        trial = study.ask()
        liveness = Liveness(storage, url)
        frozen = storage.get_trial(trial._trial_id)
        started = frozen.datetime_start.timestamp()
        assert liveness.last(frozen) == started  # no beat yet: its start counts
        time.sleep(0.05)
        assert liveness.beat(trial._trial_id)
        beat = liveness.last(storage.get_trial(trial._trial_id))
        assert beat > started and abs(beat - time.time()) < 5
        if liveness.folder is not None:
            assert Path(f"{url}.heartbeats", f"trial-{trial._trial_id}").exists()
            assert storage.get_trial(trial._trial_id).system_attrs == {}  # journal untouched
        liveness.clear(trial._trial_id)
        study.tell(trial, 1.0)
        if liveness.folder is None:
            assert not liveness.beat(trial._trial_id)  # finished: the beating stops


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
