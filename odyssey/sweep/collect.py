"""Export the storage to one tidy trials table per task (docs/contracts.md, "The trials table").

One row per finished trial (COMPLETE, or PRUNED) of every (task, variant) study: exactly the
slots ``0 .. n_trials - 1`` that have finished (:mod:`odyssey.sweep.slots`), so a trial that was
run again after a crash appears once. Columns are those of the contract, in its order, followed by
``valid_<name>`` and ``test_<name>`` for every extra metric of the task (sorted by name). The
``trial`` column is the slot (the parameter-set index k). Written as CSV and, beside it, Parquet
(same stem); both are written to a temporary file first and renamed, so a reader never sees a
half-written table. The report reads only these tables. With tracking, :func:`collect_task` first
settles MLflow with the storage (:mod:`odyssey.sweep.settle`: runs that killed workers left
RUNNING or never wrote).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import optuna
import pandas as pd
from optuna.trial import FrozenTrial, TrialState

from odyssey.study.locations import Locations, is_rdb
from odyssey.study.space import trial_params
from odyssey.study.spec import StudySpec
from odyssey.sweep.slots import finished_slots
from odyssey.sweep.storage import load_study, open_storage
from odyssey.trials_table import COLUMNS
from tasks.base import atomic_write


def _row(task: str, variant: str, slot: int, trial: Any) -> dict[str, Any]:
    record = trial.user_attrs.get("record")
    if not isinstance(record, Mapping):
        raise ValueError(
            f"{task}/{variant} trial {trial.number} is {trial.state.name} but has no record: "
            f"the storage was written by another program"
        )
    params = trial_params(trial.params) if trial.params else record["params"]
    prov = record.get("provenance", {})
    row: dict[str, Any] = {
        "task": task,
        "variant": variant,
        "trial": slot,
        "state": trial.state.name,
        **params,
        "valid_metric": record["valid_metric"],
        "test_metric": record["test_metric"],
        "metric_name": record["metric_name"],
        "metric_direction": record["metric_direction"],
        "best_epoch": record["best_epoch"],
        "epochs": record["epochs"],
        "stop_reason": record["stop_reason"],
        "diverged": bool(record["diverged"]),
        "n_params": record["n_params"],
        "wall_time_s": record["wall_time_s"],
        "seed": record["seed"],
        "device": prov.get("device", "unknown"),
        "git_commit": prov.get("git_commit", "unknown"),
        "torch_version": prov.get("torch_version", "unknown"),
    }
    metric = record["metric_name"]
    for prefix, values in (("valid_", record["valid_metrics"]), ("test_", record["test_metrics"])):
        for name, value in values.items():
            if name != metric:
                row[prefix + name] = value
    return row


def finished_trials(
    specs: Sequence[StudySpec], storage_url: str
) -> Iterator[tuple[StudySpec, int, FrozenTrial]]:
    """(spec, slot, trial) of every finished slot below each study's ``n_trials``, study by study
    and slot by slot (the rows of the trials table; :mod:`odyssey.export` reads them too)."""
    storage = open_storage(storage_url, create=False)
    for spec in specs:
        loaded = load_study(storage, spec.name, storage_url)
        done = finished_slots(loaded.get_trials(deepcopy=False), spec.n_trials)
        for slot in sorted(done):
            yield spec, slot, done[slot]


def trials_frame(specs: Sequence[StudySpec], storage_url: str) -> pd.DataFrame:
    """The trials table of the studies ``specs`` of one task (no file written): the finished
    slots below each study's ``n_trials``."""
    rows = [
        _row(spec.task, spec.variant, slot, trial)
        for spec, slot, trial in finished_trials(specs, storage_url)
    ]
    frame = pd.DataFrame(rows, columns=None if rows else list(COLUMNS))
    extras = sorted(c for c in frame.columns if c not in COLUMNS)
    frame = frame.reindex(columns=[*COLUMNS, *extras])
    if len(frame):
        frame = frame.astype(
            {
                "trial": "int64",
                "hidden_size": "int64",
                "best_epoch": "int64",
                "epochs": "int64",
                "n_params": "int64",
                "seed": "int64",
                "diverged": "bool",
            }
        )
    return frame


def write_table(frame: pd.DataFrame, out_csv: str | Path) -> Path:
    """Write ``frame`` to ``out_csv`` and to the Parquet file beside it; return the CSV path.

    Each file is written to a temporary file and renamed (``tasks.base.atomic_write``: the file
    gets the umask's mode, so a shared folder's tables stay readable).
    """
    out = Path(out_csv)
    atomic_write(out, lambda tmp: frame.to_csv(tmp, index=False))
    atomic_write(out.with_suffix(".parquet"), lambda tmp: frame.to_parquet(tmp, index=False))
    return out


def collect_task(
    specs: Sequence[StudySpec], locations: Locations, out_csv: str | Path
) -> pd.DataFrame:
    """Write the trials table of the studies ``specs`` (one task, one per variant); return it."""
    tasks = sorted({spec.task for spec in specs})
    if len(tasks) != 1:
        raise ValueError(f"collect_task: the studies of one task are needed, got {tasks or 'none'}")
    frame = trials_frame(specs, locations.storage_url)
    if locations.tracking_uri is not None:  # MLflow made to agree with the table
        from odyssey.sweep.settle import settle_study

        storage = open_storage(locations.storage_url, create=False)
        for spec in specs:
            study = load_study(storage, spec.name, locations.storage_url)
            settle_study(spec, study, locations.tracking_uri)
    write_table(frame, out_csv)
    return frame


def progress(specs: Sequence[StudySpec], locations: Locations) -> pd.DataFrame:
    """One row per study: trial counts by state, diverged, best validation metric.

    A study that is not initialised yet shows ``initialised = False`` and zero counts.
    """
    url = locations.storage_url
    storage = open_storage(url, create=False) if is_rdb(url) or Path(url).exists() else None
    rows = []
    for spec in specs:
        row: dict[str, Any] = {
            "task": spec.task,
            "variant": spec.variant,
            "n_trials": spec.n_trials,
            "initialised": False,
        }
        counts = dict.fromkeys(
            ("finished", "complete", "pruned", "running", "waiting", "failed", "diverged"), 0
        )
        best = None
        trials = _trials_or_none(storage, spec)
        if trials is not None:
            row["initialised"] = True
            done = finished_slots(trials, spec.n_trials)
            counts["finished"] = len(done)
            for trial in trials:
                key = {
                    TrialState.RUNNING: "running",
                    TrialState.WAITING: "waiting",
                    TrialState.FAIL: "failed",
                }.get(trial.state)
                if key:
                    counts[key] += 1
            for trial in done.values():
                counts["pruned" if trial.state == TrialState.PRUNED else "complete"] += 1
                record = trial.user_attrs.get("record") or {}
                counts["diverged"] += bool(record.get("diverged"))
                if trial.value is not None and (
                    best is None
                    or (
                        trial.value < best
                        if record.get("metric_direction") != "maximize"
                        else trial.value > best
                    )
                ):
                    best = trial.value
        row.update(counts)
        row["best_valid_metric"] = best
        rows.append(row)
    return pd.DataFrame(rows)


def _trials_or_none(storage: Any, spec: StudySpec) -> list[Any] | None:
    if storage is None:
        return None
    try:
        return optuna.load_study(study_name=spec.name, storage=storage).get_trials(deepcopy=False)
    except KeyError:
        return None
