"""One dataset row from one finished trial of the Optuna storage (:mod:`odyssey.export.schema`).

The row is read from the trial's full record (``user_attrs["record"]``, written by the worker from
:class:`odyssey.training.trial.TrialRecord`), so it carries what the trials table leaves out: the
per-epoch curves, every final metric, the budget and the whole provenance.

Identity on the architecture axis (:mod:`odyssey.study.models`): ``model`` is the study's model
name (``spec.variant``; the cell's name for a plain variant), ``cell`` the recurrent cell that
model trains (``spec.architecture.cell``; two models may share one), and ``architecture`` the
concrete shape the trial trained (:func:`odyssey.study.spec.trial_architecture`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from optuna.trial import FrozenTrial

from odyssey.study.space import trial_params
from odyssey.study.spec import LOCATION_OPTIONS, StudySpec, trial_architecture


def portable_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Task options without those that only say where the data lives on one machine."""
    return {k: v for k, v in sorted(options.items()) if k not in LOCATION_OPTIONS}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _curve(values: Any) -> list[float | None]:
    return [None if v is None else float(v) for v in (values or [])]


def _metrics(values: Mapping[str, Any]) -> dict[str, float]:
    return {str(k): float(v) for k, v in sorted(values.items()) if v is not None}


def trial_row(spec: StudySpec, slot: int, trial: FrozenTrial) -> dict[str, Any]:
    """The dataset row of ``trial`` (slot ``slot`` of study ``spec``).

    Raises ValueError (one line) if the trial carries no record: the storage was not written by
    this project's workers.
    """
    record = trial.user_attrs.get("record")
    if not isinstance(record, Mapping):
        raise ValueError(
            f"{spec.name} trial {trial.number} is {trial.state.name} but has no record: "
            f"the storage was written by another program"
        )
    params = trial_params(trial.params) if trial.params else dict(record["params"])
    prov = record.get("provenance") or {}
    curves = record.get("curves") or {}
    return {
        "study": spec.study,
        "task": spec.task,
        "task_options": _canonical(portable_options(spec.task_options)),
        "model": spec.variant,
        "cell": spec.architecture.cell,
        "architecture": _canonical(trial_architecture(spec, record)),
        "trial": int(slot),
        "optuna_number": int(trial.number),
        "state": trial.state.name,
        "hidden_size": int(params["hidden_size"]),
        "learning_rate": float(params["learning_rate"]),
        "momentum": float(params["momentum"]),
        "input_noise": float(params["input_noise"]),
        "seed": int(record["seed"]),
        "metric_name": record["metric_name"],
        "metric_direction": record["metric_direction"],
        "valid_metric": float(record["valid_metric"]),
        "test_metric": float(record["test_metric"]),
        "valid_metrics": _metrics(record.get("valid_metrics") or {}),
        "test_metrics": _metrics(record.get("test_metrics") or {}),
        "best_epoch": int(record["best_epoch"]),
        "epochs": int(record["epochs"]),
        "stop_reason": record["stop_reason"],
        "diverged": bool(record["diverged"]),
        "curve_valid_metric": _curve(curves.get("valid_metric")),
        "curve_train_loss": _curve(curves.get("train_loss")),
        "curve_time_s": _curve(curves.get("time_s")),
        "wall_time_s": float(record["wall_time_s"]),
        "n_params": int(record["n_params"]),
        "threads": int(prov.get("threads") or 1),
        "budget": _canonical(record.get("budget") or spec.budget.to_dict()),
        "device": str(prov.get("device", "unknown")),
        "device_name": str(prov.get("device_name", "unknown")),
        "git_commit": str(prov.get("git_commit", "unknown")),
        "torch_version": str(prov.get("torch_version", "unknown")),
        "versions": _canonical(prov.get("versions") or {}),
    }
