"""How good the surrogate is, measured on trials it did not see (k-fold cross-validation).

Every trial is predicted by a surrogate fitted on the other folds (``folds``-fold, shuffled with
``seed``); per model and over all models we report the number of trials, Spearman's rank
correlation between predicted and measured final validation metric (what a sampler comparison
needs: the order of configurations) and its mean absolute error (in the metric's unit), and the
same two for the cost (rank correlation, and the median relative error of the wall time). These
are the figures stated beside a published surrogate (YAHPO Gym reports the same pair).
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.model_selection import KFold

from odyssey.benchmark.surrogate import Surrogate


def _spearman(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    return float(spearmanr(a, b).statistic)


def figures(part: pd.DataFrame) -> dict[str, Any]:
    measured, predicted = part["valid_metric"].to_numpy(), part["predicted"].to_numpy()
    cost, cost_hat = part["wall_time_s"].to_numpy(), part["predicted_cost_s"].to_numpy()
    return {
        "n": len(part),
        "spearman": _spearman(measured, predicted),
        "mae": float(np.abs(measured - predicted).mean()),
        "cost_spearman": _spearman(cost, cost_hat),
        "cost_median_relative_error": float(np.median(np.abs(cost_hat - cost) / cost)),
    }


def held_out(frame: pd.DataFrame, *, folds: int = 5, seed: int = 0) -> pd.DataFrame:
    """``frame`` (one task's trials) with the out-of-fold ``predicted`` final metric and
    ``predicted_cost_s`` of every trial."""
    if len(frame) < 2 * folds:
        raise ValueError(f"{len(frame)} trials are too few for {folds}-fold held-out quality")
    out = frame.reset_index(drop=True).copy()
    out["predicted"], out["predicted_cost_s"] = math.nan, math.nan
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(out):
        surrogate = Surrogate(out.iloc[train], seed=seed)
        part = out.iloc[test]
        known = part["model"].isin(surrogate.models).to_numpy()
        rows = part[known]
        preds = surrogate.predict_many(list(rows["model"]), rows.to_dict("records"), warn=False)
        out.loc[rows.index, "predicted"] = [p.final for p in preds]
        out.loc[rows.index, "predicted_cost_s"] = [p.cost_s for p in preds]
    return out.dropna(subset=["predicted"])


def fingerprint(frame: pd.DataFrame) -> str:
    """A hash of the trials a quality was measured on (model, trial, final metric, cost)."""
    keys = frame[["model", "trial", "valid_metric", "wall_time_s"]].sort_values(["model", "trial"])
    return hashlib.sha256(keys.to_csv(index=False).encode()).hexdigest()[:16]


def measure(frame: pd.DataFrame, *, folds: int = 5, seed: int = 0) -> dict[str, Any]:
    """The held-out quality of the surrogate of one task's trials ``frame``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        predicted = held_out(frame, folds=folds, seed=seed)
    return {
        "task": str(frame["task"].iloc[0]),
        "metric_name": str(frame["metric_name"].iloc[0]),
        "folds": folds,
        "seed": seed,
        "fingerprint": fingerprint(frame),
        "all": figures(predicted),
        "models": {model: figures(part) for model, part in predicted.groupby("model", sort=True)},
    }


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def render(quality: dict[str, Any]) -> str:
    """A markdown table of ``quality`` (per model, then all)."""
    lines = [
        f"Surrogate of `{quality['task']}`, held out by {quality['folds']}-fold cross-validation:",
        "",
        f"| model | trials | Spearman (final {quality['metric_name']}) | MAE | Spearman (cost) "
        "| median relative cost error |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    rows = [*quality["models"].items(), ("all", quality["all"])]
    for model, f in rows:
        lines.append(
            f"| {model} | {f['n']} | {_fmt(f['spearman'])} | {_fmt(f['mae'])} | "
            f"{_fmt(f['cost_spearman'])} | {_fmt(f['cost_median_relative_error'])} |"
        )
    return "\n".join(lines) + "\n"


def write(quality: dict[str, Any], out_dir: str | Path) -> Path:
    """Write ``out_dir/surrogate_<task>.json`` and ``.md``; return the JSON path."""
    out = Path(out_dir) / f"surrogate_{quality['task']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(quality, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(render(quality), encoding="utf-8")
    return out
