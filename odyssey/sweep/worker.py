"""A sweep worker: claims the slots of one study and trains them until the study is complete.

Any number of workers may share a study (Greff et al. 2017, IV-D: many independent random-search
trials). A worker claims WAITING slots (:mod:`odyssey.sweep.slots`), trains each under a heartbeat
(:mod:`odyssey.sweep.heartbeat`) with :func:`odyssey.training.trial.train_trial`, stores the record
in the trial's user attributes and tells Optuna its best validation metric, then fails the trials
of dead workers and repairs their slots. Once every slot it could claim is taken, it waits for the
trials running elsewhere (to re-run them if their worker dies) until the study has ``n_trials``
finished trials. SIGTERM fails the running trial at once (its slot runs again).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import FrozenTrial, TrialState

from odyssey.study import seeds
from odyssey.study.locations import Locations
from odyssey.study.models import architecture
from odyssey.study.space import trial_params
from odyssey.study.spec import StudySpec
from odyssey.sweep.heartbeat import (
    RUN_ATTR,
    WORKER_ATTR,
    Heartbeat,
    Liveness,
    fail_stale,
)
from odyssey.sweep.samplers import make_pruner, make_sampler, suggest
from odyssey.sweep.settle import settle_runs
from odyssey.sweep.slots import claim_slot, finished_slots, repair_slots
from odyssey.sweep.storage import defer_if_critical, load_study, open_storage
from odyssey.training.trial import EpochResult, TrialRecord, train_trial

LOG = logging.getLogger("odyssey.sweep.worker")


class _TakenOver(Exception):
    """This worker's trial was marked FAIL by another worker (its heartbeat looked stale)."""


class _Interrupted(KeyboardInterrupt):
    """SIGTERM, turned into an exception so the running trial is marked failed at once.

    Its name is part of the stored fail reason (``_Interrupted: signal 15``), which
    :data:`odyssey.sweep.slots.KILLS` recognises as a kill, not an error.
    """


@contextlib.contextmanager
def _sigterm_as_exception() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int) -> None:
        raise _Interrupted(f"signal {signum}")

    def handler(signum: int, frame: object) -> None:
        # Inside a journal append the exception waits for the append to end (its lock file).
        if not defer_if_critical(lambda: interrupt(signum)):
            interrupt(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass
class WorkerStats:
    """Time accounting of one in-process worker: trials, total time and time in ``train_trial``."""

    trials: int = 0
    train_s: float = 0.0
    total_s: float = 0.0
    started: float = field(default_factory=time.perf_counter)


def run_worker(
    spec: StudySpec,
    locations: Locations,
    *,
    device: str = "cpu",
    threads: int = 1,
    max_trials: int | None = None,
    worker_index: int = 0,
    stats: WorkerStats | None = None,
) -> int:
    """Run trials of study ``spec`` until it has ``n_trials`` finished trials; return how many ran.

    ``device``: ``cpu``, ``cuda``, ``cuda:N`` or ``auto`` (``worker_index`` picks the GPU of a
    multi-GPU node); ``threads``: torch CPU threads. ``max_trials`` stops this worker after that
    many trials. Returns early only then; otherwise it waits for trials running in other workers
    (to re-run them if their worker dies) until the study is complete.
    """
    stats = stats if stats is not None else WorkerStats()
    with _sigterm_as_exception():
        worker = Worker(spec, locations, device or "cpu", threads or 1, worker_index, stats)
        return worker.loop(max_trials)


class Worker:
    """One worker process's view of its study: storage, task, tracker, progress."""

    def __init__(
        self,
        spec: StudySpec,
        locations: Locations,
        device: str,
        threads: int,
        index: int,
        stats: WorkerStats,
    ) -> None:
        import tasks
        from odyssey.training import devices
        from odyssey.training.progress import Progress

        self.spec, self.threads, self.index, self.stats = spec, threads, index, stats
        url = locations.storage_url
        self.storage = open_storage(url, create=False)
        self.liveness = Liveness(self.storage, url)
        self.study = load_study(self.storage, spec.name, url)
        self.study.sampler = make_sampler(spec, index)
        self.study.pruner = make_pruner(spec)
        self.attrs = self.study.user_attrs
        self._check_initialised()
        self.tracker = None
        if locations.tracking_uri is not None:
            from odyssey.sweep.tracking import Tracker

            self.tracker = Tracker(locations.tracking_uri, artifact_root=locations.artifact_root)
            self.tracker.start_writer()
        self.task = tasks.get(spec.registry_task, **spec.task_options)
        self.device = devices.select_device(device, index)
        self.progress = Progress(prefix=f"{spec.task}/{spec.variant}")
        self.run: Any = None  # the MLflow run of the trial in progress

    def _check_initialised(self) -> None:
        spec = self.spec
        if self.attrs.get("fingerprint") != spec.fingerprint():
            raise ValueError(
                f"study {spec.name!r} has other settings than this config: run `odyssey init` "
                f"with the config the study was created with, or use another study name"
            )
        if self.attrs.get("n_trials", 0) < spec.n_trials:
            raise ValueError(
                f"study {spec.name!r} was initialised for {self.attrs.get('n_trials')} trials, "
                f"the config asks {spec.n_trials}: run `odyssey init --config ...` first"
            )

    def loop(self, max_trials: int | None) -> int:
        """Claim and run trials until the study is complete (or ``max_trials`` ran here)."""
        try:
            return self._loop(max_trials)
        finally:
            if self.tracker is not None:
                self.tracker.close()  # wait for the queued MLflow writes

    def _loop(self, max_trials: int | None) -> int:
        spec, study = self.spec, self.study
        ran, waiting_noted = 0, False
        idle_s = min(2.0, spec.heartbeat_s / 2)
        while True:
            trials = study.get_trials(deepcopy=False)
            if fail_stale(self.liveness, trials, spec.heartbeat_s, self.tracker):
                trials = study.get_trials(deepcopy=False)
            done = finished_slots(trials, spec.n_trials)
            if len(done) >= spec.n_trials:
                _finish_parent(self.tracker, self.attrs, trials, done, self.task.metric_direction)
                self.progress.note(f"study {spec.name} complete: {len(done)} trials")
                break
            if max_trials is not None and ran >= max_trials:
                break
            if repair_slots(study, spec, trials):
                trials = study.get_trials(deepcopy=False)
            claimed = claim_slot(self.storage, study, spec, trials)
            if claimed is None:  # the remaining slots run elsewhere: wait, re-run them if they die
                if not waiting_noted:
                    self.progress.note("waiting for trials running in other workers")
                    waiting_noted = True
                time.sleep(idle_s)
                continue
            waiting_noted = False
            self.run_trial(claimed, len(done))
            ran += 1
        self.stats.trials += ran
        self.stats.total_s = time.perf_counter() - self.stats.started
        return ran

    def run_trial(self, claimed: FrozenTrial, n_done: int) -> None:
        """Run one claimed trial under a heartbeat and store its record (or mark it FAIL)."""
        slot = int(claimed.user_attrs["slot"])
        trial = optuna.Trial(self.study, claimed._trial_id)
        self.run = None
        with contextlib.suppress(UpdateFinishedTrialError):  # who runs it, for the operator
            where = f"{socket.gethostname()}:{os.getpid()}"
            self.storage.set_trial_system_attr(claimed._trial_id, WORKER_ATTR, where)
        with Heartbeat(self.liveness, claimed._trial_id, self.spec.heartbeat_s):
            try:
                self._train_and_store(claimed, trial, slot, n_done)
            except (_TakenOver, UpdateFinishedTrialError) as exc:
                LOG.warning(
                    "trial %d (slot %d) was failed by another worker while it ran (%s); its "
                    "result is dropped and the slot runs again",
                    claimed.number,
                    slot,
                    exc,
                )
                if self.run is not None:
                    self.run.end("KILLED", {"state": "FAIL"})
            except BaseException as exc:
                self._mark_failed(claimed, exc)
                raise

    def _train_and_store(
        self, claimed: FrozenTrial, trial: optuna.Trial, slot: int, n_done: int
    ) -> None:
        spec = self.spec
        raw = suggest(trial, spec)
        seed = seeds.trial_seed(spec.seed, spec.task, spec.variant, slot)
        self.run = self._start_run(claimed, raw, seed)
        label = f"trial {slot} ({n_done}/{spec.n_trials} done)"
        record = train_trial(
            self.task,
            spec.architecture,
            trial_params(raw),
            seed,
            spec.budget,
            device=self.device,
            threads=self.threads,
            callback=self._on_epoch(trial, label),
        )
        self.stats.train_s += record.wall_time_s
        self._store(claimed, trial, slot, record)
        self.progress.trial_done(label, record)

    def _on_epoch(self, trial: optuna.Trial, label: str) -> Callable[[EpochResult], bool]:
        """The per-epoch callback: progress, MLflow curves, Optuna reports; True prunes."""
        spec = self.spec

        def on_epoch(result: EpochResult) -> bool:
            self.progress.epoch(label, result)
            if self.run is not None:
                curves = {"train_loss": result.train_loss, "valid_metric": result.valid_metric}
                self.run.log_epoch(result.epoch, curves)
            if math.isfinite(result.valid_metric):
                trial.report(result.valid_metric, result.epoch)
            return spec.pruner != "none" and result.epoch > 0 and trial.should_prune()

        return on_epoch

    def _store(
        self, claimed: FrozenTrial, trial: optuna.Trial, slot: int, record: TrialRecord
    ) -> None:
        """Keep the record in the storage, tell Optuna the outcome, finish the MLflow run."""
        from odyssey.sweep.tracking import record_metrics

        data = record.to_dict()
        data["optuna_trial_number"] = claimed.number
        data["slot"] = slot
        data["worker"] = {"host": socket.gethostname(), "pid": os.getpid(), "index": self.index}
        pruned = record.stop_reason == "pruned"
        if not math.isfinite(record.valid_metric):  # even the untrained net gave no value
            raise ValueError(f"non-finite {record.metric_name} of the untrained network")
        try:
            self.storage.set_trial_user_attr(claimed._trial_id, "record", data)
            if pruned:
                self.study.tell(trial, state=TrialState.PRUNED)
            else:
                self.study.tell(trial, record.valid_metric)
        except (UpdateFinishedTrialError, ValueError) as exc:
            raise _TakenOver(str(exc)) from exc
        if self.run is not None:
            end_tags = {
                "state": "PRUNED" if pruned else "COMPLETE",
                "stop_reason": record.stop_reason,
                "diverged": record.diverged,
            }
            self.run.finish(record_metrics(data), end_tags)

    def _mark_failed(self, claimed: FrozenTrial, exc: BaseException) -> None:
        """Record why the trial failed and mark it FAIL (its slot is repaired later)."""
        text = str(exc).strip()
        reason = f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
        with contextlib.suppress(Exception):
            self.storage.set_trial_user_attr(claimed._trial_id, "fail_reason", reason)
        with contextlib.suppress(Exception):
            self.storage.set_trial_state_values(claimed._trial_id, TrialState.FAIL)
        if self.run is not None:
            status = "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED"
            self.run.end(status, {"state": "FAIL"})

    def _start_run(self, claimed: FrozenTrial, raw: Mapping[str, Any], seed: int) -> Any:
        from odyssey.sweep.tracking import model_tags, run_params, trial_tags
        from odyssey.training import provenance

        if self.tracker is None or not self.attrs.get("mlflow_experiment_id"):
            return None
        spec, slot = self.spec, int(claimed.user_attrs["slot"])
        tags = trial_tags(
            study=spec.study,
            task=spec.task,
            variant=spec.variant,
            trial=slot,
            number=claimed.number,
            seed=seed,
            provenance=provenance.collect(self.device, self.threads),
        )
        shape = architecture(self.task, spec.architecture, spec.budget.init)
        tags.update(model_tags(spec.variant, shape))
        params = run_params(
            trial_params(raw), raw["one_minus_momentum"], spec.budget.to_dict(), shape
        )

        def remember(run_id: str) -> None:  # so that a stale trial's run can be ended as KILLED
            with contextlib.suppress(UpdateFinishedTrialError):  # a trial that already ended
                self.storage.set_trial_system_attr(claimed._trial_id, RUN_ATTR, run_id)

        return self.tracker.start_trial(
            self.attrs["mlflow_experiment_id"],
            self.attrs.get("mlflow_parent_run_id"),
            f"{spec.variant}-trial-{slot:04d}",
            params,
            tags,
            on_created=remember,
        )


def _finish_parent(
    tracker: Any,
    attrs: Mapping[str, Any],
    trials: list[FrozenTrial],
    done: Mapping[int, FrozenTrial],
    direction: str,
) -> None:
    """End the study's parent run, after the child runs that killed workers left RUNNING."""
    parent = attrs.get("mlflow_parent_run_id")
    if tracker is None or not parent:
        return
    tracker.do(settle_runs, tracker, attrs["mlflow_experiment_id"], parent, trials)
    values = [(t.value, slot) for slot, t in done.items() if t.value is not None]
    tags: dict[str, Any] = {"n_finished": len(done)}
    if values:
        best_value, best_slot = (min if direction == "minimize" else max)(values)
        tags.update({"best_valid_metric": best_value, "best_trial": best_slot})
        tags.update({f"best.{k}": v for k, v in done[best_slot].params.items()})
    tags["n_diverged"] = sum(
        1 for t in done.values() if (t.user_attrs.get("record") or {}).get("diverged")
    )
    tracker.do(tracker.end_run, parent, "FINISHED", tags)
