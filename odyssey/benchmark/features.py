"""What the surrogate sees and predicts: encoded configurations, best-so-far curves, and where
the trials lie (the support), so that a configuration far from them is flagged.

- Inputs: the model (the dataset's ``model``, one-hot over the task's models) and the four
  searched hyperparameters in the space they are drawn in (Greff et al. 2017, Sec. IV-D): log10
  hidden size, log10 learning rate, log10 (1 - momentum), input noise.
- Curve: the best validation metric so far after each epoch (0 .. max_epochs), carried past the
  trial's last epoch (early stopping keeps the best weights), so the last entry is the trial's
  ``valid_metric`` and every curve is monotone.
- Support (after the "applicability domain" of QSAR models, Netzeva et al. 2005): per model the
  range of each input in the trials, normalised by the range over all models, and the largest
  distance from any trial to its nearest neighbour. A configuration beyond a model's range (by
  more than ``MARGIN``) or farther from every trial of its model than that largest gap is out of
  the data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

NUMERIC: tuple[str, ...] = ("hidden_size", "learning_rate", "one_minus_momentum", "input_noise")
"""The searched hyperparameters, in input order."""

LOG: tuple[bool, ...] = (True, True, True, False)

MARGIN = 0.05
"""How far (as a share of a feature's range over all models) a value may lie beyond a model's
trials before the configuration counts as out of their range."""


def numeric(configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """(n, 4) inputs of configurations with ``momentum`` or ``one_minus_momentum``."""
    rows = []
    for config in configs:
        omm = config.get("one_minus_momentum")
        omm = 1.0 - float(config["momentum"]) if omm is None else float(omm)
        values = (config["hidden_size"], config["learning_rate"], omm, config["input_noise"])
        rows.append(
            [math.log10(float(v)) if log else float(v) for v, log in zip(values, LOG, strict=True)]
        )
    return np.asarray(rows, dtype=float).reshape(len(rows), len(NUMERIC))


def encode(x: np.ndarray, models: Sequence[str], known: Sequence[str]) -> np.ndarray:
    """Numeric inputs ``x`` with the one-hot columns of ``models`` over the ``known`` models."""
    onehot = np.zeros((len(models), len(known)))
    for i, model in enumerate(models):
        onehot[i, list(known).index(model)] = 1.0
    return np.hstack([x, onehot])


def best_so_far(curve: Sequence[float | None], direction: str, length: int) -> np.ndarray:
    """The running best of ``curve`` (None or NaN skipped), carried on to ``length`` entries."""
    sign = 1.0 if direction == "minimize" else -1.0
    out, best = np.empty(length), math.nan
    for epoch in range(length):
        value = curve[epoch] if epoch < len(curve) else None
        if value is not None and math.isfinite(value) and not (sign * value >= sign * best):
            best = float(value)
        out[epoch] = best
    first = next((v for v in out if math.isfinite(v)), math.nan)
    return np.where(np.isfinite(out), out, first)


@dataclass(frozen=True)
class Support:
    """Where one task's trials lie, per model (see the module docstring)."""

    scale: np.ndarray
    offset: np.ndarray
    points: dict[str, np.ndarray]
    gap: dict[str, float]

    @classmethod
    def fit(cls, x: np.ndarray, models: Sequence[str]) -> Support:
        """The support of trials with inputs ``x`` (n, 4) of models ``models``."""
        offset = x.min(axis=0)
        scale = np.where(np.ptp(x, axis=0) > 0, np.ptp(x, axis=0), 1.0)
        z = (x - offset) / scale
        points, gap = {}, {}
        for model in sorted(set(models)):
            own = z[np.asarray(models) == model]
            points[model] = own
            if len(own) < 2:
                gap[model] = 0.0
                continue
            d = np.linalg.norm(own[:, None, :] - own[None, :, :], axis=-1)
            np.fill_diagonal(d, np.inf)
            gap[model] = float(d.min(axis=1).max())
        return cls(scale, offset, points, gap)

    def distance(self, x: np.ndarray, model: str) -> float:
        """Normalised distance from inputs ``x`` (4,) to the nearest trial of ``model``."""
        z = (np.asarray(x) - self.offset) / self.scale
        return float(np.linalg.norm(self.points[model] - z, axis=1).min())

    def outside(self, x: np.ndarray, model: str) -> str | None:
        """Why inputs ``x`` of ``model`` are out of the data (one clause), or None."""
        z = (np.asarray(x) - self.offset) / self.scale
        low, high = self.points[model].min(axis=0), self.points[model].max(axis=0)
        for k, name in enumerate(NUMERIC):
            if z[k] < low[k] - MARGIN or z[k] > high[k] + MARGIN:
                lo, hi = (self._value(low[k], k), self._value(high[k], k))
                return f"{name} outside the trials' range [{lo:.3g}, {hi:.3g}]"
        if self.distance(x, model) > self.gap[model]:
            gap = self.gap[model]
            return f"far from every trial (beyond the largest gap between its trials, {gap:.2f})"
        return None

    def _value(self, z: float, k: int) -> float:
        raw = z * self.scale[k] + self.offset[k]
        return 10**raw if LOG[k] else raw
