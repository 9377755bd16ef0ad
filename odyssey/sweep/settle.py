"""Settling MLflow with the Optuna storage after killed workers (the storage is the truth).

A worker writes its MLflow calls on a background thread (:mod:`odyssey.sweep.tracking`), so a
worker SIGKILLed just after telling Optuna a trial's result can leave that trial's run RUNNING,
or never created. :func:`settle_runs` puts MLflow right for one study: a finished trial's RUNNING
run gets the record's final metrics and ends FINISHED; a run whose trial is neither running nor
finished ends KILLED; with ``create_missing`` a finished trial that has no run gets one, made from
its record (params, tags, final metrics; tag ``settled``). The study's last workers settle the
RUNNING runs when it completes; ``collect`` (one process, after the workers) also creates the
missing ones, so the trials table and MLflow agree: one FINISHED child run per finished trial.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from optuna.trial import FrozenTrial, TrialState

from odyssey.study.spec import StudySpec, trial_architecture
from odyssey.sweep.slots import FINISHED, finished_slots
from odyssey.sweep.tracking import model_tags, record_metrics, run_params, trial_tags

LOG = logging.getLogger("odyssey.sweep.settle")


def settle_runs(
    tracker: Any,
    experiment_id: str,
    parent_run_id: str,
    trials: Sequence[FrozenTrial],
    *,
    spec: StudySpec | None = None,
) -> int:
    """Settle the child runs of ``parent_run_id`` with ``trials``; return how many changed.

    With ``spec``, finished trials (of its ``n_trials`` slots) without any run get one.
    """
    query = f"tags.mlflow.parentRunId = '{parent_run_id}'"
    runs = tracker.client.search_runs([experiment_id], filter_string=query, max_results=50000)
    by_number = {trial.number: trial for trial in trials}
    settled = 0
    for run in runs:
        trial = by_number.get(int(run.data.tags.get("optuna_trial_number", -1)))
        if run.info.status != "RUNNING" or trial is None:
            continue
        if trial.state in (TrialState.RUNNING, TrialState.WAITING):
            continue
        record = trial.user_attrs.get("record")
        if trial.state in FINISHED and isinstance(record, Mapping):
            finish(tracker, run.info.run_id, trial, record)
        else:
            tracker.end_run(run.info.run_id, "KILLED", {"state": trial.state.name})
        settled += 1
    if spec is not None:
        have = {int(run.data.tags.get("optuna_trial_number", -1)) for run in runs}
        for slot, trial in finished_slots(trials, spec.n_trials).items():
            if trial.number not in have and isinstance(trial.user_attrs.get("record"), Mapping):
                create(tracker, experiment_id, parent_run_id, spec, slot, trial)
                settled += 1
    if settled:
        LOG.warning("study %s: %d MLflow run(s) of killed workers settled", parent_run_id, settled)
    return settled


def finish(tracker: Any, run_id: str, trial: FrozenTrial, record: Mapping[str, Any]) -> None:
    """Log the record's final metrics on run ``run_id`` and end it FINISHED."""
    from mlflow.entities import Metric

    stamp = int(time.time() * 1000)
    values = record_metrics(record)
    metrics = [Metric(k, float(v), stamp, 0) for k, v in values.items() if v == v]
    tracker.client.log_batch(run_id, metrics=metrics)
    tags = {"state": trial.state.name, "stop_reason": record["stop_reason"], "settled": True}
    tracker.end_run(run_id, "FINISHED", tags)


def create(
    tracker: Any,
    experiment_id: str,
    parent_run_id: str,
    spec: StudySpec,
    slot: int,
    trial: FrozenTrial,
) -> None:
    """The run a killed worker never wrote for a finished trial, made from its record."""
    from mlflow.entities import Param

    record = trial.user_attrs["record"]
    tags = trial_tags(
        study=spec.study,
        task=spec.task,
        variant=spec.variant,
        trial=slot,
        number=trial.number,
        seed=record["seed"],
        provenance=record.get("provenance", {}),
    )
    shape = trial_architecture(spec, record)  # as the worker built it (old records: resolved)
    tags.update(model_tags(spec.variant, shape))
    tags = {**{k: str(v) for k, v in tags.items()}, "mlflow.parentRunId": parent_run_id}
    name = f"{spec.variant}-trial-{slot:04d}"
    run = tracker.client.create_run(experiment_id, run_name=name, tags=tags)
    searched = trial.params.get("one_minus_momentum", 1.0 - record["params"]["momentum"])
    values = run_params(record["params"], searched, record.get("budget", {}), shape)
    params = [Param(k, str(v)) for k, v in values.items()]
    tracker.client.log_batch(run.info.run_id, params=params)
    finish(tracker, run.info.run_id, trial, record)


def settle_study(spec: StudySpec, study: Any, tracking_uri: str) -> int:
    """Settle MLflow with one study (``collect``): RUNNING runs ended, missing runs created."""
    from odyssey.sweep.tracking import Tracker

    attrs = study.user_attrs
    parent = attrs.get("mlflow_parent_run_id")
    if not parent or attrs.get("mlflow_uri") != tracking_uri:
        return 0
    tracker = Tracker(tracking_uri)
    trials = study.get_trials(deepcopy=False)
    return settle_runs(tracker, attrs["mlflow_experiment_id"], parent, trials, spec=spec)
