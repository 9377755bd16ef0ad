"""The checks every fault test ends with, and the workers the fault tests start and kill.

Not a test module. :func:`assert_study_intact` is the common check of issue 12: exactly N finished
trials, no slot or parameter set finished twice, the trials table equal to the storage, one
FINISHED MLflow child run per finished trial and none left RUNNING, and (once per test) the report
rendered from that table. :class:`Workers` starts ``odyssey worker`` processes, each in its own
session, and signals only those.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
from engine_support import assert_exactly_n, clean_env, odyssey_cmd, study_trials
from optuna.trial import TrialState

from odyssey.study.locations import Locations
from odyssey.study.spec import StudySpec


def assert_study_intact(
    cfg: dict[str, Any],
    out: Path,
    *,
    task: str = "adding",
    variant: str = "V",
    report: bool = False,
) -> pd.DataFrame:
    """Assert that study (``task``, ``variant``) of ``cfg`` is whole; return its trials table.

    ``report=True`` also renders the report from the table (the costly step: once per test).
    """
    n = cfg["tasks"][task]["n_trials"]
    trials = study_trials(cfg, variant, task)
    done = assert_exactly_n(trials, n)
    assert all(t.state == TrialState.COMPLETE for t in done.values())
    left = [t.number for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    assert not left, f"trials left RUNNING or WAITING: {left}"
    table = assert_table_matches(cfg, out, task, variant, done)
    if Locations.from_config(cfg).tracking_uri is not None:  # null is the SQLite default
        assert_runs_match(cfg, task, variant, done)
    if report:
        render_report(cfg, task, out / "trials" / f"{task}.csv", out / "report")
    return table


def assert_table_matches(
    cfg: dict[str, Any], out: Path, task: str, variant: str, done: dict[int, Any]
) -> pd.DataFrame:
    """The trials table written by ``collect_task`` holds exactly what the storage holds."""
    from odyssey.sweep.collect import collect_task

    spec = StudySpec.from_config(cfg, task, variant)
    csv = out / "trials" / f"{task}.csv"
    table = collect_task([spec], Locations.from_config(cfg), csv)
    assert sorted(table["trial"]) == sorted(done)
    for row in table.itertuples():
        trial = done[row.trial]
        record = trial.user_attrs["record"]
        assert row.valid_metric == trial.value == record["valid_metric"]
        assert row.stop_reason == record["stop_reason"] and row.state == "COMPLETE"
        assert row.hidden_size == record["params"]["hidden_size"]
        assert math.isclose(row.learning_rate, record["params"]["learning_rate"])
    pd.testing.assert_frame_equal(pd.read_csv(csv), table, check_dtype=False)
    return table


def assert_runs_match(cfg: dict[str, Any], task: str, variant: str, done: dict[int, Any]) -> None:
    """One FINISHED MLflow child run per finished trial (its Optuna number), none RUNNING."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(Locations.from_config(cfg).tracking_uri)
    experiment = client.get_experiment_by_name(f"{cfg['study']}.{task}")
    runs = client.search_runs([experiment.experiment_id], max_results=5000)
    running = [r.info.run_name for r in runs if r.info.status == "RUNNING"]
    assert not running, f"MLflow runs left RUNNING: {running}"
    finished = [
        r
        for r in runs
        if r.data.tags.get("variant") == variant
        and "mlflow.parentRunId" in r.data.tags
        and r.info.status == "FINISHED"
    ]
    numbers = sorted(int(r.data.tags["optuna_trial_number"]) for r in finished)
    assert numbers == sorted(t.number for t in done.values()), numbers
    for run in finished:
        trial = done[int(run.data.tags["trial"])]
        assert run.data.metrics["best_valid_metric"] == trial.value


def render_report(cfg: dict[str, Any], task: str, trials_csv: Path, out: Path) -> Path:
    """Analyse one trials table and render the report from it, as the pipeline does."""
    from odyssey.analysis.analyse import analyse_task
    from odyssey.render.report import build_report

    space = cfg["tasks"][task]["search_space"]
    analyse_task(trials_csv, out / "analysis", quick=True, search_space=space)
    pdf = build_report(cfg, [out / "analysis"], None, out / "odyssey.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    return pdf


class Workers:
    """``odyssey worker`` processes of one study, each in its own session (log files in
    ``folder``); :meth:`kill` and :meth:`close` signal only the processes started here."""

    def __init__(self, config: Path, folder: Path, variant: str = "V") -> None:
        self.config, self.folder, self.variant = config, folder, variant
        self.live: dict[int, subprocess.Popen] = {}
        self.ended: list[subprocess.Popen] = []
        self.started = 0

    def start(self, index: int) -> subprocess.Popen:
        """Start worker ``index``; return its process."""
        command = odyssey_cmd(
            "worker", "--config", str(self.config), "--task", "adding", "--variant", self.variant
        )
        log = self.folder / f"worker-{self.started:03d}.log"
        self.started += 1
        with open(log, "wb") as sink:
            process = subprocess.Popen(
                [*command, "--worker-index", str(index)],
                env=clean_env(),
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process.log = log  # type: ignore[attr-defined]
        self.live[process.pid] = process
        return process

    def kill(self, pid: int) -> None:
        """SIGKILL one of these workers and reap it."""
        process = self.live.pop(pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        process.wait(timeout=60)
        self.ended.append(process)

    def reap(self) -> list[subprocess.Popen]:
        """The workers that ended by themselves since the last call (removed from ``live``)."""
        gone = [p for p in self.live.values() if p.poll() is not None]
        for process in gone:
            del self.live[process.pid]
            self.ended.append(process)
        return gone

    def wait_all(self, timeout: float = 300) -> None:
        """Wait for the live workers to finish; each must end with status 0."""
        for pid in list(self.live):
            process = self.live.pop(pid)
            process.wait(timeout=timeout)
            self.ended.append(process)
            log = process.log.read_text(errors="replace")[-3000:]  # type: ignore[attr-defined]
            assert process.returncode == 0, log

    def close(self) -> None:
        """SIGKILL whatever is still running (a failed test), each process group started here."""
        for pid, process in list(self.live.items()):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            process.wait(timeout=60)
        self.live.clear()
