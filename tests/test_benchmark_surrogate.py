"""Tests of odyssey.benchmark.surrogate on a generated study: it learns the planted structure,
its curves are best-so-far curves, a configuration out of the data warns, and two models of one
cell are two inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from dataset_support import planted_final, write_exported

from odyssey.benchmark.surrogate import OutOfDataWarning, Surrogate
from odyssey.export.read import read_dataset


@pytest.fixture(scope="module")
def frame(tmp_path_factory):
    return read_dataset(write_exported(tmp_path_factory.mktemp("surrogate"), n=40))


@pytest.fixture(scope="module")
def surrogate(frame) -> Surrogate:
    return Surrogate(frame)


GOOD = {"hidden_size": 60, "learning_rate": 1e-4, "momentum": 0.9, "input_noise": 0.5}


def test_it_learns_the_planted_optimum_and_the_model_shift(surrogate: Surrogate) -> None:
    assert surrogate.models == ["GRU", "V"] and surrogate.epochs == 21
    best = surrogate.predict("V", GOOD)
    bad = surrogate.predict("V", {**GOOD, "learning_rate": 1e-2})
    # a forest averages neighbours: at the minimum of the planted parabola it reads high
    assert planted_final(GOOD, "V") <= best.final < planted_final(GOOD, "V") + 1.0
    assert bad.final > best.final + 3
    assert surrogate.predict("GRU", GOOD).final > best.final + 0.5
    assert best.in_data and best.spread >= 0


def test_curve_is_a_best_so_far_curve_ending_at_the_final(surrogate: Surrogate) -> None:
    pred = surrogate.predict("V", GOOD)
    assert len(pred.curve) == 21 and pred.curve[-1] == pred.final
    assert np.all(np.diff(pred.curve) <= 1e-12) and pred.curve[0] == pytest.approx(10.0)


def test_cost_grows_with_the_hidden_size(surrogate: Surrogate) -> None:
    small = surrogate.predict("V", {**GOOD, "hidden_size": 25}).cost_s
    large = surrogate.predict("V", {**GOOD, "hidden_size": 180}).cost_s
    assert 0 < small < large


def test_out_of_the_data_warns_and_says_why(surrogate: Surrogate) -> None:
    with pytest.warns(OutOfDataWarning, match="adding/V: configuration learning_rate outside"):
        pred = surrogate.predict("V", {**GOOD, "learning_rate": 1.0})
    assert not pred.in_data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        surrogate.predict("V", {**GOOD, "learning_rate": 1.0}, warn=False)


def test_bad_input_is_one_line(frame, surrogate: Surrogate) -> None:
    with pytest.raises(ValueError, match="no trials of model 'NP'; known: GRU, V"):
        surrogate.predict("NP", GOOD)
    with pytest.raises(ValueError, match="too few for a surrogate"):
        Surrogate(frame.head(3))


def test_two_models_of_one_cell_are_two_inputs(tmp_path) -> None:
    models = {"LSTM": {"cell": "V"}, "BiLSTM": {"cell": "V", "bidirectional": True}}
    frame = read_dataset(write_exported(tmp_path, n=30, models=models))
    assert set(frame["cell"]) == {"V"}
    surrogate = Surrogate(frame)
    assert surrogate.models == ["BiLSTM", "LSTM"]
    # BiLSTM is planted worse by 1; keyed by the cell, both would get the same prediction
    assert surrogate.predict("BiLSTM", GOOD).final > surrogate.predict("LSTM", GOOD).final + 0.3
