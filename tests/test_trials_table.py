"""Trials-table columns: one definition for the writer (collect) and the reader (analysis)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from odyssey.analysis.analyse import load_trials
from odyssey.trials_table import ANALYSIS_COLUMNS, COLUMNS, PROVENANCE_COLUMNS


def _table(columns: tuple[str, ...]) -> pd.DataFrame:
    row = {c: 0 for c in columns}
    row.update(task="adding", variant="V", state="COMPLETE", diverged=False, metric_name="mse")
    return pd.DataFrame([row])[list(columns)]


def test_analysis_columns_are_the_contract_columns_less_provenance_in_order() -> None:
    assert set(PROVENANCE_COLUMNS) < set(COLUMNS)
    assert list(ANALYSIS_COLUMNS) == [c for c in COLUMNS if c not in PROVENANCE_COLUMNS]
    assert len(set(COLUMNS)) == len(COLUMNS)


def test_reader_accepts_a_table_without_provenance(tmp_path: Path) -> None:
    path = tmp_path / "adding.csv"
    _table(ANALYSIS_COLUMNS).to_csv(path, index=False)
    frame = load_trials(path)
    assert list(frame.columns) == list(ANALYSIS_COLUMNS)
    assert frame["diverged"].tolist() == [False]


def test_reader_names_a_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "adding.csv"
    _table(tuple(c for c in COLUMNS if c != "test_metric")).to_csv(path, index=False)
    with pytest.raises(ValueError, match="lacks columns test_metric"):
        load_trials(path)
