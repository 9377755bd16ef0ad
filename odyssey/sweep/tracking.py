"""MLflow tracking of sweeps (DESIGN.md section 3, "Tracking").

Layout: one MLflow experiment per task (``<study>.<task>``); one parent run per (task, variant)
study, created once by :func:`odyssey.sweep.studies.init_storage` (its run id is kept as the Optuna
study's user attribute ``mlflow_parent_run_id``); one child run per trial with the hyperparameters
and budget as params, per-epoch metrics (``train_loss``, ``valid_metric``, step = epoch), the final
metrics, and tags (task, variant, trial, Optuna trial number, seed, git commit, device, package
versions; the model's name and shape: ``model``, ``cell``, ``bidirectional``, ``num_layers``,
``frontend``, ``init``, also as ``model.*`` params). The parent run gets summary tags and ends
when its study has all its trials.

Default store: ``sqlite:///<results_dir>/mlflow.db`` (a plain ``./mlruns`` folder is refused by
MLflow 3.17, shared/NOTES.md); any tracking server URL works the same; ``tracking_uri: none``
turns tracking off. The store is created by
``init_storage`` before workers start (two processes creating it at once race). Every write goes
through :class:`mlflow.tracking.MlflowClient` with explicit run ids (no global active run), so
several worker processes can track at the same time. In a worker the calls run in order on one
background thread (:meth:`Tracker.start_writer`), so training never waits for a commit or for a
slow tracking server; per-epoch metrics are buffered and written at most every :data:`FLUSH_S`
seconds.

The Optuna storage is the source of truth; tracking errors in a worker are logged as one-line
warnings and never fail a trial. MLflow's usage telemetry is switched off
(``MLFLOW_DISABLE_TELEMETRY=true``) unless the environment sets it.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from odyssey.study.locations import redact

LOG = logging.getLogger("odyssey.sweep.tracking")

FLUSH_S = 5.0
"""Seconds between writes of buffered per-epoch metrics."""


def experiment_name(study: str, task: str) -> str:
    """Name of the MLflow experiment of ``task`` in study ``study``."""
    return f"{study}.{task}"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _flat(prefix: str, values: Mapping[str, Any]) -> dict[str, str]:
    return {f"{prefix}{k}": str(v) for k, v in values.items()}


def _finite(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and value == value
        and (abs(value) != float("inf"))
    )


class Tracker:
    """MLflow client bound to one tracking URI (see the module docstring for the layout)."""

    def __init__(self, uri: str, *, artifact_root: str | Path | None = None) -> None:
        # compute nodes should not phone home: MLflow's usage telemetry is off unless asked for
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        from mlflow.tracking import MlflowClient

        self.uri = uri
        self.artifact_root = Path(artifact_root).resolve() if artifact_root is not None else None
        self.client = MlflowClient(tracking_uri=uri)
        self._writer: _Writer | None = None

    # ---- set-up (init_storage) ---------------------------------------------------------------

    def check_reachable(self) -> None:
        """Fail in one line if a tracking server URL does not answer (databases: see create)."""
        if not self.uri.startswith(("http://", "https://")):
            if self.uri.startswith("sqlite:///"):
                Path(self.uri[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
            return
        try:
            with urllib.request.urlopen(self.uri.rstrip("/") + "/health", timeout=10) as answer:
                answer.read()
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ValueError(
                f"tracking server {redact(self.uri)} is unreachable ({reason}); start it or fix "
                f"tracking_uri"
            ) from exc

    def ensure_experiment(self, name: str) -> str:
        """The id of experiment ``name``, created if absent."""
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        location = None
        if self.artifact_root is not None and not self.uri.startswith(("http://", "https://")):
            location = (self.artifact_root / name).as_uri()
        return self.client.create_experiment(name, artifact_location=location)

    def create_parent(self, experiment_id: str, run_name: str, tags: Mapping[str, Any]) -> str:
        """Create the parent run of a study; return its run id."""
        run = self.client.create_run(
            experiment_id, run_name=run_name, tags={k: str(v) for k, v in tags.items()}
        )
        return run.info.run_id

    # ---- workers -----------------------------------------------------------------------------

    def start_writer(self) -> None:
        """Send the worker-side calls below through one background thread, in order.

        Training then never waits for MLflow (a slow or unreachable tracking server, or SQLite
        commits); :meth:`close` waits for the queue. Errors are logged as one-line warnings.
        """
        if self._writer is None:
            self._writer = _Writer()

    def do(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the writer thread (or now, without one); never raises."""
        if self._writer is not None:
            self._writer.submit(fn, *args)
        else:
            _warn_on_error(fn, *args)

    def close(self, timeout: float = 60.0) -> None:
        """Wait until every queued call is done (at most ``timeout`` seconds), stop the thread."""
        if self._writer is not None:
            self._writer.close(timeout)
            self._writer = None

    def start_trial(
        self,
        experiment_id: str,
        parent_run_id: str | None,
        run_name: str,
        params: Mapping[str, Any],
        tags: Mapping[str, Any],
        on_created: Callable[[str], None] | None = None,
    ) -> TrialRun:
        """The child run of one trial, created (with params and tags) through :meth:`do`.

        ``on_created(run_id)`` runs once the run exists (the worker records the id in Optuna).
        """
        all_tags = {k: str(v) for k, v in tags.items()}
        if parent_run_id:
            all_tags["mlflow.parentRunId"] = parent_run_id
        trial_run = TrialRun(self)

        def create() -> None:
            from mlflow.entities import Param

            run = self.client.create_run(experiment_id, run_name=run_name, tags=all_tags)
            trial_run.run_id = run.info.run_id
            batch = [Param(k, str(v)) for k, v in params.items()]
            self.client.log_batch(trial_run.run_id, params=batch)
            if on_created is not None:
                on_created(trial_run.run_id)

        self.do(create)
        return trial_run

    def end_run(self, run_id: str, status: str, tags: Mapping[str, Any] | None = None) -> None:
        """Set ``tags`` on run ``run_id`` and end it with ``status`` (FINISHED, FAILED, KILLED)."""
        from mlflow.entities import RunTag

        if tags:
            self.client.log_batch(run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])
        self.client.set_terminated(run_id, status=status)

    def reopen(self, run_id: str, tags: Mapping[str, Any]) -> None:
        """Mark a finished parent run RUNNING again (its study got more trials) and tag it."""
        from mlflow.entities import RunTag

        self.client.update_run(run_id, status="RUNNING")
        self.client.log_batch(run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])

    def run_status(self, run_id: str) -> str | None:
        """Status of run ``run_id`` (RUNNING, FINISHED, FAILED, KILLED); None when this store has
        no such run."""
        from mlflow.exceptions import MlflowException
        from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST, ErrorCode

        try:
            return self.client.get_run(run_id).info.status
        except MlflowException as exc:
            if exc.error_code == ErrorCode.Name(RESOURCE_DOES_NOT_EXIST):
                return None
            raise


def _warn_on_error(fn: Callable[..., Any], *args: Any) -> None:
    try:
        fn(*args)
    except Exception as exc:
        text = str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        LOG.warning("MLflow tracking failed (%s): %s", getattr(fn, "__name__", "call"), first)


class _Writer:
    """One daemon thread that runs queued calls in order; see :meth:`Tracker.start_writer`."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="odyssey-tracking", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        self._queue.put((fn, args))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            _warn_on_error(item[0], *item[1])

    def close(self, timeout: float) -> None:
        self._queue.put(None)
        self._thread.join(timeout)
        if self._thread.is_alive():
            LOG.warning(
                "MLflow tracking: %d call(s) still queued after %.0f s; dropped",
                self._queue.qsize(),
                timeout,
            )


class TrialRun:
    """The child run of one trial: buffered per-epoch metrics, then the final metrics.

    Every write goes through the tracker's :meth:`Tracker.do`, after the run's creation; if the
    creation failed (``run_id`` stays None) the writes are skipped.
    """

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.run_id: str | None = None
        self._pending: list[Any] = []
        self._last_flush = time.monotonic()

    def log_epoch(self, epoch: int, metrics: Mapping[str, float | None]) -> None:
        """Buffer the metrics of ``epoch``; write the buffer if :data:`FLUSH_S` has passed."""
        from mlflow.entities import Metric

        stamp = _now_ms()
        for key, value in metrics.items():
            if _finite(value):
                self._pending.append(Metric(key, float(value), stamp, int(epoch)))
        if time.monotonic() - self._last_flush >= FLUSH_S:
            self.flush()

    def flush(self) -> None:
        """Write the buffered metrics."""
        pending, self._pending = self._pending, []
        self._last_flush = time.monotonic()
        if pending:
            self.tracker.do(self._write, pending, [], None)

    def finish(
        self, metrics: Mapping[str, Any], tags: Mapping[str, Any], status: str = "FINISHED"
    ) -> None:
        """Write the buffered and final metrics and the tags in one batch, then end the run."""
        from mlflow.entities import Metric, RunTag

        stamp = _now_ms()
        final = [Metric(k, float(v), stamp, 0) for k, v in metrics.items() if _finite(v)]
        pending, self._pending = [*self._pending, *final], []
        run_tags = [RunTag(k, str(v)) for k, v in tags.items()]
        self.tracker.do(self._write, pending, run_tags, status)

    def end(self, status: str, tags: Mapping[str, Any]) -> None:
        """End the run with ``status`` (FAILED, KILLED) and ``tags``, dropping buffered metrics."""
        from mlflow.entities import RunTag

        self._pending = []
        self.tracker.do(self._write, [], [RunTag(k, str(v)) for k, v in tags.items()], status)

    def _write(self, metrics: list[Any], tags: list[Any], status: str | None) -> None:
        if self.run_id is None:
            return  # the run could not be created (a warning said why)
        client = self.tracker.client
        for start in range(0, max(len(metrics), 1), 900):  # MLflow takes 1000 metrics per batch
            chunk = metrics[start : start + 900]
            if chunk or (tags and not start):
                client.log_batch(self.run_id, metrics=chunk, tags=tags if not start else [])
        if status is not None:
            client.set_terminated(self.run_id, status=status)


def trial_tags(
    *,
    study: str,
    task: str,
    variant: str,
    trial: int,
    number: int,
    seed: int,
    provenance: Mapping[str, Any],
) -> dict[str, Any]:
    """The tags of a trial's child run."""
    tags: dict[str, Any] = {
        "study": study,
        "task": task,
        "variant": variant,
        "trial": trial,
        "optuna_trial_number": number,
        "seed": seed,
        "git_commit": provenance.get("git_commit", "unknown"),
        "device": provenance.get("device", "unknown"),
        "device_name": provenance.get("device_name", "unknown"),
        "hostname": provenance.get("hostname", "unknown"),
    }
    tags.update(_flat("version.", provenance.get("versions", {})))
    return tags


def model_tags(name: str, shape: Mapping[str, Any]) -> dict[str, Any]:
    """The tags that name a study's model: ``model`` (its name on the architecture axis) and its
    shape as trained (``cell``, ``bidirectional``, ``num_layers``, ``frontend``, ``init``; a
    missing front end is ``none``)."""
    tags: dict[str, Any] = {"model": name}
    tags.update({k: ("none" if v is None else v) for k, v in shape.items()})
    return tags


def run_params(
    params: Mapping[str, Any],
    one_minus_momentum: float,
    budget: Mapping[str, Any],
    shape: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The params of a trial's MLflow run: its training parameters (``params``, as
    ``space.trial_params`` gives them), ``one_minus_momentum`` as searched, the budget as
    ``budget.*`` and the model's shape as ``model.*`` (records older than the models axis have
    no shape)."""
    return {
        **params,
        "one_minus_momentum": one_minus_momentum,
        **{f"budget.{k}": v for k, v in budget.items()},
        **{f"model.{k}": v for k, v in (shape or {}).items()},
    }


def record_metrics(record: Mapping[str, Any]) -> dict[str, Any]:
    """The final metrics of a trial record (a :meth:`TrialRecord.to_dict`).

    The best validation metric is ``best_valid_metric`` (``valid_metric`` is the per-epoch curve);
    ``valid_<name>`` / ``test_<name>`` are every metric of the task at the best epoch.
    """
    metrics: dict[str, Any] = {
        "best_valid_metric": record["valid_metric"],
        "test_metric": record["test_metric"],
        "best_epoch": record["best_epoch"],
        "epochs": record["epochs"],
        "n_params": record["n_params"],
        "wall_time_s": record["wall_time_s"],
        "diverged": float(bool(record["diverged"])),
    }
    for name, value in record.get("valid_metrics", {}).items():
        metrics[f"valid_{name}"] = value
    for name, value in record.get("test_metrics", {}).items():
        metrics[f"test_{name}"] = value
    return metrics
