"""Tests of odyssey.export.dataset (and `odyssey export`): a generated study's storage to the
Parquet dataset and back, the same bytes every time; a study of two models that share a cell,
swept by the real workers, keeps each model's name and shape apart from the cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from dataset_support import write_study
from engine_support import init_config, tiny_config, work

from odyssey.cli import main
from odyssey.export.dataset import export_study
from odyssey.export.read import read_dataset, read_metadata, read_rows
from odyssey.export.records import trial_row
from odyssey.export.schema import NAMES, SCHEMA_VERSION
from odyssey.study.locations import Locations
from odyssey.study.spec import specs_from_config
from odyssey.sweep.collect import finished_trials


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> dict:
    return write_study(tmp_path_factory.mktemp("export"), n=6)


def test_round_trip_gives_back_every_row(study: dict, tmp_path: Path) -> None:
    specs, where = specs_from_config(study), Locations.from_config(study)
    out = export_study(specs, where, tmp_path)
    expected = [trial_row(*found) for found in finished_trials(specs, where.storage_url)]
    assert read_rows(out) == expected and len(expected) == 12
    frame = read_dataset(tmp_path)
    assert list(frame.columns) == list(NAMES) and len(frame) == 12
    assert frame.groupby("cell").size().to_dict() == {"GRU": 6, "V": 6}
    assert (frame["model"] == frame["cell"]).all()  # plain variants: the model is the cell
    assert frame.attrs["odyssey"]["schema_version"] == SCHEMA_VERSION
    assert frame.loc[0, "curve_valid_metric"] == expected[0]["curve_valid_metric"]


def test_metadata_states_the_study_settings(study: dict, tmp_path: Path) -> None:
    meta = read_metadata(
        export_study(specs_from_config(study), Locations.from_config(study), tmp_path)
    )
    entry = meta["tasks"]["adding"]
    assert meta["study"] == "test" and meta["git_commits"] == ["0123abc"]
    assert entry["models"] == ["V", "GRU"] and entry["rows"] == 12 and entry["n_trials"] == 6
    assert entry["search_space"]["learning_rate"]["low"] == 1e-6
    assert entry["metric_name"] == "mse" and meta["source"] == "Optuna journal journal.log"
    assert (tmp_path / "DATASHEET.md").is_file()


def test_the_same_storage_gives_the_same_bytes(study: dict, tmp_path: Path) -> None:
    specs, where = specs_from_config(study), Locations.from_config(study)
    first = export_study(specs, where, tmp_path / "a").read_bytes()
    assert export_study(specs, where, tmp_path / "b").read_bytes() == first


def test_cli_export(study: dict, tmp_path: Path, capsys) -> None:
    config = tmp_path / "study.yaml"
    config.write_text(yaml.safe_dump(study))
    assert main(["export", "--config", str(config), "--out", str(tmp_path / "ds")]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == {"adding": 12}
    assert len(read_rows(tmp_path / "ds")) == 12


MODELS = {"LSTM": {"cell": "V"}, "BiLSTM": {"cell": "V", "bidirectional": True}}


@pytest.fixture(scope="module")
def two_models(tmp_path_factory) -> dict:
    """Two trials each of LSTM and BiLSTM (both cell V) on the tiny adding task, run by the real
    worker (no MLflow)."""
    cfg = tiny_config(
        tmp_path_factory.mktemp("models"), n_trials=2, models=MODELS, tracking_uri="none"
    )
    init_config(cfg)
    for name in MODELS:
        assert work(cfg, "adding", name) == 2
    return cfg


def test_models_sharing_a_cell_are_told_apart(two_models: dict, tmp_path: Path) -> None:
    specs, where = specs_from_config(two_models), Locations.from_config(two_models)
    frame = read_dataset(export_study(specs, where, tmp_path))
    assert frame.groupby("model").size().to_dict() == {"BiLSTM": 2, "LSTM": 2}
    assert set(frame["cell"]) == {"V"}  # the cell trained, not the model's name
    shapes = {m: json.loads(a) for m, a in zip(frame["model"], frame["architecture"], strict=True)}
    lstm = {"cell": "V", "bidirectional": False, "num_layers": 1, "frontend": None, "init": "paper"}
    assert shapes == {"LSTM": lstm, "BiLSTM": {**lstm, "bidirectional": True}}
    assert frame.attrs["odyssey"]["tasks"]["adding"]["models"] == ["LSTM", "BiLSTM"]
    assert (
        "finished trials of 2 per model (LSTM 2, BiLSTM 2)"
        in (tmp_path / "DATASHEET.md").read_text()
    )
