"""Airline passengers: a real forecasting series that ships offline (inside the aeon wheel).

Data: monthly totals of international airline passengers, January 1949 to December 1960, in
thousands (Box & Jenkins 1976, "Time Series Analysis: Forecasting and Control", series G; 144
values). The file ``Airline/Airline.csv`` (columns ``Date,Passengers``) is taken from the pinned
aeon wheel by :func:`tasks._aeon.forecasting_csv`, checked against the wheel's RECORD digest, and
here against its length (144 rows, consecutive months from 1949-01) and its first and last values
(112 and 432). Option ``data_path`` reads a CSV in the same format instead (no check of values).

Task: predict the next month (``horizon`` 1) from the last ``window`` months (default 12), see
:mod:`tasks._forecast`; log transform (the seasonal swing grows with the level), then
standardisation with the training segment's statistics. Chronological split: train 1949-1956
(96 months), valid 1957-1958 (24), test 1959-1960 (24); validation and test windows read the
preceding months. Metric: ``rmse`` in thousands of passengers (minimize); ``nrmse`` (RMSE / std of
the whole series) too. The data are fixed, so ``seed`` changes nothing (accepted for a uniform
interface).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from tasks._forecast import WindowForecastTask
from tasks.base import DataError

N_MONTHS = 144
SPLIT_MONTHS = {"train": 96, "valid": 24, "test": 24}


def read_monthly_csv(path: str | Path, how_to_get: str) -> tuple[list[str], np.ndarray]:
    """Read a ``Date,Value`` CSV of consecutive months: (dates, values (N,) float64)."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"series file {p} is missing; {how_to_get}")
    try:
        with open(p, newline="") as f:
            rows = list(csv.reader(f))
        dates = [r[0] for r in rows[1:] if r]
        values = np.array([float(r[1]) for r in rows[1:] if r], dtype=np.float64)
    except (OSError, ValueError, IndexError) as exc:
        raise DataError(f"series file {p} is unreadable ({exc}); {how_to_get}") from exc
    for prev, cur in zip(dates, dates[1:], strict=False):
        y0, m0 = (int(v) for v in prev.split("-")[:2])
        y1, m1 = (int(v) for v in cur.split("-")[:2])
        if (y1 * 12 + m1) - (y0 * 12 + m0) != 1:
            raise DataError(f"series file {p}: months {prev} and {cur} are not consecutive")
    return dates, values


def load_airline(
    data_path: str | Path | None = None,
    cache_dir: str | Path | None = None,
    allow_download: bool = True,
) -> np.ndarray:
    """The 144 monthly passenger counts (thousands), verified: (144,) float64."""
    if data_path is not None:
        return read_monthly_csv(data_path, "pass data_path= a Date,Passengers CSV")[1]
    from tasks._aeon import forecasting_csv

    path = forecasting_csv("Airline", cache_dir, allow_download)
    how = f"delete {path} so that it is extracted again from the aeon wheel"
    dates, values = read_monthly_csv(path, how)
    if len(values) != N_MONTHS or dates[0] != "1949-01" or values[0] != 112 or values[-1] != 432:
        raise DataError(
            f"{path} is not the Box-Jenkins airline series (144 months from 1949-01); {how}"
        )
    return values


class AirlineTask(WindowForecastTask):
    """Airline passengers 1949-1960: forecast next month from the last 12; RMSE."""

    name = "airline"
    description = "airline passengers 1949-60 (Box-Jenkins, via aeon): next-month forecast; RMSE"
    metric_name = "rmse"
    metric_direction = "minimize"

    def __init__(
        self,
        *,
        seed: int = 0,
        window: int = 12,
        horizon: int = 1,
        stride: int = 1,
        log_transform: bool = True,
        data_path: str | Path | None = None,
        cache_dir: str | Path | None = None,
        allow_download: bool = True,
    ) -> None:
        self.seed = int(seed)
        series = load_airline(data_path, cache_dir, allow_download)
        n = len(series)
        b2 = n - SPLIT_MONTHS["test"]
        b1 = b2 - SPLIT_MONTHS["valid"]
        super().__init__(
            series,
            (b1, b2),
            window=window,
            horizon=horizon,
            stride=stride,
            log_transform=log_transform,
            reference_std=float(series.std()),
        )
