"""Tests of odyssey.sweep.tracking: MLflow runs of a sweep, on SQLite and on a real tracking
server."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from engine_support import free_port, init_config, mlflow_server, tiny_config, work
from mlflow.tracking import MlflowClient

from odyssey.study.locations import default_storage_url, resolve_tracking_uri
from odyssey.sweep.tracking import record_metrics, trial_tags


def _check_runs(client: MlflowClient, cfg: dict, n: int) -> None:
    """One finished child run per finished trial, with params, curves, metrics and tags."""
    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(default_storage_url(cfg["results_dir"]))
    )
    study = optuna.load_study(study_name="test.adding.V", storage=storage)
    by_slot = {t.user_attrs["slot"]: t for t in study.get_trials() if t.state.is_finished()}
    experiment = client.get_experiment_by_name("test.adding")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    assert parents[0].info.run_id == study.user_attrs["mlflow_parent_run_id"]
    assert parents[0].data.tags["n_finished"] == str(n)
    assert len(children) == n and {r.info.status for r in children} == {"FINISHED"}
    for run in children:
        assert run.data.tags["mlflow.parentRunId"] == parents[0].info.run_id
        tags = run.data.tags
        trial = by_slot[int(tags["trial"])]
        record = trial.user_attrs["record"]
        assert tags["task"] == "adding" and tags["variant"] == "V"
        assert tags["seed"] == str(record["seed"]) and tags["device"] == "cpu"
        assert tags["git_commit"] == record["provenance"]["git_commit"]
        assert tags["version.torch"] == record["provenance"]["torch_version"]
        assert tags["stop_reason"] == record["stop_reason"]
        assert float(run.data.params["learning_rate"]) == pytest.approx(
            record["params"]["learning_rate"]
        )
        assert run.data.params["budget.max_epochs"] == str(
            cfg["tasks"]["adding"]["budget"]["max_epochs"]
        )
        assert run.data.metrics["best_valid_metric"] == pytest.approx(trial.value)
        assert run.data.metrics["test_metric"] == pytest.approx(record["test_metric"])
        curve = client.get_metric_history(run.info.run_id, "valid_metric")
        assert [m.step for m in curve] == list(range(record["epochs"] + 1))
        losses = client.get_metric_history(run.info.run_id, "train_loss")
        assert [m.step for m in losses] == list(range(1, record["epochs"] + 1))


def test_default_sqlite_store_holds_one_finished_run_per_trial(tmp_path: Path) -> None:
    cfg = tiny_config(tmp_path, n_trials=2)
    init_config(cfg)
    work(cfg, "adding", "V")
    client = MlflowClient(resolve_tracking_uri(None, tmp_path))
    assert client.tracking_uri == f"sqlite:///{tmp_path.resolve() / 'mlflow.db'}"
    _check_runs(client, cfg, 2)


@pytest.mark.slow
def test_real_mlflow_server_receives_the_sweep(tmp_path: Path) -> None:
    with mlflow_server(tmp_path) as url:
        cfg = tiny_config(tmp_path / "results", n_trials=2, tracking_uri=url)
        init_config(cfg)
        work(cfg, "adding", "V")
        _check_runs(MlflowClient(url), cfg, 2)


def test_unreachable_tracking_server_fails_in_one_line(tmp_path: Path) -> None:
    cfg = tiny_config(tmp_path, tracking_uri=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ValueError, match=r"tracking server http://127\.0\.0\.1:\d+ is unreachable"):
        init_config(cfg)


def test_tags_metrics_and_switching_tracking_off(tmp_path: Path) -> None:
    assert resolve_tracking_uri("none", tmp_path) is None
    assert resolve_tracking_uri("http://h:5000", tmp_path) == "http://h:5000"
    prov = {"git_commit": "abc", "device": "cpu", "versions": {"torch": "2"}}
    tags = trial_tags(study="s", task="t", variant="V", trial=3, number=7, seed=9, provenance=prov)
    assert tags["trial"] == 3 and tags["optuna_trial_number"] == 7 and tags["version.torch"] == "2"
    record = {
        "valid_metric": 0.5,
        "test_metric": 0.25,
        "best_epoch": 2,
        "epochs": 4,
        "n_params": 10,
        "wall_time_s": 1.0,
        "diverged": True,
        "valid_metrics": {"mse": 0.5, "hit": 0.1},
        "test_metrics": {"mse": 0.25, "hit": 0.2},
    }
    metrics = record_metrics(record)
    assert metrics["best_valid_metric"] == 0.5 and metrics["diverged"] == 1.0
    assert metrics["test_hit"] == 0.2 and "valid_metric" not in metrics


def test_writer_thread_keeps_order_and_turns_errors_into_warnings(tmp_path: Path, caplog) -> None:
    from odyssey.sweep.tracking import Tracker

    tracker = Tracker(f"sqlite:///{tmp_path / 'm.db'}")
    experiment = tracker.ensure_experiment("e")
    tracker.start_writer()
    created: list[str] = []
    run = tracker.start_trial(experiment, None, "ok", {"a": 1}, {"t": "x"}, created.append)
    for epoch in range(3):
        run.log_epoch(epoch, {"valid_metric": 0.5 - 0.1 * epoch, "train_loss": None})
    run.finish({"test_metric": 0.25}, {"state": "COMPLETE"})
    broken = tracker.start_trial("999", None, "no such experiment", {}, {})
    broken.finish({"test_metric": 1.0}, {})  # skipped: the run was never created
    with caplog.at_level("WARNING", logger="odyssey.sweep.tracking"):
        tracker.do(lambda: 1 / 0)
        tracker.close()
    assert created == [run.run_id] and broken.run_id is None
    finished = tracker.client.get_run(run.run_id)
    assert finished.info.status == "FINISHED" and finished.data.params == {"a": "1"}
    history = tracker.client.get_metric_history(run.run_id, "valid_metric")
    assert [m.step for m in history] == [0, 1, 2]
    messages = [r.getMessage() for r in caplog.records]
    assert any("MLflow tracking failed" in m and "division by zero" in m for m in messages)
