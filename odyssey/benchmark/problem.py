"""A tuning problem answered by the surrogate: an Optuna-ready objective in milliseconds.

    from odyssey.benchmark import load
    problem = load("jsb_chorales")                  # the published JSB dataset, or dataset=PATH
    study = optuna.create_study(direction=problem.direction, sampler=optuna.samplers.TPESampler())
    study.optimize(problem.objective, n_trials=200)

The objective suggests the model (the dataset's ``model``: a categorical over the task's models,
unless ``model=`` fixes one) and the paper's four hyperparameters in the study's search space
(Greff et al. 2017, Sec. IV-D: ``one_minus_momentum`` as drawn), reports the predicted
best-so-far curve epoch by epoch (so pruners work; a pruned trial raises ``optuna.TrialPruned``),
and returns the predicted final validation metric. User attributes: ``cost_s`` (predicted
training time; for a pruned trial the share of the epochs it ran), ``in_data`` and ``spread``. A
configuration far from the trials warns with :class:`odyssey.benchmark.surrogate.OutOfDataWarning`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import optuna
import pandas as pd

from odyssey.benchmark import quality as quality_module
from odyssey.benchmark.surrogate import Prediction, Surrogate
from odyssey.export.read import dataset_path, read_dataset

REPO = Path(__file__).resolve().parents[2]

PUBLISHED: dict[str, str] = {"jsb_chorales": "report/published/jsb/dataset"}
"""The committed datasets (relative to the checkout), by task."""


def _dataset(task: str, dataset: str | Path | pd.DataFrame | None) -> pd.DataFrame:
    if isinstance(dataset, pd.DataFrame):
        return dataset
    if dataset is None:
        if task not in PUBLISHED:
            raise ValueError(
                f"no published dataset of task {task!r} (published: {', '.join(PUBLISHED)}): "
                f"pass dataset=<folder written by `odyssey export`>"
            )
        dataset = REPO / PUBLISHED[task]
    return read_dataset(dataset_path(dataset))


class Problem:
    """One task's tuning problem on its surrogate (see the module docstring)."""

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        model: str | None = None,
        seed: int = 0,
        stored_quality: Path | None = None,
    ) -> None:
        self.surrogate = Surrogate(frame, seed=seed)
        self.task = self.surrogate.task
        self.frame = frame
        self.seed = seed
        if model is not None:
            self.surrogate.check_model(model)
        self.model = model
        meta = frame.attrs.get("odyssey", {}).get("tasks", {}).get(self.task, {})
        self.space: dict[str, dict[str, Any]] = meta.get("search_space") or _data_space(frame)
        self.direction = self.surrogate.direction
        self._quality: dict[str, Any] | None = None
        self.stored_quality = stored_quality

    @property
    def quality(self) -> dict[str, Any]:
        """The surrogate's held-out quality (:func:`odyssey.benchmark.quality.measure`): the
        one stored beside the dataset when it was measured on these trials (and is keyed by
        model, not by the cell as before the models axis), else measured now."""
        if self._quality is None:
            stored = self.stored_quality
            found = json.loads(stored.read_text()) if stored and stored.is_file() else {}
            fresh = "models" in found
            if fresh and found.get("fingerprint") == quality_module.fingerprint(self.frame):
                self._quality = found
            else:
                self._quality = quality_module.measure(self.frame, seed=self.seed)
        return self._quality

    def predict(self, model: str, **params: Any) -> Prediction:
        """The prediction for ``model`` with hyperparameters ``params`` (hidden_size,
        learning_rate, momentum or one_minus_momentum, input_noise)."""
        return self.surrogate.predict(model, params)

    def suggest(self, trial: Any) -> tuple[str, dict[str, Any]]:
        """The model and hyperparameters ``trial`` (an ``optuna.Trial``) draws."""
        model = self.model or trial.suggest_categorical("model", self.surrogate.models)
        params: dict[str, Any] = {}
        for name, bounds in self.space.items():
            low, high, log = bounds["low"], bounds["high"], bool(bounds.get("log"))
            if name == "hidden_size":
                params[name] = trial.suggest_int(name, int(low), int(high), log=log)
            else:
                params[name] = trial.suggest_float(name, float(low), float(high), log=log)
        return model, params

    def objective(self, trial: Any) -> float:
        """Optuna objective: the predicted final validation metric of the drawn configuration."""
        model, params = self.suggest(trial)
        pred = self.surrogate.predict(model, params)
        trial.set_user_attr("in_data", pred.in_data)
        trial.set_user_attr("spread", pred.spread)
        for epoch, value in enumerate(pred.curve):
            trial.report(float(value), epoch)
            if trial.should_prune():
                trial.set_user_attr("cost_s", pred.cost_s * (epoch + 1) / len(pred.curve))
                raise optuna.TrialPruned()
        trial.set_user_attr("cost_s", pred.cost_s)
        return pred.final


def _data_space(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The trials' own ranges (for a dataset without a stated search space)."""
    values = {
        "hidden_size": frame["hidden_size"],
        "learning_rate": frame["learning_rate"],
        "one_minus_momentum": 1.0 - frame["momentum"],
        "input_noise": frame["input_noise"],
    }
    return {
        name: {"low": float(v.min()), "high": float(v.max()), "log": name != "input_noise"}
        for name, v in values.items()
    }


def load(
    task: str,
    dataset: str | Path | pd.DataFrame | None = None,
    *,
    model: str | None = None,
    seed: int = 0,
) -> Problem:
    """The surrogate problem of ``task`` fitted on ``dataset`` (a folder or file written by
    ``odyssey export``, or its DataFrame; None: the published dataset of the task). ``model``
    fixes the model (else the objective searches it too). One-line ValueError if the dataset
    lacks the task."""
    frame = _dataset(task, dataset)
    stored = None
    if not isinstance(dataset, pd.DataFrame):
        stored = dataset_path(dataset or REPO / PUBLISHED[task]).parent / f"surrogate_{task}.json"
    rows = frame[frame["task"] == task]
    if rows.empty:
        found = ", ".join(sorted(set(frame["task"]))) or "none"
        raise ValueError(f"the dataset has no trials of task {task!r} (tasks: {found})")
    rows = rows.reset_index(drop=True)
    rows.attrs = frame.attrs
    return Problem(rows, model=model, seed=seed, stored_quality=stored)
