"""Tests of odyssey.export.records: a dataset row from a stored trial record."""

from __future__ import annotations

import json

import numpy as np
import optuna
import pytest
from dataset_support import make_record
from engine_support import tiny_config

from odyssey.export.records import portable_options, trial_row
from odyssey.export.schema import NAMES
from odyssey.study.space import PAPER_SPACE
from odyssey.study.spec import StudySpec


@pytest.fixture()
def spec(tmp_path) -> StudySpec:
    cfg = tiny_config(tmp_path, search_space=dict(PAPER_SPACE))
    return StudySpec.from_config(cfg, "adding", "V")


def _trial(spec: StudySpec, record: dict | None) -> optuna.trial.FrozenTrial:
    attrs = {"slot": 1} if record is None else {"slot": 1, "record": record}
    return optuna.trial.create_trial(value=1.0, user_attrs=attrs)


def test_row_has_every_column_and_the_record_values(spec: StudySpec) -> None:
    params = {"hidden_size": 50, "learning_rate": 1e-3, "momentum": 0.9, "input_noise": 0.2}
    record = make_record(spec, 1, params, np.random.default_rng(0))
    row = trial_row(spec, 1, _trial(spec, record))
    assert list(row) == list(NAMES)
    assert row["cell"] == "V" and row["trial"] == 1 and row["study"] == "test"
    assert row["curve_valid_metric"] == record["curves"]["valid_metric"]
    assert row["curve_train_loss"][0] is None
    assert row["valid_metrics"] == {"hit_rate": 0.5, "mse": record["valid_metric"]}
    assert json.loads(row["budget"])["max_epochs"] == spec.budget.max_epochs
    assert row["hidden_size"] == 50 and row["device_name"] == "test CPU"


def test_a_trial_without_record_is_refused_in_one_line(spec: StudySpec) -> None:
    with pytest.raises(ValueError, match="has no record: the storage was written by another"):
        trial_row(spec, 1, _trial(spec, None))


def test_data_paths_are_left_out_of_the_options() -> None:
    assert portable_options({"data_path": "/home/me", "lag": 5}) == {"lag": 5}
