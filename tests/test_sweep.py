"""Tests of odyssey.sweep.worker: search space, enqueued slots, workers, kills, PostgreSQL.

Every storage here is real: Optuna journal files, SQLite, and a PostgreSQL server started by the
test. Workers run as separate processes through the ``odyssey worker`` command line.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import time
from pathlib import Path

import optuna
import pytest
from engine_support import (
    TINY_TASK,
    clean_env,
    free_port,
    odyssey_cmd,
    postgres_binaries,
    postgres_server,
    tiny_config,
    write_config,
)
from optuna.trial import TrialState

from odyssey.study import seeds
from odyssey.study.locations import default_storage_url
from odyssey.study.spec import StudySpec
from odyssey.sweep.storage import open_storage
from odyssey.sweep.worker import (
    RUN_ATTR,
    Liveness,
    WorkerStats,
    _claim,
    _Worker,
    distributions,
    finished_slots,
    init_storage,
    repair_slots,
    run_worker,
)


def _trials(cfg: dict, variant: str = "V") -> list:
    url = cfg["storage"] or default_storage_url(cfg["results_dir"])
    storage = (
        optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(url))
        if ("://" not in url)
        else optuna.storages.RDBStorage(url)
    )
    name = f"{cfg['study']}.adding.{variant}"
    return optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False)


def _assert_exactly_n(trials: list, n: int) -> dict:
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    slots = sorted(t.user_attrs["slot"] for t in finished)
    assert slots == list(range(n)), slots
    params = [json.dumps(t.params, sort_keys=True) for t in finished]
    assert len(set(params)) == n  # no parameter set ran twice
    return {t.user_attrs["slot"]: t for t in finished}


# ---- one worker in this process ----------------------------------------------------------------


def test_worker_runs_exactly_the_enqueued_slots_and_extends(tmp_path: Path) -> None:
    cfg = tiny_config(tmp_path, n_trials=3)
    init_storage(cfg)
    init_storage(cfg)  # idempotent
    assert run_worker(cfg, "adding", "V") == 3
    assert run_worker(cfg, "adding", "V") == 0  # complete: nothing more to do
    spec = StudySpec.from_config(cfg, "adding", "V")
    done = _assert_exactly_n(_trials(cfg), 3)
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
    init_storage(cfg)  # nothing to add: the finished parent run stays finished
    assert client.get_run(parent_id).info.status == "FINISHED"

    bigger = tiny_config(tmp_path, n_trials=5)
    init_storage(bigger)
    assert client.get_run(parent_id).info.status == "RUNNING"
    assert run_worker(bigger, "adding", "V") == 2
    again = _assert_exactly_n(_trials(bigger), 5)
    for slot in range(3):  # the first trials are kept, not re-run
        assert again[slot].number == done[slot].number
    assert again[4].params == StudySpec.from_config(bigger, "adding", "V").draw_params(4)

    runs = client.search_runs([client.get_experiment_by_name("test.adding").experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"  # reopened, ended again
    assert parents[0].data.tags["n_finished"] == "5" and len(runs) == 6


def test_changed_settings_and_missing_init_fail_in_one_line(tmp_path: Path) -> None:
    cfg = tiny_config(tmp_path, n_trials=1, tracking_uri="none")
    with pytest.raises(ValueError, match="run `odyssey init --config ...` before any worker"):
        run_worker(cfg, "adding", "V")
    init_storage(cfg)
    changed = tiny_config(tmp_path, n_trials=1, budget={"max_epochs": 9}, tracking_uri="none")
    with pytest.raises(ValueError, match="created with other settings .*max_epochs") as info:
        init_storage(changed)
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="has other settings than this config"):
        run_worker(changed, "adding", "V")
    other_variant = tiny_config(tmp_path, n_trials=1, variants=["V", "NP"], tracking_uri="none")
    with pytest.raises(ValueError, match="'test.adding.NP' is not in storage"):
        run_worker(other_variant, "adding", "NP")


def test_unreachable_storage_url_fails_in_one_line(tmp_path: Path) -> None:
    url = f"postgresql+psycopg2://odyssey:secret@127.0.0.1:{free_port()}/odyssey"
    cfg = tiny_config(tmp_path, storage=url, tracking_uri=f"sqlite:///{tmp_path}/m.db")
    with pytest.raises(ValueError, match="is unreachable or invalid: .*refused") as info:
        init_storage(cfg)
    assert "\n" not in str(info.value) and "secret" not in str(info.value)
    assert "odyssey:***@127.0.0.1" in str(info.value)


def test_diverging_trials_are_finished_trials(tmp_path: Path) -> None:
    space = {"learning_rate": {"low": 1e5, "high": 1e6}, "hidden_size": {"low": 8, "high": 9}}
    cfg = tiny_config(tmp_path, n_trials=2, search_space=space, budget={"max_epochs": 5})
    spec = StudySpec.from_config(cfg, "adding", "V")
    init_storage(default_storage_url(tmp_path), [spec], None)  # low-level API, no tracking
    assert run_worker(spec, default_storage_url(tmp_path), None, device="cpu", threads=1) == 2
    done = _assert_exactly_n(_trials(cfg), 2)
    for trial in done.values():
        assert trial.state == TrialState.COMPLETE
        assert trial.user_attrs["record"]["stop_reason"] == "diverged"
        assert math.isfinite(trial.value)


def test_tpe_with_median_pruner_and_qmc(tmp_path: Path) -> None:
    cfg = tiny_config(
        tmp_path, n_trials=4, sweep={"sampler": "tpe", "pruner": "median"}, tracking_uri=None
    )
    url = default_storage_url(tmp_path)
    spec = StudySpec.from_config(cfg, "adding", "V")
    qmc = StudySpec.from_config({**cfg, "sweep": {**cfg["sweep"], "sampler": "qmc"}}, "adding", "V")
    qmc = StudySpec(**{**qmc.__dict__, "variant": "NP"})
    init_storage(url, [spec, qmc], None)
    assert run_worker(spec, url, None) == 4
    assert run_worker(qmc, url, None) == 4
    for variant, study_spec in (("V", spec), ("NP", qmc)):
        done = _assert_exactly_n(_trials(cfg, variant), 4)
        for trial in done.values():
            for key, dist in distributions(study_spec).items():
                assert dist.low <= trial.params[key] <= dist.high
            assert trial.intermediate_values  # per-epoch reports for the pruner


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


def test_a_trial_failed_by_another_worker_is_dropped_not_raised(tmp_path: Path) -> None:
    cfg = tiny_config(tmp_path, n_trials=1, tracking_uri="none")
    init_storage(cfg)
    spec = StudySpec.from_config(cfg, "adding", "V")
    url = default_storage_url(tmp_path)
    worker = _Worker(spec, url, None, None, "cpu", 1, 0, WorkerStats())
    claimed = _claim(worker.storage, worker.study, spec, worker.study.get_trials())
    worker.storage.set_trial_state_values(claimed._trial_id, TrialState.FAIL)  # "stale" elsewhere
    worker.run_trial(claimed, 0)  # reports into a FAIL trial: dropped with a warning
    assert run_worker(spec, url, None) == 1  # the slot is repaired and run again
    trials = _trials(cfg)
    _assert_exactly_n(trials, 1)
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.COMPLETE]


def test_a_slot_that_keeps_raising_is_not_retried_forever(tmp_path: Path) -> None:
    spec = StudySpec("adding", dict(TINY_TASK), "V", 2, {}, budget={"max_epochs": 1})
    url = default_storage_url(tmp_path)
    init_storage(url, [spec], None)
    storage = open_storage(url)
    study = optuna.load_study(study_name=spec.name, storage=storage)
    reasons = [
        "stale heartbeat",
        "_Interrupted: signal 15",
        "RuntimeError: boom 1",
        "RuntimeError: boom 2",
        "RuntimeError: boom 3",
    ]
    for attempt, reason in enumerate(reasons):
        if attempt:  # kills and interrupts do not count: slot 0 is enqueued again
            assert repair_slots(study, spec, study.get_trials()) == 1
        waiting = [t for t in study.get_trials() if t.state == TrialState.WAITING]
        slot0 = next(t for t in waiting if t.user_attrs["slot"] == 0)
        storage.set_trial_state_values(slot0._trial_id, TrialState.RUNNING)
        storage.set_trial_user_attr(slot0._trial_id, "fail_reason", reason)
        storage.set_trial_state_values(slot0._trial_id, TrialState.FAIL)
    with pytest.raises(ValueError, match=r"trial 0 failed 3 times \(last: RuntimeError: boom 3\)"):
        repair_slots(study, spec, study.get_trials())


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
    init_storage(cfg)
    _wait(
        [_worker(config, "V", "--worker-index", "0"), _worker(config, "V", "--worker-index", "1")]
    )
    trials = _trials(cfg)
    _assert_exactly_n(trials, 6)
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
    init_storage(cfg)
    victim = _worker(config)
    deadline = time.monotonic() + 120
    while True:  # wait until a trial is well inside its training
        running = [t for t in _trials(cfg) if t.state == TrialState.RUNNING]
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
    trials = _trials(cfg)
    done = _assert_exactly_n(trials, 2)
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
    init_storage(cfg)
    worker = _worker(config)
    deadline = time.monotonic() + 120
    while not any(t.state == TrialState.RUNNING and t.intermediate_values for t in _trials(cfg)):
        assert worker.poll() is None and time.monotonic() < deadline, "worker ended too early"
        time.sleep(0.2)
    worker.send_signal(signal.SIGTERM)
    out, _ = worker.communicate(timeout=60)
    assert worker.returncode == 130, out
    (failed,) = _trials(cfg)
    assert failed.state == TrialState.FAIL and "signal 15" in failed.user_attrs["fail_reason"]
    started = time.monotonic()
    spec = StudySpec.from_config(cfg, "adding", "V")
    assert run_worker(spec, default_storage_url(tmp_path), None) == 1
    assert time.monotonic() - started < 60  # no wait for a stale heartbeat (30 s here)
    _assert_exactly_n(_trials(cfg), 1)


@pytest.mark.slow
@pytest.mark.skipif(postgres_binaries() is None, reason="PostgreSQL binaries or root absent")
def test_two_workers_on_a_real_postgresql_server(tmp_path: Path) -> None:
    with postgres_server() as url:
        cfg = tiny_config(tmp_path, n_trials=4, storage=url, tracking_uri="none")
        config = write_config(tmp_path / "config.yaml", cfg)
        init_storage(cfg)
        _wait([_worker(config), _worker(config, "V", "--worker-index", "1")])
        trials = _trials(cfg)
        _assert_exactly_n(trials, 4)
        assert len(trials) == 4
        assert all(t.user_attrs["record"]["stop_reason"] for t in trials)
        assert finished_slots(trials, 4).keys() == {0, 1, 2, 3}
