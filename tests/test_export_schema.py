"""Tests of odyssey.export.schema: one definition of the dataset's columns and version."""

from __future__ import annotations

import pytest

from odyssey.export.schema import ADDED, ARROW_SCHEMA, COLUMNS, NAMES, SCHEMA_VERSION, major
from odyssey.trials_table import COLUMNS as TABLE_COLUMNS


def test_every_column_is_named_once_with_a_meaning() -> None:
    assert len(set(NAMES)) == len(NAMES) == len(ARROW_SCHEMA)
    assert all(c.description and c.group for c in COLUMNS)
    assert ARROW_SCHEMA.names == list(NAMES)


def test_the_dataset_holds_every_trials_table_fact() -> None:
    renamed = {"variant": "model"}  # the table's variant is the model's name
    assert {renamed.get(c, c) for c in TABLE_COLUMNS} <= set(NAMES)
    assert {"model", "cell", "architecture"} <= set(NAMES)
    assert {"curve_valid_metric", "curve_train_loss", "curve_time_s", "budget"} <= set(NAMES)


def test_version_is_semantic() -> None:
    assert major(SCHEMA_VERSION) == 1
    assert set(ADDED) <= set(NAMES) and all(major(v) == 1 for v in ADDED.values())
    with pytest.raises(ValueError, match="MAJOR.MINOR.PATCH"):
        major("v1")
