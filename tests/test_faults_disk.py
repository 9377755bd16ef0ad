"""Fault tests (issue 12): the results folder turns read-only, or fills up, in a half-done study.

The folder holds the study's Optuna journal and its SQLite MLflow store. We run as root, whom
``chmod`` does not stop, so the folder is made read-only with a read-only bind mount of itself,
and full with a small tmpfs filled to the last byte; both need root (and mount rights) and skip
saying so otherwise. The worker command must end with one line naming the file it could not
write (no traceback), leave what is stored intact (the journal loads, with no partial line; the
finished trial is unchanged), and once the fault is cleared a worker completes the study, which
then passes the common checks.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from engine_support import init_config, study_trials, tiny_config, work, write_config
from faults_support import assert_study_intact
from optuna.trial import TrialState

from odyssey import cli
from odyssey.study.locations import default_storage_url

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0,
    reason="a read-only bind mount or a tmpfs needs root (chmod does not stop root)",
)


def mount(*args: str) -> None:
    """Run ``mount ARGS``; skip the test when this machine does not allow it (no mount rights)."""
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount {' '.join(args)} is not allowed here: {done.stderr.strip()}")


@contextlib.contextmanager
def mounted(folder: Path, *args: str) -> Iterator[None]:
    """Mount on ``folder`` (``mount ARGS folder``) for the ``with`` block; always unmounted."""
    mount(*args, str(folder))
    try:
        yield
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)  # open stores: detach


def half_done(results: Path) -> tuple[dict[str, Any], Path, float]:
    """A study of 3 tiny trials with one finished: (config, its file, the finished value)."""
    cfg = tiny_config(results, n_trials=3, sweep={"heartbeat_s": 1})
    init_config(cfg)
    assert work(cfg, max_trials=1) == 1
    (done,) = [t for t in study_trials(cfg) if t.state == TrialState.COMPLETE]
    return cfg, write_config(results.parent / "config.yaml", cfg), done.value


def worker_fails_in_one_line(config: Path, capsys: pytest.CaptureFixture) -> str:
    """Run the worker command in this process; it must end with status 1 and one line."""
    capsys.readouterr()
    assert cli.main(["worker", "--config", str(config), "--task", "adding", "--variant", "V"]) == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("odyssey: error:")]
    assert len(errors) == 1 and "Traceback" not in "\n".join(lines), lines
    return errors[0]


def assert_stored_intact(cfg: dict[str, Any], value: float) -> None:
    """The journal ends with a whole line and loads; the finished trial is as it was."""
    journal = Path(default_storage_url(cfg["results_dir"]))
    assert journal.read_bytes().endswith(b"\n")
    complete = [t for t in study_trials(cfg) if t.state == TrialState.COMPLETE]
    assert [t.value for t in complete] == [value]


def test_a_read_only_results_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    results = tmp_path / "results"
    cfg, config, value = half_done(results)
    with mounted(results, "--bind", str(results)):
        mount("-o", "remount,ro,bind", str(results))
        error = worker_fails_in_one_line(config, capsys)
        journal = default_storage_url(cfg["results_dir"])
        assert (
            error == f"odyssey: error: cannot write the journal (Read-only file system): {journal}"
        )
        assert_stored_intact(cfg, value)
    assert work(cfg) == 2
    assert_study_intact(cfg, results, report=True)


def test_a_full_results_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    results = tmp_path / "results"
    results.mkdir()
    with mounted(results, "-t", "tmpfs", "-o", "size=8m", "tmpfs"):
        cfg, config, value = half_done(results)
        filler = results / "filler"
        with contextlib.suppress(OSError), open(filler, "wb", buffering=0) as sink:
            while True:  # up to the last byte the tmpfs has
                sink.write(b"\0" * 4096)
        error = worker_fails_in_one_line(config, capsys)
        journal = default_storage_url(cfg["results_dir"])
        assert (
            error
            == f"odyssey: error: cannot write the journal (No space left on device): {journal}"
        )
        assert_stored_intact(cfg, value)
        filler.unlink()
        assert work(cfg) >= 2
        assert_study_intact(cfg, tmp_path, report=True)
