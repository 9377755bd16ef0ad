"""Creating the studies of a sweep, once, before any worker: Optuna studies, slots, MLflow runs.

:func:`init_storage` creates every study (or loads it), checks that a stored study was made with
the same settings (its fingerprint, :meth:`odyssey.study.spec.StudySpec.fingerprint`), records
``n_trials`` and enqueues the slots that have no live trial; with tracking it also creates the
task's MLflow experiment and the study's parent run (reopened when the study got more trials).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import optuna
from optuna.storages import BaseStorage

from odyssey.study.locations import Locations, redact
from odyssey.study.models import architecture
from odyssey.study.spec import StudySpec
from odyssey.sweep.samplers import make_pruner, make_sampler
from odyssey.sweep.slots import finished_slots, repair_slots
from odyssey.sweep.storage import open_storage

LOG = logging.getLogger("odyssey.sweep.studies")


def init_storage(specs: Sequence[StudySpec], locations: Locations) -> None:
    """Create every study of ``specs`` (and enqueue its slots) and the MLflow experiments, once.

    Run it before any worker starts: creating an RDB schema or MLflow store from several processes
    at once races. Running it again is safe: existing studies are kept (a changed budget, search
    space, sampler or seed is refused in one line), a raised ``n_trials`` enqueues the new slots.
    """
    storage = open_storage(locations.storage_url, create=True)
    tracker = None
    if locations.tracking_uri is not None:
        from odyssey.sweep.tracking import Tracker

        tracker = Tracker(locations.tracking_uri, artifact_root=locations.artifact_root)
        tracker.check_reachable()
    for spec in specs:
        init_study(storage, locations.storage_url, spec, tracker)


def init_study(storage: BaseStorage, url: str, spec: StudySpec, tracker: Any) -> None:
    """Create or load one study, check its settings, bring it to ``n_trials`` enqueued slots."""
    import tasks

    task = tasks.get(spec.registry_task, **spec.task_options)
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
            f"({first_difference(old, spec.fingerprint())}); use another study name or "
            f"results_dir, or restore the old settings"
        )
    if old is None:
        study.set_user_attr("fingerprint", spec.fingerprint())
        study.set_user_attr("task", spec.task)
        study.set_user_attr("variant", spec.variant)
        study.set_user_attr("model", spec.architecture.shape())
        study.set_user_attr("metric_name", task.metric_name)
    study.set_user_attr("n_trials", spec.n_trials)
    if tracker is not None:
        ensure_parent_run(study, attrs, spec, task, tracker)
    trials = study.get_trials(deepcopy=False)
    added = repair_slots(study, spec, trials)
    LOG.info("study %s: %d slot(s) enqueued, %d trial(s) in total", spec.name, added, len(trials))


def ensure_parent_run(
    study: optuna.Study, attrs: Mapping[str, Any], spec: StudySpec, task: Any, tracker: Any
) -> None:
    """The study's MLflow parent run: created once (per tracking store), reopened when the study
    got more trials than it has finished, created anew when the recorded one is not in this store
    (a fresh clone resuming from a committed journal starts a new MLflow store under the same URI).
    ``attrs`` are the study's attributes before this init."""
    from odyssey.sweep.tracking import experiment_name, model_tags

    experiment_id = tracker.ensure_experiment(experiment_name(spec.study, spec.task))
    recorded = attrs.get("mlflow_parent_run_id")
    same_store = recorded is not None and attrs.get("mlflow_uri") == tracker.uri
    status = tracker.run_status(recorded) if same_store else None
    if status is None:
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
                **model_tags(spec.variant, architecture(task, spec.architecture, spec.budget.init)),
            },
        )
        study.set_user_attr("mlflow_parent_run_id", parent)
        study.set_user_attr("mlflow_experiment_id", experiment_id)
        study.set_user_attr("mlflow_uri", tracker.uri)
    elif (
        len(finished_slots(study.get_trials(deepcopy=False), spec.n_trials)) < spec.n_trials
        and status != "RUNNING"
    ):  # the study got more trials: its parent run is running again
        tracker.reopen(recorded, {"n_trials": spec.n_trials})


def first_difference(old: str, new: str) -> str:
    """The first setting in which two fingerprints differ, as ``key: old -> new``."""
    a, b = json.loads(old), json.loads(new)
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            before = json.dumps(a.get(key), default=str)
            after = json.dumps(b.get(key), default=str)
            return f"{key}: {before} -> {after}"
    return "unknown difference"
