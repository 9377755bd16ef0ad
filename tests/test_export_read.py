"""Tests of odyssey.export.read: what is not a dataset, or of another major version, is refused
in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from odyssey.export.dataset import write_dataset
from odyssey.export.read import dataset_path, read_dataset, read_metadata


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
