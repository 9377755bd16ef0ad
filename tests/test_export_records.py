"""Tests of odyssey.export.records: a dataset row from a stored trial record; the model's name,
its cell and the shape it trained are three columns."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import optuna
import pytest
from dataset_support import make_record
from engine_support import tiny_config

from odyssey.export.records import portable_options, trial_architecture, trial_row
from odyssey.export.schema import NAMES
from odyssey.study.models import Model
from odyssey.study.space import PAPER_SPACE
from odyssey.study.spec import StudySpec

PARAMS = {"hidden_size": 50, "learning_rate": 1e-3, "momentum": 0.9, "input_noise": 0.2}
PLAIN_V = {"cell": "V", "bidirectional": False, "num_layers": 1, "frontend": None, "init": "paper"}


@pytest.fixture()
def spec(tmp_path) -> StudySpec:
    cfg = tiny_config(tmp_path, search_space=dict(PAPER_SPACE))
    return StudySpec.from_config(cfg, "adding", "V")


def _trial(spec: StudySpec, record: dict | None) -> optuna.trial.FrozenTrial:
    attrs = {"slot": 1} if record is None else {"slot": 1, "record": record}
    return optuna.trial.create_trial(value=1.0, user_attrs=attrs)


def test_row_has_every_column_and_the_record_values(spec: StudySpec) -> None:
    record = make_record(spec, 1, PARAMS, np.random.default_rng(0))
    row = trial_row(spec, 1, _trial(spec, record))
    assert list(row) == list(NAMES)
    assert row["cell"] == row["model"] == "V" and row["trial"] == 1 and row["study"] == "test"
    assert json.loads(row["architecture"]) == PLAIN_V
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


def _model_spec(spec: StudySpec, model: Model) -> StudySpec:
    return dataclasses.replace(spec, variant=model.name, model=model)


def test_a_model_s_row_names_the_model_and_the_cell_it_trains(spec: StudySpec) -> None:
    two = _model_spec(spec, Model("LSTM-2", "V", num_layers=2))
    record = make_record(two, 1, PARAMS, np.random.default_rng(0))
    record["architecture"] = {**PLAIN_V, "num_layers": 2}  # as the worker stores it
    row = trial_row(two, 1, _trial(two, record))
    assert (row["model"], row["cell"]) == ("LSTM-2", "V")
    assert row["architecture"] == json.dumps(record["architecture"], sort_keys=True)


def test_a_record_without_its_shape_gets_the_model_on_the_task_s_shape(spec: StudySpec) -> None:
    bi = _model_spec(spec, Model("BiLSTM", "V", bidirectional=True, init="forget_bias"))
    record = make_record(bi, 1, PARAMS, np.random.default_rng(0))
    assert "architecture" not in record  # a record written before the models axis
    shape = {**PLAIN_V, "bidirectional": True, "init": "forget_bias"}
    assert trial_architecture(bi, record) == shape
    assert trial_architecture(spec, {**record, "budget": {"init": "pytorch"}})["init"] == "pytorch"
    assert json.loads(trial_row(bi, 1, _trial(bi, record))["architecture"]) == shape
