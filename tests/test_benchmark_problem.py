"""Tests of odyssey.benchmark.problem: load a generated dataset, run Optuna on the surrogate."""

from __future__ import annotations

import warnings

import optuna
import pandas as pd
import pytest
from dataset_support import write_exported

from odyssey.benchmark import load
from odyssey.benchmark.quality import measure, write
from odyssey.export.read import read_dataset


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return write_exported(tmp_path_factory.mktemp("problem"), n=20)


def _study(sampler: optuna.samplers.BaseSampler, pruner=None) -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(direction="minimize", sampler=sampler, pruner=pruner)


def test_objective_runs_in_optuna_and_tpe_finds_a_good_region(dataset) -> None:
    problem = load("adding", dataset)
    assert problem.direction == "minimize" and problem.space["learning_rate"]["low"] == 1e-6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = _study(optuna.samplers.TPESampler(seed=0))
        study.optimize(problem.objective, n_trials=40)
    best = study.best_trial
    assert set(best.params) == {"model", "hidden_size", "learning_rate", "one_minus_momentum",
                                "input_noise"}  # fmt: skip
    assert best.value < 5.0 and best.user_attrs["cost_s"] > 0
    assert isinstance(best.user_attrs["in_data"], bool)
    assert len(best.intermediate_values) == 21


def test_a_fixed_model_and_a_pruner(dataset) -> None:
    problem = load("adding", dataset, model="GRU")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = _study(optuna.samplers.RandomSampler(seed=1), optuna.pruners.MedianPruner(2, 1))
        study.optimize(problem.objective, n_trials=20)
    assert "model" not in study.trials[0].params
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    assert pruned and all(t.user_attrs["cost_s"] > 0 for t in pruned)


def test_quality_is_read_from_beside_the_dataset_when_it_matches(dataset) -> None:
    problem = load("adding", dataset)
    stored = measure(read_dataset(dataset), folds=2)  # differs from the default 5 folds
    write(stored, dataset)
    assert problem.quality["folds"] == 2
    stale = load("adding", read_dataset(dataset).head(30))  # other trials: measured afresh
    assert stale.quality["folds"] == 5 and stale.quality["all"]["n"] == 30


def test_bad_input_is_one_line(dataset, tmp_path) -> None:
    with pytest.raises(ValueError, match="no trials of task 'jsb_chorales' \\(tasks: adding\\)"):
        load("jsb_chorales", dataset)
    with pytest.raises(ValueError, match="no published dataset of task 'adding'"):
        load("adding")
    with pytest.raises(ValueError, match="no trials dataset at"):
        load("adding", tmp_path)
    with pytest.raises(ValueError, match="no trials of model 'NP'"):
        load("adding", dataset, model="NP")
    assert isinstance(read_dataset(dataset), pd.DataFrame)
