"""Tests of tasks/_forecast.py: windows, transforms and RMSE / NRMSE across batches."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tasks._forecast import WindowForecastTask


class _Toy(WindowForecastTask):
    name = "toy_forecast"


def _toy(**kw) -> _Toy:
    series = np.arange(1.0, 21.0)  # 1..20
    return _Toy(series, (10, 15), **{"window": 3, "horizon": 2, **kw})


def test_windows_hand_checked() -> None:
    task = _toy()
    assert task.target_indices("train").tolist() == [4, 5, 6, 7, 8, 9]
    assert task.target_indices("valid").tolist() == [10, 11, 12, 13, 14]
    ex = task.split("valid")[0]  # target s[10] = 11, window s[6..8] = 7, 8, 9
    assert task.to_original(torch.tensor(ex.x[:, 0])).tolist() == pytest.approx([7.0, 8.0, 9.0])
    assert task.to_original(torch.tensor(ex.y)).item() == pytest.approx(11.0)
    assert _toy(stride=2).target_indices("test").tolist() == [15, 17, 19]


def test_rmse_and_nrmse_sum_across_batches() -> None:
    task = _toy(reference_std=2.0)
    exs = task.split("test")  # 5 examples, targets 16..20
    errors = [1.0, -1.0, 2.0, 0.0, 3.0]  # in original units
    totals: dict[str, list[float]] = {}
    for idx in (range(0, 2), range(2, 5)):
        part = [exs[i] for i in idx]
        batch = task.collate(part)
        target_orig = task.to_original(batch.y[:, 0])
        pred_orig = target_orig + torch.tensor([errors[i] for i in idx], dtype=torch.float64)
        pred_scaled = (pred_orig - task.mean) / task.std  # identity transform: affine only
        logits = torch.full((len(part), 3, 1), 7.0)
        logits[:, -1, 0] = pred_scaled.float()
        for key, (num, den) in task.score(logits, batch).items():
            totals.setdefault(key, [0.0, 0.0])
            totals[key][0] += num
            totals[key][1] += den
    rmse = math.sqrt((1 + 1 + 4 + 0 + 9) / 5)
    assert task.finalize("rmse", *totals["rmse"]) == pytest.approx(rmse, rel=1e-5)
    assert task.finalize("nrmse", *totals["nrmse"]) == pytest.approx(rmse / 2.0, rel=1e-5)


def test_log_transform_round_trip_and_errors() -> None:
    task = _toy(log_transform=True)
    ex = task.split("train")[0]
    assert task.to_original(torch.tensor(ex.y)).item() == pytest.approx(5.0)
    with pytest.raises(ValueError, match="positive series"):
        _Toy(np.arange(-5.0, 15.0), (10, 15), window=3, horizon=1, log_transform=True)
    with pytest.raises(ValueError, match="boundaries"):
        _Toy(np.arange(20.0), (15, 10), window=3, horizon=1)
