"""Export the storage to one tidy trials table per task (docs/contracts.md, "The trials table").

One row per finished trial (COMPLETE, or PRUNED) of every (task, variant) study: exactly the
slots ``0 .. n_trials - 1`` that have finished (:mod:`odyssey.sweep.worker`), so a trial that was
run again after a crash appears once. Columns are those of the contract, in its order, followed by
``valid_<name>`` and ``test_<name>`` for every extra metric of the task (sorted by name). The
``trial`` column is the slot (the parameter-set index k). Written as CSV and, beside it, Parquet
(same stem); both are written to a temporary file first and renamed, so a reader never sees a
half-written table. The report reads only these tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from optuna.trial import TrialState

from odyssey.sweep.worker import StudySpec, finished_slots, trial_params
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


def trials_frame(
    storage_url: str,
    task: str,
    variants: Sequence[str],
    *,
    study: str = "odyssey",
    n_trials: int | None = None,
) -> pd.DataFrame:
    """The trials table of ``task`` over ``variants`` (no file written).

    ``n_trials``: the slots to take (default: each study's own ``n_trials``).
    """
    from odyssey.sweep.storage import load_study, open_storage

    storage = open_storage(storage_url, create=False)
    rows = []
    for variant in variants:
        name = f"{study}.{task}.{variant}"
        loaded = load_study(storage, name, storage_url)
        limit = n_trials if n_trials is not None else int(loaded.user_attrs.get("n_trials", 0))
        done = finished_slots(loaded.get_trials(deepcopy=False), limit)
        rows.extend(_row(task, variant, slot, done[slot]) for slot in sorted(done))
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


def _atomic(path: Path, write: Any) -> None:
    # temp file + rename; the file gets the umask's mode (mkstemp alone would leave it 0o600)
    atomic_write(path, write)


def write_table(frame: pd.DataFrame, out_csv: str | Path) -> Path:
    """Write ``frame`` to ``out_csv`` and to the Parquet file beside it; return the CSV path."""
    out = Path(out_csv)
    _atomic(out, lambda tmp: frame.to_csv(tmp, index=False))
    _atomic(out.with_suffix(".parquet"), lambda tmp: frame.to_parquet(tmp, index=False))
    return out


def collect_task(
    config_or_storage: Mapping[str, Any] | str,
    task: str,
    variants_or_out: Sequence[str] | str | Path,
    out_csv: str | Path | None = None,
    *,
    study: str = "odyssey",
) -> pd.DataFrame:
    """Write the trials table of ``task``; return it.

    ``collect_task(cfg, task, out_csv)`` for a validated config (its variants and ``n_trials``), or
    ``collect_task(storage_url, task, variants, out_csv, study=...)``.
    """
    if isinstance(config_or_storage, Mapping):
        cfg = config_or_storage
        from odyssey.sweep.worker import _settings

        _, storage_url, _ = _settings(cfg)
        if task not in cfg["tasks"]:
            raise ValueError(
                f"task {task!r} is not in the config (tasks: {', '.join(cfg['tasks'])})"
            )
        out = Path(variants_or_out)  # type: ignore[arg-type]
        frame = trials_frame(
            storage_url,
            task,
            list(cfg["variants"]),
            study=str(cfg.get("study", "odyssey")),
            n_trials=int(cfg["tasks"][task]["n_trials"]),
        )
    else:
        if out_csv is None:
            raise ValueError("collect_task(storage_url, task, variants, out_csv): out_csv missing")
        out = Path(out_csv)
        frame = trials_frame(str(config_or_storage), task, list(variants_or_out), study=study)
    write_table(frame, out)
    return frame


def progress(cfg: Mapping[str, Any]) -> pd.DataFrame:
    """One row per (task, variant) study: trial counts by state, diverged, best validation metric.

    A study that is not initialised yet shows ``initialised = False`` and zero counts.
    """
    from odyssey.sweep.storage import open_storage
    from odyssey.sweep.worker import _settings, specs_from_config

    _, storage_url, _ = _settings(cfg)
    storage = None
    if "://" in storage_url or Path(storage_url).exists():
        storage = open_storage(storage_url, create=False)
    rows = []
    for spec in specs_from_config(cfg):
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
    import optuna

    if storage is None:
        return None
    try:
        return optuna.load_study(study_name=spec.name, storage=storage).get_trials(deepcopy=False)
    except KeyError:
        return None
