"""Helpers for the engine's tests: tiny configs, a real MLflow server.

Not a test module. The MLflow server is started in a temporary folder on a free port of 127.0.0.1
and always torn down (a context manager with ``finally``); the PostgreSQL server is in
``pg_support``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TINY_TASK = {"lag": 10, "sizes": {"train": 24, "valid": 12, "test": 12}}


def tiny_config(results_dir: Path, **overrides: Any) -> dict[str, Any]:
    """A validated config for one tiny adding-task study per variant (seconds per trial); with
    ``models=``, per model (the models replace the default variants)."""
    from odyssey.study import config

    budget = {"max_epochs": 3, "patience": 2}
    budget.update(overrides.pop("budget", {}))
    task = {
        "options": overrides.pop("options", dict(TINY_TASK)),
        "n_trials": overrides.pop("n_trials", 3),
        "search_space": overrides.pop(
            "search_space",
            {
                "hidden_size": {"low": 4, "high": 12},
                "learning_rate": {"low": 1e-3, "high": 1e-1},
            },
        ),
        "budget": budget,
    }
    cfg: dict[str, Any] = {
        "study": "test",
        "quick": True,
        "seed": 7,
        "results_dir": str(results_dir),
        "device": "cpu",
        "variants": ["V"],
        "tasks": {"adding": task},
        "sweep": {"heartbeat_s": 30},
        "gradients": {"enabled": False},
    }
    sweep = overrides.pop("sweep", {})
    cfg["sweep"].update(sweep)
    if "models" in overrides:
        del cfg["variants"]
    cfg.update(overrides)
    return config.validate(cfg, env={})


def init_config(cfg: dict[str, Any]) -> None:
    """Create every study of a validated config, as ``odyssey init`` does."""
    from odyssey.study.locations import Locations
    from odyssey.study.spec import specs_from_config
    from odyssey.sweep.studies import init_storage

    init_storage(specs_from_config(cfg), Locations.from_config(cfg))


def work(cfg: dict[str, Any], task: str = "adding", variant: str = "V", **options: Any) -> int:
    """Run one worker of study (task, variant) of a validated config, as ``odyssey worker`` does."""
    from odyssey.study.locations import Locations
    from odyssey.study.spec import StudySpec
    from odyssey.sweep.worker import run_worker

    spec = StudySpec.from_config(cfg, task, variant)
    threads = cfg["threads_per_worker"]
    return run_worker(
        spec, Locations.from_config(cfg), device=cfg["device"], threads=threads, **options
    )


def study_trials(cfg: dict[str, Any], variant: str = "V", task: str = "adding") -> list:
    """Every trial of study (task, variant) of a config, read from its storage with Optuna."""
    import optuna

    from odyssey.study.locations import default_storage_url

    url = cfg["storage"] or default_storage_url(cfg["results_dir"])
    storage = (
        optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(url))
        if ("://" not in url)
        else optuna.storages.RDBStorage(url)
    )
    name = f"{cfg['study']}.{task}.{variant}"
    return optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False)


def assert_exactly_n(trials: list, n: int) -> dict:
    """Assert that slots 0..n-1 finished once each with distinct parameters; slot -> trial."""
    from optuna.trial import TrialState

    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    slots = sorted(t.user_attrs["slot"] for t in finished)
    assert slots == list(range(n)), slots
    params = [json.dumps(t.params, sort_keys=True) for t in finished]
    assert len(set(params)) == n  # no parameter set ran twice
    return {t.user_attrs["slot"]: t for t in finished}


def write_config(path: Path, cfg: dict[str, Any]) -> Path:
    """Write ``cfg`` as YAML to ``path``."""
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def clean_env() -> dict[str, str]:
    """The environment for child processes: one thread, no tracking/storage overrides."""
    env = dict(os.environ)
    for key in ("MLFLOW_TRACKING_URI", "ODYSSEY_STORAGE"):
        env.pop(key, None)
    env.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONPATH": str(REPO)})
    return env


def odyssey_cmd(*args: str) -> list[str]:
    """The command line ``python -m odyssey ARGS``."""
    return [PYTHON, "-m", "odyssey", *args]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_group(process: subprocess.Popen, timeout_s: float = 30) -> None:
    """End a process this test started in its own session, and its children: SIGTERM to its
    process group, then SIGKILL if it has not ended within ``timeout_s``."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout_s)


@contextlib.contextmanager
def mlflow_server(folder: Path) -> Iterator[str]:
    """Start ``mlflow server --host 127.0.0.1 --workers 1``; yield its URL; stop it."""
    port = free_port()
    mlflow = Path(PYTHON).parent / "mlflow"
    command = [
        str(mlflow),
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--backend-store-uri",
        f"sqlite:///{folder / 'server.db'}",
        "--artifacts-destination",
        str(folder / "artifacts"),
    ]
    log = open(folder / "mlflow-server.log", "wb")  # noqa: SIM115 - closed in finally
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, env=clean_env(), start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"mlflow server did not start: {(folder / 'mlflow-server.log').read_text()}"
                )
            time.sleep(0.5)
        yield url
    finally:
        stop_group(process)
        log.close()
