"""Reading a trials dataset written by :mod:`odyssey.export.dataset` (no Optuna, no torch).

:func:`read_rows` gives the rows as dicts exactly as they were written (maps as dicts, curves as
lists with None for a missing epoch); :func:`read_dataset` gives a pandas DataFrame with the same
values and the file's metadata in ``frame.attrs["odyssey"]``. Both refuse, in one line, a file
that is not a dataset or whose schema has another major version.

A file of an older minor version lacks the columns added since (``schema.ADDED``); both fill them
in, so every reader sees the current columns: ``model`` is the file's ``cell`` (1.0 wrote the
study's model name there, which is the cell's name for a plain ``variants`` study) and
``architecture`` is null (1.0 did not export the shape; export the study again to have it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from odyssey.export.schema import (
    ADDED,
    ARROW_SCHEMA,
    MAP,
    METADATA_KEY,
    NAMES,
    SCHEMA_VERSION,
    major,
)

DATASET_NAME = "trials.parquet"
"""The file name of a dataset inside its folder."""


def dataset_path(path: str | Path) -> Path:
    """``path`` itself if it is a file, else ``path/trials.parquet``; one line if absent."""
    path = Path(path)
    found = path / DATASET_NAME if path.is_dir() else path
    if not found.is_file():
        raise ValueError(
            f"no trials dataset at {found}: write one with "
            f"`odyssey export --config CONFIG --out {path if path.suffix == '' else path.parent}`"
        )
    return found


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The dataset's metadata (schema version, study, per-task search space and budget)."""
    found = dataset_path(path)
    meta = pq.read_schema(found).metadata or {}
    if METADATA_KEY not in meta:
        raise ValueError(
            f"{found} is a Parquet file but not a trials dataset (no odyssey metadata)"
        )
    info = json.loads(meta[METADATA_KEY])
    version = str(info.get("schema_version", "?"))
    if major(version) != major(SCHEMA_VERSION):
        raise ValueError(
            f"{found} has dataset schema {version}; this code reads {SCHEMA_VERSION}: export the "
            f"study again or use a matching version of lstm-odyssey"
        )
    return info


def _added(table: pa.Table, name: str) -> pa.Array | pa.ChunkedArray:
    """Column ``name`` (one of :data:`ADDED`) for a file written before it existed."""
    if name == "model" and "cell" in table.column_names:
        return table.column("cell")  # 1.0 wrote the study's model name as `cell`
    return pa.nulls(len(table), ARROW_SCHEMA.field(name).type)


def _filled(table: pa.Table) -> pa.Table:
    """``table`` with the columns added since its version filled in, in the current column
    order (columns this code does not know stay, after them)."""
    missing = [name for name in ADDED if name not in table.column_names]
    if not missing:
        return table
    for name in missing:
        table = table.append_column(name, _added(table, name))
    order = [name for name in NAMES if name in table.column_names]
    return table.select(order + [name for name in table.column_names if name not in order])


def _table(path: str | Path) -> pa.Table:
    read_metadata(path)
    table = _filled(pq.read_table(dataset_path(path)))
    missing = [name for name in NAMES if name not in table.column_names]
    if missing:
        raise ValueError(f"{dataset_path(path)} lacks the columns {', '.join(missing)}")
    return table


def _plain(row: dict[str, Any], map_names: list[str]) -> dict[str, Any]:
    for name in map_names:
        if row[name] is not None:
            row[name] = dict(row[name])
    return row


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """The dataset's rows as written: maps as dicts, curves as lists (None where missing)."""
    table = _table(path)
    maps = [f.name for f in table.schema if f.type == MAP]
    return [_plain(row, maps) for row in table.to_pylist()]


def read_dataset(path: str | Path) -> pd.DataFrame:
    """The dataset as a DataFrame (one row per trial; maps as dicts, curves as lists) with the
    file's metadata in ``attrs["odyssey"]``."""
    table = _table(path)
    maps = [f.name for f in table.schema if f.type == MAP]
    frame = pd.DataFrame([_plain(r, maps) for r in table.to_pylist()], columns=table.column_names)
    frame.attrs["odyssey"] = read_metadata(path)
    return frame
