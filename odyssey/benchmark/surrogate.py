"""The surrogate model of one task: from (model, hyperparameters) to the validation curve and cost.

After the surrogate benchmarks of Eggensperger et al. (AAAI 2015) and YAHPO Gym (Pfisterer et al.,
AutoML 2022): random forests (scikit-learn; Breiman 2001) fitted on a study's trials.

- Curve and final metric: one multi-output forest predicts the best-so-far validation curve at
  every epoch (:func:`odyssey.benchmark.features.best_so_far`); its last entry is the predicted
  final metric (the trial's ``valid_metric``). A forest's prediction is a mean of training curves,
  so the predicted curve is monotone like the measured ones.
- Cost: a forest on log10 of the trial's wall time (the trials' device and threads; see the data
  sheet), predicted back in seconds.
- Spread: the standard deviation of the trees' final metrics, a rough uncertainty.
- Out of the data: :class:`odyssey.benchmark.features.Support` flags a configuration far from the
  model's trials; :meth:`Surrogate.predict` warns with :class:`OutOfDataWarning`.

Fitting is deterministic (``seed``) and takes about a second for a few hundred trials.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor

from odyssey.benchmark.features import Support, best_so_far, encode, numeric

TREES = 100
"""Trees per forest."""


class OutOfDataWarning(UserWarning):
    """A configuration far from the trials: the surrogate's number is an extrapolation."""


@dataclass(frozen=True)
class Prediction:
    """What the surrogate says of one configuration."""

    model: str
    final: float
    curve: np.ndarray
    cost_s: float
    spread: float
    outside: str | None

    @property
    def in_data(self) -> bool:
        """True when the configuration lies within the model's trials."""
        return self.outside is None


def _forest(seed: int) -> RandomForestRegressor:
    return RandomForestRegressor(
        n_estimators=TREES, min_samples_leaf=2, max_features=0.6, random_state=seed, n_jobs=1
    )


def _per_tree(forest: RandomForestRegressor, inputs: np.ndarray) -> np.ndarray:
    """(trees, n, outputs): each tree's prediction (the forest's is their mean), read from the
    fitted trees directly: a tenth of ``forest.predict``'s time for one configuration."""
    x = np.ascontiguousarray(inputs, dtype=np.float32)
    return np.stack([tree.tree_.predict(x).reshape(len(x), -1) for tree in forest.estimators_])


def _curves(frame: pd.DataFrame, direction: str, length: int) -> np.ndarray:
    return np.stack([best_so_far(list(c), direction, length) for c in frame["curve_valid_metric"]])


class Surrogate:
    """Forests fitted on one task's rows of a trials dataset (``odyssey.export`` schema)."""

    def __init__(self, frame: pd.DataFrame, *, seed: int = 0) -> None:
        tasks = sorted(set(frame["task"]))
        if len(tasks) != 1:
            raise ValueError(f"a surrogate is fitted on one task's trials, got {tasks or 'none'}")
        if len(frame) < 4:
            raise ValueError(f"{tasks[0]}: {len(frame)} trials are too few for a surrogate (>= 4)")
        self.task = tasks[0]
        self.direction = str(frame["metric_direction"].iloc[0])
        self.metric_name = str(frame["metric_name"].iloc[0])
        self.models = sorted(set(frame["model"]))
        self.epochs = int(max(len(c) for c in frame["curve_valid_metric"]))
        x = numeric(frame.to_dict("records"))
        inputs = encode(x, list(frame["model"]), self.models)
        self.support = Support.fit(x, list(frame["model"]))
        self.curve_model = _forest(seed).fit(inputs, _curves(frame, self.direction, self.epochs))
        cost = np.log10(np.maximum(frame["wall_time_s"].to_numpy(dtype=float), 1e-3))
        self.cost_model = _forest(seed).fit(inputs, cost)

    def check_model(self, model: str) -> None:
        """One-line ValueError for a model without trials."""
        if model not in self.models:
            raise ValueError(
                f"{self.task}: no trials of model {model!r}; known: {', '.join(self.models)}"
            )

    def predict_many(
        self, models: Sequence[str], configs: Sequence[Mapping[str, Any]], *, warn: bool = True
    ) -> list[Prediction]:
        """Predictions for configurations ``configs`` of models ``models`` (hyperparameters with
        ``momentum`` or ``one_minus_momentum``); warns once per configuration out of the data."""
        for model in set(models):
            self.check_model(model)
        x = numeric(configs)
        inputs = encode(x, list(models), self.models)
        per_tree = _per_tree(self.curve_model, inputs)  # (trees, n, epochs)
        curves = per_tree.mean(axis=0)
        spread = per_tree[:, :, -1].std(axis=0)
        costs = 10 ** _per_tree(self.cost_model, inputs).mean(axis=0)[:, 0]
        out = []
        for i, model in enumerate(models):
            outside = self.support.outside(x[i], model)
            if outside and warn:
                warnings.warn(
                    f"{self.task}/{model}: configuration {outside}: the surrogate extrapolates",
                    OutOfDataWarning,
                    stacklevel=3,
                )
            out.append(
                Prediction(model, float(curves[i, -1]), curves[i], float(costs[i]),
                           float(spread[i]), outside)
            )  # fmt: skip
        return out

    def predict(self, model: str, config: Mapping[str, Any], *, warn: bool = True) -> Prediction:
        """The prediction for one configuration of ``model``."""
        return self.predict_many([model], [config], warn=warn)[0]
