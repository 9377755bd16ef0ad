"""Tests of odyssey.benchmark.quality: held-out figures per model on a generated study, and a
hand-checked Spearman case."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from dataset_support import write_exported

from odyssey.benchmark.quality import figures, fingerprint, held_out, measure, render, write
from odyssey.export.read import read_dataset


@pytest.fixture(scope="module")
def frame(tmp_path_factory):
    return read_dataset(write_exported(tmp_path_factory.mktemp("quality"), n=30))


def test_every_trial_is_predicted_by_a_surrogate_that_did_not_see_it(frame) -> None:
    predicted = held_out(frame, folds=5)
    assert len(predicted) == len(frame) == 60
    assert predicted["predicted"].notna().all() and (predicted["predicted_cost_s"] > 0).all()


def test_held_out_quality_is_good_on_the_planted_structure(frame, tmp_path) -> None:
    quality = measure(frame)
    assert set(quality["models"]) == {"GRU", "V"} and quality["all"]["n"] == 60
    for found in [*quality["models"].values(), quality["all"]]:
        assert found["spearman"] > 0.8 and found["cost_spearman"] > 0.8
        assert found["mae"] < 2.0
    assert quality["fingerprint"] == fingerprint(frame)
    shared = frame.assign(cell="V")  # two models of one cell stay two rows of the table
    assert set(measure(shared, folds=2)["models"]) == {"GRU", "V"}
    out = write(quality, tmp_path)
    assert json.loads(out.read_text())["all"]["n"] == 60
    assert "| all | 60 |" in out.with_suffix(".md").read_text()


def test_figures_against_a_hand_worked_case() -> None:
    # measured 1 2 3 4, predicted 1 3 2 4: d^2 = 0 1 1 0, rho = 1 - 6 * 2 / (4 * 15) = 0.8;
    # MAE = (0 + 1 + 1 + 0) / 4 = 0.5; costs 10 20 40 80 predicted 20 20 20 20: relative
    # errors 1, 0, 0.5, 0.75, median 0.625, cost ranks undefined (constant prediction).
    frame = pd.DataFrame(
        {
            "task": "t", "metric_name": "nll", "model": "V", "trial": range(4),
            "valid_metric": [1.0, 2, 3, 4], "predicted": [1.0, 3, 2, 4],
            "wall_time_s": [10.0, 20, 40, 80], "predicted_cost_s": [20.0] * 4,
        }
    )  # fmt: skip
    hand = figures(frame)
    assert hand["spearman"] == pytest.approx(0.8) and hand["mae"] == pytest.approx(0.5)
    assert hand["cost_spearman"] is None
    assert hand["cost_median_relative_error"] == pytest.approx(0.625)
    quality = {"task": "t", "metric_name": "nll", "folds": 2, "models": {"V": hand}, "all": hand}
    assert "| all | 4 | 0.80 | 0.50 | n/a | 0.62 |" in render(quality)
