"""Tests of odyssey.sweep.worker: enqueued slots run exactly once, kills, SIGTERM, PostgreSQL.

Every storage here is real: Optuna journal files, SQLite, and a PostgreSQL server started by the
test. Workers run in this process and as separate processes through the ``odyssey worker`` command
line.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import time
from pathlib import Path

import optuna
import pytest
from engine_support import (
    assert_exactly_n,
    clean_env,
    init_config,
    odyssey_cmd,
    study_trials,
    tiny_config,
    work,
    write_config,
)
from optuna.trial import TrialState
from pg_support import missing, postgres_server

from odyssey.study import seeds
from odyssey.study.locations import Locations, default_storage_url
from odyssey.study.spec import StudySpec
from odyssey.sweep.heartbeat import RUN_ATTR
from odyssey.sweep.slots import claim_slot, finished_slots
from odyssey.sweep.storage import open_storage
from odyssey.sweep.studies import init_storage
from odyssey.sweep.worker import Worker, WorkerStats, run_worker

# ---- one worker in this process ----------------------------------------------------------------


def test_worker_runs_exactly_the_enqueued_slots_and_extends(tmp_path: Path) -> None:
    cfg = tiny_config(tmp_path, n_trials=3)
    init_config(cfg)
    init_config(cfg)  # idempotent
    assert work(cfg, "adding", "V") == 3
    assert work(cfg, "adding", "V") == 0  # complete: nothing more to do
    spec = StudySpec.from_config(cfg, "adding", "V")
    done = assert_exactly_n(study_trials(cfg), 3)
    for slot, trial in done.items():
        assert trial.params == spec.draw_params(slot)
        record = trial.user_attrs["record"]
        assert record["seed"] == seeds.trial_seed(cfg["seed"], "adding", "V", slot)
        assert trial.value == record["valid_metric"]

    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    parent_id = optuna.load_study(
        study_name="test.adding.V", storage=open_storage(default_storage_url(tmp_path))
    ).user_attrs["mlflow_parent_run_id"]
    init_config(cfg)  # nothing to add: the finished parent run stays finished
    assert client.get_run(parent_id).info.status == "FINISHED"

    bigger = tiny_config(tmp_path, n_trials=5)
    init_config(bigger)
    assert client.get_run(parent_id).info.status == "RUNNING"
    assert work(bigger, "adding", "V") == 2
    again = assert_exactly_n(study_trials(bigger), 5)
    for slot in range(3):  # the first trials are kept, not re-run
        assert again[slot].number == done[slot].number
    assert again[4].params == StudySpec.from_config(bigger, "adding", "V").draw_params(4)

    runs = client.search_runs([client.get_experiment_by_name("test.adding").experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"  # reopened, ended again
    assert parents[0].data.tags["n_finished"] == "5" and len(runs) == 6


def test_diverging_trials_are_finished_trials(tmp_path: Path) -> None:
    space = {"learning_rate": {"low": 1e5, "high": 1e6}, "hidden_size": {"low": 8, "high": 9}}
    cfg = tiny_config(tmp_path, n_trials=2, search_space=space, budget={"max_epochs": 5})
    spec = StudySpec.from_config(cfg, "adding", "V")
    init_storage([spec], Locations(default_storage_url(tmp_path)))  # no tracking
    assert run_worker(spec, Locations(default_storage_url(tmp_path)), device="cpu", threads=1) == 2
    done = assert_exactly_n(study_trials(cfg), 2)
    for trial in done.values():
        assert trial.state == TrialState.COMPLETE
        assert trial.user_attrs["record"]["stop_reason"] == "diverged"
        assert math.isfinite(trial.value)


def test_a_trial_failed_by_another_worker_is_dropped_not_raised(tmp_path: Path) -> None:
    cfg = tiny_config(tmp_path, n_trials=1, tracking_uri="none")
    init_config(cfg)
    spec = StudySpec.from_config(cfg, "adding", "V")
    url = default_storage_url(tmp_path)
    worker = Worker(spec, Locations(url), "cpu", 1, 0, WorkerStats())
    claimed = claim_slot(worker.storage, worker.study, spec, worker.study.get_trials())
    worker.storage.set_trial_state_values(claimed._trial_id, TrialState.FAIL)  # "stale" elsewhere
    worker.run_trial(claimed, 0)  # reports into a FAIL trial: dropped with a warning
    assert run_worker(spec, Locations(url)) == 1  # the slot is repaired and run again
    trials = study_trials(cfg)
    assert_exactly_n(trials, 1)
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.COMPLETE]


# ---- several processes ---------------------------------------------------------------------------


def _worker(config: Path, variant: str = "V", *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        odyssey_cmd(
            "worker", "--config", str(config), "--task", "adding", "--variant", variant, *extra
        ),
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait(processes: list[subprocess.Popen], timeout: float = 240) -> None:
    for process in processes:
        out, _ = process.communicate(timeout=timeout)
        assert process.returncode == 0, out


@pytest.mark.slow
def test_two_worker_processes_finish_exactly_n_trials(tmp_path: Path) -> None:
    cfg = tiny_config(tmp_path, n_trials=6)
    config = write_config(tmp_path / "config.yaml", cfg)
    init_config(cfg)
    _wait(
        [_worker(config, "V", "--worker-index", "0"), _worker(config, "V", "--worker-index", "1")]
    )
    trials = study_trials(cfg)
    assert_exactly_n(trials, 6)
    assert len(trials) == 6  # no duplicate was even created

    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("test.adding")
    runs = client.search_runs([experiment.experiment_id])
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert sorted(int(r.data.tags["trial"]) for r in children) == list(range(6))
    assert {r.info.status for r in runs} == {"FINISHED"}


@pytest.mark.slow
def test_sigkilled_worker_is_detected_and_its_trial_rerun(tmp_path: Path) -> None:
    cfg = tiny_config(
        tmp_path,
        n_trials=2,
        options={"lag": 10, "sizes": {"train": 32, "valid": 8, "test": 8}},
        budget={"max_epochs": 25, "patience": 25},
        sweep={"heartbeat_s": 1},
    )
    config = write_config(tmp_path / "config.yaml", cfg)
    init_config(cfg)
    victim = _worker(config)
    deadline = time.monotonic() + 120
    while True:  # wait until a trial is well inside its training
        running = [t for t in study_trials(cfg) if t.state == TrialState.RUNNING]
        if (
            running
            and running[0].intermediate_values  # epoch 0 evaluated: inside the trial
            and RUN_ATTR in running[0].system_attrs  # its MLflow run exists
        ):
            break
        assert victim.poll() is None and time.monotonic() < deadline, "worker ended too early"
        time.sleep(0.2)
    killed_slot = running[0].user_attrs["slot"]
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate(timeout=30)

    _wait([_worker(config)])
    trials = study_trials(cfg)
    done = assert_exactly_n(trials, 2)
    failed = [t for t in trials if t.state == TrialState.FAIL]
    assert len(failed) == 1 and failed[0].user_attrs["fail_reason"] == "stale heartbeat"
    assert failed[0].user_attrs["slot"] == killed_slot
    assert failed[0].params == done[killed_slot].params  # the same parameters ran again

    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("test.adding")
    children = [
        r
        for r in client.search_runs([experiment.experiment_id])
        if "mlflow.parentRunId" in r.data.tags
    ]
    statuses = sorted(r.info.status for r in children)
    assert statuses == ["FINISHED", "FINISHED", "KILLED"]


@pytest.mark.slow
def test_sigterm_fails_the_running_trial_at_once(tmp_path: Path) -> None:
    cfg = tiny_config(
        tmp_path,
        n_trials=1,
        tracking_uri="none",
        budget={"max_epochs": 30, "patience": 30},
        options={"lag": 10, "sizes": {"train": 32, "valid": 8, "test": 8}},
    )
    config = write_config(tmp_path / "config.yaml", cfg)
    init_config(cfg)
    worker = _worker(config)
    deadline = time.monotonic() + 120
    while not any(
        t.state == TrialState.RUNNING and t.intermediate_values for t in study_trials(cfg)
    ):
        assert worker.poll() is None and time.monotonic() < deadline, "worker ended too early"
        time.sleep(0.2)
    worker.send_signal(signal.SIGTERM)
    out, _ = worker.communicate(timeout=60)
    assert worker.returncode == 130, out
    (failed,) = study_trials(cfg)
    assert failed.state == TrialState.FAIL and "signal 15" in failed.user_attrs["fail_reason"]
    started = time.monotonic()
    spec = StudySpec.from_config(cfg, "adding", "V")
    assert run_worker(spec, Locations(default_storage_url(tmp_path))) == 1
    assert time.monotonic() - started < 60  # no wait for a stale heartbeat (30 s here)
    assert_exactly_n(study_trials(cfg), 1)


@pytest.mark.slow
@pytest.mark.skipif(missing() is not None, reason=str(missing()))
def test_two_workers_on_a_real_postgresql_server(tmp_path: Path) -> None:
    with postgres_server() as server:
        cfg = tiny_config(tmp_path, n_trials=4, storage=server.url, tracking_uri="none")
        config = write_config(tmp_path / "config.yaml", cfg)
        init_config(cfg)
        _wait([_worker(config), _worker(config, "V", "--worker-index", "1")])
        trials = study_trials(cfg)
        assert_exactly_n(trials, 4)
        assert len(trials) == 4
        assert all(t.user_attrs["record"]["stop_reason"] for t in trials)
        assert finished_slots(trials, 4).keys() == {0, 1, 2, 3}
