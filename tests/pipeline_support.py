"""Helpers for the tests that run the Snakemake pipeline in a temporary copy of the repository.

Not a test module: copying the checkout, running Snakemake in it (in its own process group, always
ended), reading its job table, its config, its storage and its trials tables.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from odyssey.study.config import load
from odyssey.study.models import model_names

REPO = Path(__file__).resolve().parent.parent
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
PARAM_COLUMNS = ["hidden_size", "learning_rate", "momentum", "input_noise"]


def copy_repo(dest: Path) -> Path:
    """Copy the files git knows of (tracked, and untracked but not ignored) into ``dest``."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    for raw in listing.split(b"\0"):
        if not raw:
            continue
        source = REPO / raw.decode()
        if source.is_file():
            target = dest / raw.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def environment(copy: Path) -> dict[str, str]:
    """The environment of a pipeline run in ``copy``: its own packages, no outside storage."""
    env = dict(os.environ)
    for name in ("ODYSSEY_STORAGE", "MLFLOW_TRACKING_URI", "ODYSSEY_RESOURCES"):
        env.pop(name, None)
    env["PYTHONPATH"] = str(copy)
    return env


def start_snakemake(
    copy: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start Snakemake in ``copy`` in its own process group (stdout and stderr merged); ``env``
    defaults to :func:`environment`."""
    return subprocess.Popen(
        [str(SNAKEMAKE), *args],
        cwd=copy,
        env=environment(copy) if env is None else env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def snakemake(
    copy: Path,
    *args: str,
    timeout: float = 300,
    check: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run Snakemake in ``copy`` to its end and return the finished process."""
    process = start_snakemake(copy, *args, env=env)
    try:
        output, _ = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:  # timed out: end Snakemake and its jobs
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    done = subprocess.CompletedProcess(process.args, process.returncode, output)
    if check and done.returncode != 0:
        tail = done.stdout[-6000:]
        pytest.fail(f"snakemake {' '.join(args)} failed ({done.returncode}):\n{tail}")
    return done


def job_count(output: str) -> dict[str, int]:
    """The job-stats table of a Snakemake run or dry run, as {rule: count} plus 'total'."""
    counts: dict[str, int] = {}
    table = output[output.rindex("Job stats:") :]
    for line in table.splitlines()[3:]:
        match = re.fullmatch(r"(\w+)\s+(\d+)", line.strip())
        if not match:
            break
        counts[match.group(1)] = int(match.group(2))
    return counts


def load_config(copy: Path, name: str) -> dict[str, Any]:
    """The validated config ``config/<name>`` of ``copy``."""
    cwd = Path.cwd()
    os.chdir(copy)  # relative data paths resolve against the working directory
    try:
        return load(copy / "config" / name, env={})
    finally:
        os.chdir(cwd)


def study_trials(copy: Path, cfg: dict[str, Any]) -> dict[tuple[str, str], list[Any]]:
    """Every trial of every study in the storage of the run in ``copy``, by (task, variant)."""
    import optuna

    from odyssey.study.locations import resolve_storage_url
    from odyssey.sweep.storage import open_storage

    url = resolve_storage_url(cfg["storage"], copy / cfg["results_dir"])
    storage = open_storage(url)
    out: dict[tuple[str, str], list[Any]] = {}
    for summary in optuna.get_all_study_summaries(storage, include_best_trial=False):
        study = optuna.load_study(study_name=summary.study_name, storage=storage)
        key = (summary.user_attrs["task"], summary.user_attrs["variant"])
        out[key] = study.get_trials(deepcopy=False)
    return out


def check_trials_table(table: pd.DataFrame, task: str, cfg: dict[str, Any]) -> None:
    """One COMPLETE row per trial, n_trials per variant, distinct parameters, finite metrics."""
    n_trials = cfg["tasks"][task]["n_trials"]
    assert set(table["task"]) == {task}
    assert sorted(table["variant"].unique()) == sorted(model_names(cfg))
    assert (table["state"] == "COMPLETE").all()
    for variant, rows in table.groupby("variant"):
        assert len(rows) == n_trials, (variant, len(rows))
        assert rows["trial"].is_unique
        assert not rows.duplicated(PARAM_COLUMNS).any(), rows[PARAM_COLUMNS]
    for column in ("valid_metric", "test_metric", "n_params", "epochs", "wall_time_s"):
        assert table[column].notna().all(), column
    assert (table["epochs"] <= cfg["tasks"][task]["budget"]["max_epochs"]).all()
    space = cfg["tasks"][task]["search_space"]
    hidden = space["hidden_size"]
    assert table["hidden_size"].between(hidden["low"], hidden["high"]).all()
    rate = space["learning_rate"]
    assert table["learning_rate"].between(rate["low"], rate["high"]).all()


def states(trials: list[Any]) -> list[str]:
    return [trial.state.name for trial in trials]


def worker_processes(copy: Path) -> list[tuple[int, str]]:
    """(pid, log file) of the running sweep workers of the run in ``copy`` (Linux /proc)."""
    found = []
    logs = str(copy / "results" / "logs" / "sweep")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            if "sweep_worker" not in cmdline:
                continue
            target = os.readlink(entry / "fd" / "1")
        except OSError:
            continue
        if target.startswith(logs):
            found.append((int(entry.name), target))
    return found


def sorted_trials(table: pd.DataFrame) -> pd.DataFrame:
    """Rows keyed by their parameters (trial numbers may differ after a re-run trial)."""
    keep = ["variant", *PARAM_COLUMNS, "valid_metric", "test_metric", "epochs", "stop_reason"]
    return table[keep].sort_values(["variant", *PARAM_COLUMNS]).reset_index(drop=True)
