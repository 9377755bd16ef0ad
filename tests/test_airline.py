"""Tests of tasks/airline.py (Box-Jenkins airline passengers from the aeon wheel)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import tasks
from tasks.airline import read_monthly_csv
from tasks.base import DataError


def _write_csv(path: Path, values: np.ndarray, start_year: int = 1949) -> Path:
    lines = ["Date,Passengers"]
    for k, v in enumerate(values):
        lines.append(f"{start_year + k // 12}-{k % 12 + 1:02d},{v:g}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_fixture_csv_split_and_windows(tmp_path: Path) -> None:
    values = 100.0 + np.arange(144.0)
    task = tasks.get("airline", data_path=_write_csv(tmp_path / "a.csv", values))
    assert task.info()["sizes"] == {"train": 96 - 12, "valid": 24, "test": 24}
    first_test = task.split("test")[0]  # target month 120 (1959-01), inputs months 108..119
    x = task.to_original(torch.tensor(first_test.x[:, 0])).numpy()
    assert np.allclose(x, values[108:120])
    assert task.to_original(torch.tensor(first_test.y)).item() == pytest.approx(values[120])


def test_rmse_in_passengers(tmp_path: Path) -> None:
    values = 100.0 + 10 * np.sin(np.arange(144.0))
    task = tasks.get("airline", data_path=_write_csv(tmp_path / "a.csv", values))
    batch = task.collate(task.split("valid")[:2])
    target = values[task.target_indices("valid")[:2]]
    pred = target + np.array([3.0, -4.0])  # errors in passengers
    logits = torch.zeros(2, 12, 1)
    logits[:, -1, 0] = torch.tensor((np.log(pred) - task.mean) / task.std, dtype=torch.float32)
    num, den = task.score(logits, batch)["rmse"]
    assert task.finalize("rmse", num, den) == pytest.approx(np.sqrt((9 + 16) / 2), rel=1e-4)


def test_bad_csv(tmp_path: Path) -> None:
    bad = tmp_path / "gap.csv"
    bad.write_text("Date,Passengers\n1949-01,1\n1949-03,2\n")
    with pytest.raises(DataError, match="not consecutive"):
        read_monthly_csv(bad, "fix it")
    with pytest.raises(DataError, match="missing"):
        tasks.get("airline", data_path=tmp_path / "absent.csv")


def test_bundled_series_from_aeon_wheel() -> None:
    try:
        task = tasks.get("airline", allow_download=False)
    except DataError as exc:
        pytest.skip(f"aeon wheel not available offline: {exc}")
    assert task.series[:4].tolist() == [112.0, 118.0, 132.0, 129.0]  # Box & Jenkins series G
    assert task.series.sum() == 40363.0 and len(task.series) == 144
    assert task.metric_name == "rmse" and task.metric_direction == "minimize"
