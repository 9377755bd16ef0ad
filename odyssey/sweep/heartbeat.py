"""Heartbeats of running trials, and failing the trials whose worker died.

While a trial runs, a thread of its worker beats every ``heartbeat_s`` seconds (:class:`Heartbeat`):
in a database storage it writes the trial's system attribute ``odyssey:heartbeat``; beside a
journal file it touches ``<journal>.heartbeats/trial-<id>`` (so the journal does not grow with
every beat). A RUNNING trial whose last sign of life is older than twice that (a SIGKILLed
worker) is marked FAIL by any worker (:func:`fail_stale`), its MLflow run is ended as KILLED, and
its slot is repaired (:mod:`odyssey.sweep.slots`); each claimed trial names its worker
(``odyssey:worker``, ``host:pid``). The MLflow runs that killed workers left RUNNING, or never
wrote, are settled by :mod:`odyssey.sweep.settle`. Optuna's own heartbeat exists only for RDB
storages, hence this one for both. Clocks of the machines sharing a study must agree to well
within ``2 * heartbeat_s``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from optuna.exceptions import UpdateFinishedTrialError
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from odyssey.study.locations import is_rdb
from odyssey.sweep.slots import slot_of

LOG = logging.getLogger("odyssey.sweep.heartbeat")

HEARTBEAT_ATTR = "odyssey:heartbeat"
"""System attribute of a trial's last heartbeat (database storages)."""
RUN_ATTR = "odyssey:mlflow_run_id"
"""System attribute naming a trial's MLflow run, so that a stale trial's run can be ended."""
WORKER_ATTR = "odyssey:worker"
"""System attribute naming the worker (``host:pid``) that claimed a trial: who to look for."""
STALE_FACTOR = 2.0
"""A RUNNING trial is stale once its last heartbeat is older than this many heartbeat periods."""


class Liveness:
    """Where a running trial's heartbeats go and where other workers read them.

    Database storages: the trial's system attribute ``odyssey:heartbeat`` (an upsert, so the
    database does not grow). Journal files: the modification time of a small file
    ``<journal>.heartbeats/trial-<id>`` beside the journal, because every attribute write would
    append a line to the journal, and day-long trials beating every 30 s would bloat it.
    """

    def __init__(self, storage: BaseStorage, storage_url: str) -> None:
        self.storage = storage
        self.folder = None if is_rdb(storage_url) else Path(f"{storage_url}.heartbeats")

    def _path(self, trial_id: int) -> Path:
        assert self.folder is not None
        return self.folder / f"trial-{trial_id}"

    def beat(self, trial_id: int) -> bool:
        """Record that the trial is alive now; False once it is finished (stop beating)."""
        if self.folder is None:
            try:
                self.storage.set_trial_system_attr(trial_id, HEARTBEAT_ATTR, time.time())
            except UpdateFinishedTrialError:
                return False
            return True
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(trial_id)
        path.touch(exist_ok=True)
        os.utime(path)
        return True

    def last(self, trial: FrozenTrial) -> float:
        """Time of the trial's last sign of life (its start if it never beat)."""
        started = trial.datetime_start.timestamp() if trial.datetime_start is not None else 0.0
        if self.folder is None:
            beat = trial.system_attrs.get(HEARTBEAT_ATTR)
            return max(float(beat) if isinstance(beat, (int, float)) else 0.0, started)
        try:
            return max(self._path(trial._trial_id).stat().st_mtime, started)
        except FileNotFoundError:
            return started

    def clear(self, trial_id: int) -> None:
        """Remove the trial's heartbeat file (journal storages)."""
        if self.folder is not None:
            self._path(trial_id).unlink(missing_ok=True)


class Heartbeat:
    """A thread that beats for one trial every ``interval`` seconds until stopped."""

    def __init__(self, liveness: Liveness, trial_id: int, interval: float) -> None:
        self.liveness, self.trial_id, self.interval = liveness, trial_id, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="odyssey-heartbeat", daemon=True)

    def beat(self) -> bool:
        """One heartbeat; False once the trial is finished (nothing more to do)."""
        try:
            return self.liveness.beat(self.trial_id)
        except Exception as exc:  # a storage hiccup must not kill the trial; next beat retries
            LOG.warning("heartbeat of trial id %d failed: %s", self.trial_id, exc)
            return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if not self.beat():
                return

    def __enter__(self) -> Heartbeat:
        self.beat()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=max(5.0, self.interval))
        with contextlib.suppress(OSError):
            self.liveness.clear(self.trial_id)


def fail_stale(
    liveness: Liveness,
    trials: Sequence[FrozenTrial],
    heartbeat_s: float,
    tracker: Any = None,
) -> list[int]:
    """Mark RUNNING trials whose heartbeat stopped as FAIL; return their numbers."""
    storage = liveness.storage
    now = time.time()
    failed = []
    for trial in trials:
        if trial.state != TrialState.RUNNING or slot_of(trial) is None:
            continue
        if now - liveness.last(trial) <= STALE_FACTOR * heartbeat_s:
            continue
        try:
            storage.set_trial_user_attr(trial._trial_id, "fail_reason", "stale heartbeat")
            storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        except UpdateFinishedTrialError:
            continue  # another worker failed it first, or it just finished
        failed.append(trial.number)
        with contextlib.suppress(OSError):
            liveness.clear(trial._trial_id)
        LOG.warning(
            "trial %d (slot %s, worker %s) had no heartbeat: failed, slot re-enqueued",
            trial.number,
            slot_of(trial),
            trial.system_attrs.get(WORKER_ATTR, "unknown"),
        )
        run_id = trial.system_attrs.get(RUN_ATTR)
        if tracker is not None and run_id:
            tracker.do(tracker.end_run, run_id, "KILLED", {"state": "FAIL", "fail_reason": "stale"})
    return failed
