"""Fault tests (issue 12): trials that diverge, run out of time, or meet a corrupt data file.

Each study runs through the real worker (in this process, to spare a process start-up), a real
Optuna journal file and the SQLite MLflow store, and ends with the common checks of
``faults_support.assert_study_intact`` (the report rendered once per test). The unit-level
behaviour (``stop_reason`` of one trial, ``DataError`` of one file) is tested in
``test_trial.py``, ``test_worker.py`` and ``test_airline.py``; here each fault meets a whole study.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
from engine_support import init_config, study_trials, tiny_config, work, write_config
from faults_support import assert_study_intact
from optuna.trial import TrialState

from odyssey import cli
from odyssey.study import config


def test_diverging_trials_finish_and_the_study_goes_on(tmp_path: Path) -> None:
    """A learning rate of 1e5..1e6 makes the loss non-finite in the first epoch: every trial
    stops with ``diverged``, keeps its epoch-0 metric, and the study still gets its N trials."""
    space = {"learning_rate": {"low": 1e5, "high": 1e6}, "hidden_size": {"low": 8, "high": 9}}
    cfg = tiny_config(tmp_path, n_trials=3, search_space=space, budget={"max_epochs": 3})
    init_config(cfg)
    assert work(cfg) == 3
    table = assert_study_intact(cfg, tmp_path, report=True)
    assert set(table["stop_reason"]) == {"diverged"} and table["diverged"].all()
    assert np.isfinite(table["valid_metric"]).all()


def test_trials_over_their_time_limit_finish_and_the_study_goes_on(tmp_path: Path) -> None:
    """``time_limit_s`` of a millisecond: each trial stops after its first epoch with
    ``time_limit``; it is a finished trial, and the study completes."""
    budget = {"max_epochs": 50, "patience": 50, "time_limit_s": 1e-3}
    cfg = tiny_config(tmp_path, n_trials=3, budget=budget)
    init_config(cfg)
    assert work(cfg) == 3
    table = assert_study_intact(cfg, tmp_path, report=True)
    assert set(table["stop_reason"]) == {"time_limit"} and (table["epochs"] == 1).all()


def airline_config(results: Path, series: Path) -> dict:
    """A tiny airline-forecast study reading its series from ``series`` (a CSV we write)."""
    cfg = tiny_config(results, n_trials=2)
    entry = cfg["tasks"].pop("adding")
    entry["options"] = {"data_path": str(series), "window": 4}
    cfg["tasks"] = {"airline": entry}
    return config.validate(cfg, env={})


def test_a_corrupt_data_file_stops_the_worker_in_one_line(tmp_path: Path, capsys) -> None:
    """The series file of a half-done study gets bytes that are not text: the worker command
    ends with one line naming the file before it claims anything; the stored trials are intact;
    with the file restored, the study completes."""
    series = tmp_path / "airline.csv"
    months = [f"{1949 + m // 12}-{m % 12 + 1:02d}" for m in range(144)]
    rows = "".join(f"{month},{100 + i}\n" for i, month in enumerate(months))
    series.write_text("Date,Passengers\n" + rows)
    good = series.read_bytes()
    cfg = airline_config(tmp_path / "results", series)
    init_config(cfg)
    assert work(cfg, "airline", max_trials=1) == 1
    series.write_bytes(good[:200] + b"\xff\xfe\x00garbage" + good[214:])
    config_file = write_config(tmp_path / "config.yaml", cfg)
    argv = ["worker", "--config", str(config_file), "--task", "airline", "--variant", "V"]
    capsys.readouterr()
    assert cli.main(argv) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("odyssey: error: series file"), err
    assert str(series) in err[0]
    states = sorted(t.state.name for t in study_trials(cfg, "V", "airline"))
    assert states == ["COMPLETE", "WAITING"]  # nothing claimed, nothing half-written
    optuna.load_study(study_name="test.airline.V", storage=_journal(cfg))  # the journal loads
    series.write_bytes(good)
    assert work(cfg, "airline") == 1
    assert_study_intact(cfg, tmp_path / "results", task="airline", report=True)
    assert all(t.state == TrialState.COMPLETE for t in study_trials(cfg, "V", "airline"))


def _journal(cfg: dict) -> optuna.storages.BaseStorage:
    from odyssey.study.locations import default_storage_url
    from odyssey.sweep.storage import open_storage

    return open_storage(default_storage_url(cfg["results_dir"]))
