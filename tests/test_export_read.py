"""Tests of odyssey.export.read: what is not a dataset, or of another major version, is refused
in one line; a 1.0 file (before ``model`` and ``architecture``) reads with the current columns."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from odyssey.export.dataset import write_dataset
from odyssey.export.read import dataset_path, read_dataset, read_metadata, read_rows
from odyssey.export.schema import ADDED, ARROW_SCHEMA, METADATA_KEY, NAMES


def test_missing_dataset_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no trials dataset at .*odyssey export --config"):
        dataset_path(tmp_path)


def test_plain_parquet_is_not_a_dataset(tmp_path: Path) -> None:
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "trials.parquet")
    with pytest.raises(ValueError, match="not a trials dataset"):
        read_metadata(tmp_path)


def test_another_major_version_is_refused(tmp_path: Path) -> None:
    write_dataset([], {"schema_version": "2.0.0", "tasks": {}}, tmp_path)
    with pytest.raises(ValueError, match="has dataset schema 2.0.0; this code reads 1."):
        read_dataset(tmp_path)


def test_an_empty_dataset_reads_as_an_empty_frame(tmp_path: Path) -> None:
    write_dataset([], {"schema_version": "1.0.0", "tasks": {}}, tmp_path)
    frame = read_dataset(tmp_path / "trials.parquet")
    assert frame.empty and "curve_valid_metric" in frame.columns
    assert json.dumps(frame.attrs["odyssey"]) == '{"schema_version": "1.0.0", "tasks": {}}'


def _old_row(cell: str) -> dict:
    """A row of a 1.0.0 file: every column but those added since, placeholders but ``cell``."""
    blank = {pa.string(): "x", pa.int64(): 0, pa.float64(): 0.0, pa.bool_(): False}
    row = {f.name: blank.get(f.type, []) for f in ARROW_SCHEMA if f.name not in ADDED}
    return {**row, "cell": cell, "valid_metrics": {}, "test_metrics": {}}


def test_a_1_0_file_reads_with_model_from_its_cell(tmp_path: Path) -> None:
    old = pa.schema([f for f in ARROW_SCHEMA if f.name not in ADDED])  # the 1.0.0 columns
    meta = {METADATA_KEY: json.dumps({"schema_version": "1.0.0", "tasks": {}})}
    table = pa.Table.from_pylist([_old_row("V"), _old_row("GRU")], schema=old.with_metadata(meta))
    pq.write_table(table, tmp_path / "trials.parquet")
    frame = read_dataset(tmp_path)
    assert list(frame.columns) == list(NAMES)
    assert list(frame["model"]) == list(frame["cell"]) == ["V", "GRU"]
    assert frame["architecture"].isna().all()
    assert [row["model"] for row in read_rows(tmp_path)] == ["V", "GRU"]
