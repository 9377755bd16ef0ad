"""Tests of odyssey.sweep.collect: the trials table matches the storage, CSV and Parquet,
progress."""

from __future__ import annotations

from pathlib import Path

import optuna
import pandas as pd
import pytest
from engine_support import tiny_config
from optuna.trial import TrialState

from odyssey.study.locations import Locations, default_storage_url
from odyssey.study.space import trial_params
from odyssey.study.spec import StudySpec, specs_from_config, task_specs
from odyssey.sweep.collect import COLUMNS, collect_task, progress
from odyssey.sweep.studies import init_storage
from odyssey.sweep.worker import run_worker


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> dict:
    """Two tiny studies (V: complete, NP: one of two trials) without MLflow."""
    root = tmp_path_factory.mktemp("collect")
    cfg = tiny_config(root, n_trials=2, variants=["V", "NP"])
    url = default_storage_url(root)
    specs = [StudySpec.from_config(cfg, "adding", v) for v in ("V", "NP")]
    init_storage(specs, Locations(url))
    run_worker(specs[0], Locations(url))
    run_worker(specs[1], Locations(url), max_trials=1)
    return cfg


def test_table_has_one_row_per_finished_trial_and_matches_storage(swept, tmp_path: Path) -> None:
    out = tmp_path / "trials" / "adding.csv"
    frame = collect_task(task_specs(swept, "adding"), Locations.from_config(swept), out)
    assert list(frame.columns[: len(COLUMNS)]) == list(COLUMNS)
    extras = list(frame.columns[len(COLUMNS) :])
    assert extras == sorted(["valid_loss", "valid_hit_rate", "test_loss", "test_hit_rate"])
    assert len(frame) == 3 and frame.groupby("variant").size().to_dict() == {"V": 2, "NP": 1}

    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(default_storage_url(swept["results_dir"]))
    )
    for variant in ("V", "NP"):
        study = optuna.load_study(study_name=f"test.adding.{variant}", storage=storage)
        finished = [t for t in study.get_trials() if t.state == TrialState.COMPLETE]
        for trial in finished:
            row = frame[(frame.variant == variant) & (frame.trial == trial.user_attrs["slot"])]
            assert len(row) == 1
            row = row.iloc[0]
            record = trial.user_attrs["record"]
            for key, value in trial_params(trial.params).items():
                assert row[key] == pytest.approx(value)
            assert row.valid_metric == pytest.approx(trial.value)
            assert row.test_metric == pytest.approx(record["test_metric"])
            assert row.state == "COMPLETE" and row.seed == record["seed"]
            assert row.test_hit_rate == pytest.approx(record["test_metrics"]["hit_rate"])
            assert row.metric_name == "mse" and row.metric_direction == "minimize"

    from_csv = pd.read_csv(out)
    from_parquet = pd.read_parquet(out.with_suffix(".parquet"))
    pd.testing.assert_frame_equal(from_parquet, frame)
    assert list(from_csv.columns) == list(frame.columns) and len(from_csv) == 3
    assert from_csv["diverged"].dtype == bool and from_csv["seed"].tolist() == frame.seed.tolist()


def test_low_level_collect_and_progress(swept, tmp_path: Path) -> None:
    url = default_storage_url(swept["results_dir"])
    np_spec = StudySpec.from_config(swept, "adding", "NP")
    frame = collect_task([np_spec], Locations(url), tmp_path / "np.csv")
    assert frame.trial.tolist() == [0]
    table = progress(specs_from_config(swept), Locations(url)).set_index("variant")
    assert table.loc["V", "finished"] == 2 and table.loc["NP", "finished"] == 1
    assert table.loc["NP", "waiting"] == 1 and table.loc["NP", "n_trials"] == 2
    assert bool(table.loc["V", "initialised"])
    best_v = collect_task(task_specs(swept, "adding"), Locations(url), tmp_path / "a.csv").query(
        "variant == 'V'"
    )
    assert table.loc["V", "best_valid_metric"] == pytest.approx(best_v.valid_metric.min())


def test_progress_before_init_and_unknown_task(tmp_path: Path) -> None:
    cfg = tiny_config(tmp_path / "fresh")
    table = progress(specs_from_config(cfg), Locations.from_config(cfg))
    assert not table.initialised.any() and table.finished.sum() == 0
    with pytest.raises(ValueError, match="task 'jsb' is not in the config"):
        collect_task(task_specs(cfg, "jsb"), Locations.from_config(cfg), tmp_path / "x.csv")
