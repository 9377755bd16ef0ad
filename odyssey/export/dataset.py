"""Export a study from its Optuna storage to a versioned trials dataset and its data sheet.

``export_study(specs, locations, out_dir)`` writes ``out_dir/trials.parquet`` (one row per
finished trial of every (task, model) study, the columns of :mod:`odyssey.export.schema`, the
study's settings in the file's metadata) and ``out_dir/DATASHEET.md`` beside it
(:mod:`odyssey.export.datasheet`). It reads the same finished slots as the trials table
(:func:`odyssey.sweep.collect.finished_trials`), so a re-run trial appears once. The same storage
gives the same bytes: nothing in the files depends on the time or the machine of the export.
Used by ``odyssey export`` and the Snakemake rule ``export``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from odyssey.export.datasheet import write_datasheet
from odyssey.export.read import DATASET_NAME
from odyssey.export.records import portable_options, trial_row
from odyssey.export.schema import ARROW_SCHEMA, METADATA_KEY, SCHEMA_VERSION
from odyssey.study.locations import Locations, is_rdb, redact
from odyssey.study.space import space_dict
from odyssey.study.spec import StudySpec
from odyssey.sweep.collect import finished_trials
from tasks.base import atomic_write


def _source(url: str) -> str:
    """Where the record came from, without machine-specific folders (or passwords)."""
    return redact(url) if is_rdb(url) else f"Optuna journal {Path(url).name}"


def study_metadata(
    specs: Sequence[StudySpec], rows: Sequence[dict[str, Any]], storage_url: str
) -> dict[str, Any]:
    """The dataset's metadata: schema version, study, source, and per task its settings, with
    ``models`` the names of its studies' models (the architecture axis; plain variants: cells)."""
    tasks: dict[str, Any] = {}
    for spec in specs:
        entry = tasks.setdefault(
            spec.task,
            {
                "models": [],
                "n_trials": spec.n_trials,
                "rows": 0,
                "task_options": portable_options(spec.task_options),
                "search_space": space_dict(spec.search_space),
                "sampler": spec.sampler,
                "pruner": spec.pruner,
                "seed": spec.seed,
                "budget": spec.budget.to_dict(),
            },
        )
        entry["models"].append(spec.variant)
    for row in rows:
        tasks[row["task"]]["rows"] += 1
        tasks[row["task"]].setdefault("metric_name", row["metric_name"])
        tasks[row["task"]].setdefault("metric_direction", row["metric_direction"])
    return {
        "schema_version": SCHEMA_VERSION,
        "study": specs[0].study,
        "source": _source(storage_url),
        "git_commits": sorted({row["git_commit"] for row in rows}),
        "tasks": tasks,
    }


def write_dataset(rows: Sequence[dict[str, Any]], meta: dict[str, Any], out_dir: Path) -> Path:
    """Write ``rows`` with ``meta`` to ``out_dir/trials.parquet`` (atomically); return the path."""
    schema = ARROW_SCHEMA.with_metadata(
        {METADATA_KEY: json.dumps(meta, sort_keys=True, default=str)}
    )
    table = pa.Table.from_pylist(list(rows), schema=schema)
    out = Path(out_dir) / DATASET_NAME
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, lambda tmp: pq.write_table(table, tmp, compression="zstd"))
    return out


def export_study(specs: Sequence[StudySpec], locations: Locations, out_dir: str | Path) -> Path:
    """Write the dataset and its data sheet of the studies ``specs``; return the Parquet path.

    Raises ValueError (one line) for no studies, or a study missing from the storage.
    """
    if not specs:
        raise ValueError("export: the config names no studies (tasks x models is empty)")
    rows = [
        trial_row(spec, slot, trial)
        for spec, slot, trial in finished_trials(specs, locations.storage_url)
    ]
    meta = study_metadata(specs, rows, locations.storage_url)
    out = write_dataset(rows, meta, Path(out_dir))
    write_datasheet(meta, rows, Path(out_dir))
    return out
