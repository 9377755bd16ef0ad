"""Window forecasting on one univariate series: shared by ``mackey_glass`` and ``airline``.

A task holds one series s (N,) and split boundaries (chronological). Example k of a split is the
window of the ``window`` values s[t - window + 1 .. t] (one value per time step, input width 1)
with target s[t + horizon] (one linear output, read at the last step), for every t whose target
index t + horizon lies in the split's segment and whose window starts at index >= 0 (windows of
validation/test examples may reach back into earlier segments: those values are past
observations, not targets). Consecutive examples are ``stride`` steps apart.

Values are transformed (optionally log, then standardised with the mean and standard deviation
of the training segment) before they enter the network; the loss is the squared error on that
scale. Metrics are computed in the series' original units:
- ``rmse``: sqrt(mean squared error);
- ``nrmse``: RMSE divided by ``reference_std`` (a constant of the task, e.g. the standard deviation
  of the whole series, the usual normalisation for Mackey-Glass), so it sums across batches;
- ``mse`` on the network's (transformed) scale.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from tasks.base import SPLITS, Batch, Example, Task, check_int, last_step


class WindowForecastTask(Task):
    """Predict s[t + horizon] from the last ``window`` values of a univariate series."""

    input_size = 1
    output_size = 1
    output_kind = "linear"
    target_kind = "final"
    metric_name = "rmse"
    metric_direction = "minimize"

    @classmethod
    def option_rules(cls) -> dict[str, dict[str, Any]]:
        """The options' rules (:meth:`tasks.base.Task.option_rules`) with this task's bounds."""
        return {
            **super().option_rules(),
            **{k: {"type": "integer", "minimum": 1} for k in ("window", "horizon", "stride")},
        }

    def __init__(
        self,
        series: np.ndarray,
        boundaries: tuple[int, int],
        *,
        window: int,
        horizon: int,
        stride: int = 1,
        log_transform: bool = False,
        reference_std: float | None = None,
    ) -> None:
        super().__init__()
        window = check_int(f"{self.name}: window", window, 1)
        horizon = check_int(f"{self.name}: horizon", horizon, 1)
        stride = check_int(f"{self.name}: stride", stride, 1)
        self.series = np.asarray(series, dtype=np.float64).reshape(-1)  # (N,)
        n = len(self.series)
        b1, b2 = boundaries
        if not 0 < b1 < b2 < n:
            raise ValueError(
                f"{self.name}: split boundaries {boundaries} must satisfy 0 < b1 < b2 < {n}"
            )
        if log_transform and np.any(self.series <= 0):
            raise ValueError(f"{self.name}: log_transform needs a positive series")
        self.window, self.horizon, self.stride = int(window), int(horizon), int(stride)
        self.segments = {"train": (0, b1), "valid": (b1, b2), "test": (b2, n)}
        self.log_transform = bool(log_transform)
        z = np.log(self.series) if self.log_transform else self.series
        train_z = z[:b1]
        self.mean = float(train_z.mean())
        self.std = float(train_z.std()) or 1.0
        self.scaled = ((z - self.mean) / self.std).astype(np.float32)  # (N,)
        self.reference_std = float(
            reference_std if reference_std is not None else self.series.std()
        )
        for name in SPLITS:
            if not self.target_indices(name).size:
                raise ValueError(
                    f"{self.name}: split {name} has no window; lower window ({window}) or "
                    f"horizon ({horizon}), or lengthen the series"
                )

    def target_indices(self, name: str) -> np.ndarray:
        """Indices of the targets of split ``name`` (ascending, ``stride`` apart)."""
        start, end = self.segments[name]
        first = max(start, self.window - 1 + self.horizon)
        return np.arange(first, end, self.stride)

    def _build_split(self, name: str) -> list[Example]:
        out = []
        for target in self.target_indices(name):
            t = target - self.horizon  # last input index
            x = self.scaled[t - self.window + 1 : t + 1, None]  # (window, 1)
            out.append(
                Example(
                    x=x.copy(),
                    y=self.scaled[target : target + 1].copy(),
                    extra={"target_index": np.array(target)},
                )
            )
        return out

    def to_original(self, values: torch.Tensor) -> torch.Tensor:
        """Map network-scale values back to the series' units."""
        z = values.double() * self.std + self.mean
        return torch.exp(z) if self.log_transform else z

    @torch.no_grad()
    def score(self, logits: torch.Tensor, batch: Batch) -> dict[str, tuple[float, float]]:
        """``loss``, ``mse`` (network scale), ``rmse`` and ``nrmse`` (original units)."""
        out = super().score(logits, batch)
        pred = self.to_original(last_step(logits, batch.lengths)[:, 0])  # (B,)
        target = self.to_original(batch.y.to(logits.device).reshape(-1))  # (B,)
        se = float((pred - target).pow(2).sum())
        out["rmse"] = (se, float(len(batch)))
        out["nrmse"] = (se / self.reference_std**2, float(len(batch)))
        return out

    def finalize(self, name: str, numerator: float, denominator: float) -> float:
        """``rmse`` and ``nrmse``: square root of the mean; others: numerator / denominator."""
        value = super().finalize(name, numerator, denominator)
        return math.sqrt(value) if name in ("rmse", "nrmse") and value == value else value
