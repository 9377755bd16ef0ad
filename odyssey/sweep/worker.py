"""Optuna sweeps: one study per (task, variant), any number of workers (Greff et al. 2017, IV-D).

**Slots.** A study of ``n_trials`` trials has slots ``0 .. n_trials - 1``; slot ``k`` is "trial
``k``" everywhere in the project (trials table, MLflow tag ``trial``, derived seeds). Every slot is
enqueued as an Optuna WAITING trial with user attribute ``slot``. In the paper's mode
(``sampler: random``) the slot's parameters are fixed at enqueue time, drawn from a seed derived
from (root seed, task, variant, k), so trial k has the same parameters whichever worker runs it,
however often the sweep restarts, and raising ``n_trials`` only adds slots (the first sets are
unchanged). With ``tpe`` or ``qmc`` the slot is enqueued empty and the sampler picks its
parameters when a worker claims it. The Optuna trial number equals the slot unless the slot had to
be run again; it is kept in the record and in MLflow.

**Exactly N.** Workers never create trials: they only claim WAITING slots (an atomic WAITING ->
RUNNING transition in the storage), so a study never gets more than ``n_trials`` finished trials,
however many workers run. A slot whose trial FAILED (its worker was killed or interrupted) is
enqueued again with the same parameters ("repair"); if two workers repair the same slot at once,
the claimer of a higher-numbered duplicate sees the lower one and fails its own copy.

**Heartbeat.** While a trial runs, a thread of its worker beats every ``heartbeat_s`` seconds:
in a database storage it writes the trial's system attribute ``odyssey:heartbeat``; beside a
journal file it touches ``<journal>.heartbeats/trial-<id>`` (so the journal does not grow with
every beat). A RUNNING trial whose last sign of life is older than twice that (a SIGKILLed
worker) is marked FAIL by any worker, its MLflow run is ended as KILLED, and its slot is
repaired. Optuna's own heartbeat exists only for RDB storages, hence this one for both. Clocks of
the machines sharing a study must agree to well within ``2 * heartbeat_s``.

**Divergence** is a finished (COMPLETE) trial whose record says ``stop_reason: diverged``; a
pruned trial is PRUNED and also counts as finished.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import signal
import socket
import threading
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from odyssey.study import seeds
from odyssey.study.locations import Locations, is_rdb, redact
from odyssey.study.space import INTEGER_KEYS, SPACE_KEYS, Range, trial_params
from odyssey.study.spec import StudySpec, specs_from_config
from odyssey.sweep.storage import load_study, open_storage
from odyssey.training.trial import EpochResult, train_trial

LOG = logging.getLogger("odyssey.sweep.worker")

FINISHED: tuple[TrialState, ...] = (TrialState.COMPLETE, TrialState.PRUNED)
LIVE: tuple[TrialState, ...] = (TrialState.WAITING, TrialState.RUNNING, *FINISHED)
HEARTBEAT_ATTR = "odyssey:heartbeat"
RUN_ATTR = "odyssey:mlflow_run_id"
MAX_ERRORS = 3
"""A slot whose trials raised this many errors is not run again (a kill does not count)."""
STALE_FACTOR = 2.0
"""A RUNNING trial is stale once its last heartbeat is older than this many heartbeat periods."""


# ------------------------------------------------------------------------------------------------
# Samplers, pruners, slots
# ------------------------------------------------------------------------------------------------


def distribution(rng: Range, integer: bool = False) -> optuna.distributions.BaseDistribution:
    """The Optuna distribution of one searched range."""
    if integer:
        return optuna.distributions.IntDistribution(int(rng.low), int(rng.high), log=rng.log)
    return optuna.distributions.FloatDistribution(rng.low, rng.high, log=rng.log)


def distributions(spec: StudySpec) -> dict[str, optuna.distributions.BaseDistribution]:
    """Optuna distributions of the study's searched parameters."""
    return {
        key: distribution(spec.search_space[key], integer=key in INTEGER_KEYS) for key in SPACE_KEYS
    }


def make_sampler(spec: StudySpec, worker_index: int = 0) -> optuna.samplers.BaseSampler:
    """The study's sampler (random mode never samples: every slot has fixed parameters)."""
    seed = seeds.derive_seed(spec.seed, "sampler", spec.task, spec.variant, worker_index) % 2**32
    if spec.sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if spec.sampler == "qmc":
        with warnings.catch_warnings():  # "experimental" since Optuna 3.0; its API is stable here
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.QMCSampler(qmc_type="sobol", scramble=True, seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


def make_pruner(spec: StudySpec) -> optuna.pruners.BasePruner:
    """The study's pruner on the per-epoch validation metric."""
    if spec.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=5)
    if spec.pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=spec.budget.max_epochs)
    return optuna.pruners.NopPruner()


def _slot(trial: FrozenTrial) -> int | None:
    value = trial.user_attrs.get("slot")
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _live_by_slot(trials: Sequence[FrozenTrial]) -> dict[int, list[FrozenTrial]]:
    out: dict[int, list[FrozenTrial]] = {}
    for trial in trials:
        slot = _slot(trial)
        if slot is not None and trial.state in LIVE:
            out.setdefault(slot, []).append(trial)
    for group in out.values():
        group.sort(key=lambda t: t.number)
    return out


def finished_slots(trials: Sequence[FrozenTrial], n_trials: int) -> dict[int, FrozenTrial]:
    """Slot -> its finished trial, for slots below ``n_trials`` (the lowest number if several)."""
    out: dict[int, FrozenTrial] = {}
    for trial in sorted(trials, key=lambda t: t.number):
        slot = _slot(trial)
        if slot is not None and slot < n_trials and trial.state in FINISHED and slot not in out:
            out[slot] = trial
    return out


def _repair_params(spec: StudySpec, slot: int, trials: Sequence[FrozenTrial]) -> dict[str, Any]:
    if spec.sampler == "random":
        return spec.draw_params(slot)
    failed = [t for t in trials if _slot(t) == slot and set(SPACE_KEYS) <= set(t.params)]
    return dict(max(failed, key=lambda t: t.number).params) if failed else {}


def _errors(trials: Sequence[FrozenTrial], slot: int) -> list[str]:
    """Why the slot's trials failed, for failures that are errors (not kills or interrupts)."""
    reasons = [
        str(t.user_attrs.get("fail_reason", "unknown error"))
        for t in trials
        if _slot(t) == slot and t.state == TrialState.FAIL and "duplicate_of" not in t.user_attrs
    ]
    kills = ("stale heartbeat", "_Interrupted", "KeyboardInterrupt")
    return [r for r in reasons if not r.startswith(kills)]


def repair_slots(study: optuna.Study, spec: StudySpec, trials: Sequence[FrozenTrial]) -> int:
    """Enqueue every slot below ``n_trials`` that has no live trial; return how many.

    A slot whose trials failed :data:`MAX_ERRORS` times with an error (not a kill) is not retried:
    a one-line ValueError names it and the last error.
    """
    live = _live_by_slot(trials)
    added = 0
    for slot in range(spec.n_trials):
        if slot in live:
            continue
        errors = _errors(trials, slot)
        if len(errors) >= MAX_ERRORS:
            raise ValueError(
                f"study {spec.name!r} trial {slot} failed {len(errors)} times (last: "
                f"{errors[-1]}); fix the cause, then run the worker again"
            )
        study.enqueue_trial(_repair_params(spec, slot, trials), user_attrs={"slot": slot})
        added += 1
    return added


# ------------------------------------------------------------------------------------------------
# init_storage
# ------------------------------------------------------------------------------------------------


def _settings(cfg: Mapping[str, Any]) -> tuple[Path, str, str | None]:
    """(results_dir, storage URL, tracking URI or None) of a validated config."""
    where = Locations.from_config(cfg)
    return Path(cfg.get("results_dir", "results")), where.storage_url, where.tracking_uri


def init_storage(
    config_or_storage: Mapping[str, Any] | str,
    specs: Sequence[StudySpec] | None = None,
    tracking_uri: str | None = None,
) -> None:
    """Create every study (and enqueue its slots) and the MLflow experiments, once.

    ``init_storage(cfg)`` for a validated config, or ``init_storage(storage_url, specs,
    tracking_uri)`` (``tracking_uri=None``: no tracking). Run it before any worker starts:
    creating an RDB schema or MLflow store from several processes at once races. Running it again
    is safe: existing studies are kept (a changed budget, search space, sampler or seed is refused
    in one line), a raised ``n_trials`` enqueues the new slots.
    """
    artifact_root: Path | None = None
    if isinstance(config_or_storage, Mapping):
        cfg = config_or_storage
        results, storage_url, tracking_uri = _settings(cfg)
        specs = specs_from_config(cfg)
        artifact_root = results / "mlartifacts"
    else:
        storage_url = str(config_or_storage)
        if specs is None:
            raise ValueError("init_storage(storage_url, specs, tracking_uri): specs are missing")
    storage = open_storage(storage_url, create=True)
    tracker = None
    if tracking_uri is not None:
        from odyssey.sweep.tracking import Tracker

        tracker = Tracker(tracking_uri, artifact_root=artifact_root)
        tracker.check_reachable()
    for spec in specs:
        _init_study(storage, storage_url, spec, tracker)


def _init_study(storage: BaseStorage, url: str, spec: StudySpec, tracker: Any) -> None:
    import tasks

    task = tasks.get(spec.task, **spec.task_options)
    study = optuna.create_study(
        storage=storage,
        study_name=spec.name,
        direction=task.metric_direction,
        sampler=make_sampler(spec),
        pruner=make_pruner(spec),
        load_if_exists=True,
    )
    attrs = study.user_attrs
    old = attrs.get("fingerprint")
    if old is not None and old != spec.fingerprint():
        raise ValueError(
            f"study {spec.name!r} in {redact(url)} was created with other settings "
            f"({_first_difference(old, spec.fingerprint())}); use another study name or "
            f"results_dir, or restore the old settings"
        )
    if old is None:
        study.set_user_attr("fingerprint", spec.fingerprint())
        study.set_user_attr("task", spec.task)
        study.set_user_attr("variant", spec.variant)
        study.set_user_attr("metric_name", task.metric_name)
    study.set_user_attr("n_trials", spec.n_trials)
    if tracker is not None:
        from odyssey.sweep.tracking import experiment_name

        experiment_id = tracker.ensure_experiment(experiment_name(spec.study, spec.task))
        if attrs.get("mlflow_parent_run_id") is None or attrs.get("mlflow_uri") != tracker.uri:
            parent = tracker.create_parent(
                experiment_id,
                spec.name,
                {
                    "study": spec.study,
                    "task": spec.task,
                    "variant": spec.variant,
                    "n_trials": spec.n_trials,
                    "sampler": spec.sampler,
                    "pruner": spec.pruner,
                    "seed": spec.seed,
                    "metric_name": task.metric_name,
                    "metric_direction": task.metric_direction,
                },
            )
            study.set_user_attr("mlflow_parent_run_id", parent)
            study.set_user_attr("mlflow_experiment_id", experiment_id)
            study.set_user_attr("mlflow_uri", tracker.uri)
        elif (
            len(finished_slots(study.get_trials(deepcopy=False), spec.n_trials)) < spec.n_trials
            and tracker.run_status(attrs["mlflow_parent_run_id"]) != "RUNNING"
        ):  # the study got more trials: its parent run is running again
            tracker.reopen(attrs["mlflow_parent_run_id"], {"n_trials": spec.n_trials})
    trials = study.get_trials(deepcopy=False)
    added = repair_slots(study, spec, trials)
    LOG.info("study %s: %d slot(s) enqueued, %d trial(s) in total", spec.name, added, len(trials))


def _first_difference(old: str, new: str) -> str:
    a, b = json.loads(old), json.loads(new)
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            before = json.dumps(a.get(key), default=str)
            after = json.dumps(b.get(key), default=str)
            return f"{key}: {before} -> {after}"
    return "unknown difference"


# ------------------------------------------------------------------------------------------------
# Heartbeat and stale trials
# ------------------------------------------------------------------------------------------------


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
        if trial.state != TrialState.RUNNING or _slot(trial) is None:
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
            "trial %d (slot %s) had no heartbeat: failed, slot re-enqueued",
            trial.number,
            _slot(trial),
        )
        run_id = trial.system_attrs.get(RUN_ATTR)
        if tracker is not None and run_id:
            tracker.do(tracker.end_run, run_id, "KILLED", {"state": "FAIL", "fail_reason": "stale"})
    return failed


# ------------------------------------------------------------------------------------------------
# Worker
# ------------------------------------------------------------------------------------------------


class _TakenOver(Exception):
    """This worker's trial was marked FAIL by another worker (its heartbeat looked stale)."""


class _Interrupted(KeyboardInterrupt):
    """SIGTERM, turned into an exception so the running trial is marked failed at once."""


@contextlib.contextmanager
def _sigterm_as_exception() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise _Interrupted(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _claim(
    storage: BaseStorage, study: optuna.Study, spec: StudySpec, trials: Sequence[FrozenTrial]
) -> FrozenTrial | None:
    """Atomically take a WAITING slot (lowest slot first); None if there is none."""
    waiting = [
        t for t in trials if t.state == TrialState.WAITING and (_slot(t) or 0) < spec.n_trials
    ]
    waiting = [t for t in waiting if _slot(t) is not None]
    for trial in sorted(waiting, key=lambda t: (_slot(t), t.number)):
        try:
            if not storage.set_trial_state_values(trial._trial_id, TrialState.RUNNING):
                continue
        except UpdateFinishedTrialError:
            continue
        now = study.get_trials(deepcopy=False)
        rivals = [
            t
            for t in now
            if _slot(t) == _slot(trial) and t.number < trial.number and t.state in LIVE
        ]
        if rivals:
            storage.set_trial_user_attr(trial._trial_id, "duplicate_of", rivals[0].number)
            storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
            continue
        return storage.get_trial(trial._trial_id)
    return None


@dataclass
class WorkerStats:
    """Time accounting of one in-process worker: trials, total time and time in ``train_trial``."""

    trials: int = 0
    train_s: float = 0.0
    total_s: float = 0.0
    started: float = field(default_factory=time.perf_counter)


def run_worker(
    config_or_spec: Mapping[str, Any] | StudySpec,
    storage_or_task: str | None = None,
    tracking_or_variant: str | None = None,
    *,
    device: str | None = None,
    threads: int | None = None,
    max_trials: int | None = None,
    worker_index: int = 0,
    stats: WorkerStats | None = None,
) -> int:
    """Run trials of one study until it has ``n_trials`` finished trials; return trials run here.

    ``run_worker(cfg, task, variant, worker_index=i)`` for a validated config, or
    ``run_worker(spec, storage_url, tracking_uri, device=..., threads=..., max_trials=None)``
    (``tracking_uri=None``: no tracking). ``max_trials`` stops this worker after that many
    trials. Returns early only then; otherwise it waits for trials running in other workers (to
    re-run them if their worker dies) until the study is complete.
    """
    artifact_root = None
    if isinstance(config_or_spec, Mapping):
        cfg = config_or_spec
        if storage_or_task is None or tracking_or_variant is None:
            raise ValueError("run_worker(cfg, task, variant): task and variant are required")
        spec = StudySpec.from_config(cfg, storage_or_task, tracking_or_variant)
        results, storage_url, tracking_uri = _settings(cfg)
        artifact_root = results / "mlartifacts"
        device = cfg.get("device", "auto") if device is None else device
        threads = int(cfg.get("threads_per_worker", 1)) if threads is None else threads
    else:
        spec = config_or_spec
        if storage_or_task is None:
            raise ValueError("run_worker(spec, storage_url, tracking_uri): storage_url is missing")
        storage_url, tracking_uri = storage_or_task, tracking_or_variant
    device = device or "cpu"
    threads = threads or 1
    stats = stats if stats is not None else WorkerStats()
    with _sigterm_as_exception():
        worker = _Worker(
            spec, storage_url, tracking_uri, artifact_root, device, threads, worker_index, stats
        )
        return worker.loop(max_trials)


class _Worker:
    """One worker process's view of its study: storage, task, tracker, progress."""

    def __init__(
        self,
        spec: StudySpec,
        storage_url: str,
        tracking_uri: str | None,
        artifact_root: Path | None,
        device: str,
        threads: int,
        index: int,
        stats: WorkerStats,
    ) -> None:
        import tasks
        from odyssey.training import devices
        from odyssey.training.progress import Progress

        self.spec, self.threads, self.index, self.stats = spec, threads, index, stats
        self.storage = open_storage(storage_url, create=False)
        self.liveness = Liveness(self.storage, storage_url)
        self.study = load_study(self.storage, spec.name, storage_url)
        self.study.sampler = make_sampler(spec, index)
        self.study.pruner = make_pruner(spec)
        self.attrs = self.study.user_attrs
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
        self.tracker = None
        if tracking_uri is not None:
            from odyssey.sweep.tracking import Tracker

            self.tracker = Tracker(tracking_uri, artifact_root=artifact_root)
            self.tracker.start_writer()
        self.task = tasks.get(spec.task, **spec.task_options)
        self.device = devices.select_device(device, index)
        self.progress = Progress(prefix=f"{spec.task}/{spec.variant}")

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
                _finish_parent(self.tracker, self.attrs, done, self.task.metric_direction)
                self.progress.note(f"study {spec.name} complete: {len(done)} trials")
                break
            if max_trials is not None and ran >= max_trials:
                break
            if repair_slots(study, spec, trials):
                trials = study.get_trials(deepcopy=False)
            claimed = _claim(self.storage, study, spec, trials)
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

    def _suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        dists = distributions(self.spec)
        raw: dict[str, Any] = {}
        for key in SPACE_KEYS:
            dist = dists[key]
            if key == "hidden_size":
                raw[key] = trial.suggest_int(key, dist.low, dist.high, log=dist.log)
            else:
                raw[key] = trial.suggest_float(key, dist.low, dist.high, log=dist.log)
        return raw

    def _start_run(self, claimed: FrozenTrial, raw: Mapping[str, Any], seed: int) -> Any:
        from odyssey.sweep.tracking import trial_tags
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
        params = {
            **trial_params(raw),
            "one_minus_momentum": raw["one_minus_momentum"],
            **{f"budget.{k}": v for k, v in spec.budget.to_dict().items()},
        }

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

    def run_trial(self, claimed: FrozenTrial, n_done: int) -> None:
        """Run one claimed trial under a heartbeat and store its record (or mark it FAIL)."""
        from odyssey.sweep.tracking import record_metrics

        spec, storage, slot = self.spec, self.storage, int(claimed.user_attrs["slot"])
        trial = optuna.Trial(self.study, claimed._trial_id)
        run = None
        with Heartbeat(self.liveness, claimed._trial_id, spec.heartbeat_s):
            try:
                raw = self._suggest(trial)
                seed = seeds.trial_seed(spec.seed, spec.task, spec.variant, slot)
                run = self._start_run(claimed, raw, seed)
                label = f"trial {slot} ({n_done}/{spec.n_trials} done)"

                def on_epoch(result: EpochResult) -> bool:
                    self.progress.epoch(label, result)
                    if run is not None:
                        curves = {
                            "train_loss": result.train_loss,
                            "valid_metric": result.valid_metric,
                        }
                        run.log_epoch(result.epoch, curves)
                    if math.isfinite(result.valid_metric):
                        trial.report(result.valid_metric, result.epoch)
                    return spec.pruner != "none" and result.epoch > 0 and trial.should_prune()

                record = train_trial(
                    self.task,
                    spec.variant,
                    trial_params(raw),
                    seed,
                    spec.budget,
                    device=self.device,
                    threads=self.threads,
                    callback=on_epoch,
                )
                self.stats.train_s += record.wall_time_s
                data = record.to_dict()
                data["optuna_trial_number"] = claimed.number
                data["slot"] = slot
                data["worker"] = {
                    "host": socket.gethostname(),
                    "pid": os.getpid(),
                    "index": self.index,
                }
                pruned = record.stop_reason == "pruned"
                if not math.isfinite(record.valid_metric):  # even the untrained net gave no value
                    raise ValueError(f"non-finite {record.metric_name} of the untrained network")
                try:
                    storage.set_trial_user_attr(claimed._trial_id, "record", data)
                    if pruned:
                        self.study.tell(trial, state=TrialState.PRUNED)
                    else:
                        self.study.tell(trial, record.valid_metric)
                except (UpdateFinishedTrialError, ValueError) as exc:
                    raise _TakenOver(str(exc)) from exc
                if run is not None:
                    state = "PRUNED" if pruned else "COMPLETE"
                    end_tags = {
                        "state": state,
                        "stop_reason": record.stop_reason,
                        "diverged": record.diverged,
                    }
                    run.finish(record_metrics(data), end_tags)
                self.progress.trial_done(label, record)
            except (_TakenOver, UpdateFinishedTrialError) as exc:
                LOG.warning(
                    "trial %d (slot %d) was failed by another worker while it ran (%s); its "
                    "result is dropped and the slot runs again",
                    claimed.number,
                    slot,
                    exc,
                )
                if run is not None:
                    run.end("KILLED", {"state": "FAIL"})
            except BaseException as exc:
                text = str(exc).strip()
                reason = f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
                with contextlib.suppress(Exception):
                    storage.set_trial_user_attr(claimed._trial_id, "fail_reason", reason)
                with contextlib.suppress(Exception):
                    storage.set_trial_state_values(claimed._trial_id, TrialState.FAIL)
                if run is not None:
                    status = "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED"
                    run.end(status, {"state": "FAIL"})
                raise


def _finish_parent(
    tracker: Any, attrs: Mapping[str, Any], done: Mapping[int, FrozenTrial], direction: str
) -> None:
    parent = attrs.get("mlflow_parent_run_id")
    if tracker is None or not parent:
        return
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


def study_trials(storage_url: str, name: str) -> list[FrozenTrial]:
    """All trials of study ``name`` (for collect and progress)."""
    storage = open_storage(storage_url, create=False)
    return load_study(storage, name, storage_url).get_trials(deepcopy=False)
