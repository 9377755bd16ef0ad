"""Small generated study records for the export and benchmark tests (never stored).

``write_study(root, n, cells)`` writes an Optuna journal with ``n`` finished trials per cell whose
records look like a worker's (``user_attrs["record"]``, curves included), with planted structure:
the final validation metric is ``3 + 2 (log10 lr + 4)^2 + noise + shift(model)`` (best near
lr = 1e-4; ``GRU`` and ``BiLSTM`` are worse by 1), the validation curve decays from 10 towards it
and stops 5 epochs after its best epoch, and the wall time grows with the hidden size and the
epochs run. ``models=`` (a config's ``models``) writes one study per model instead of per
cell. Returns the validated config whose ``storage`` is that journal.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from engine_support import tiny_config

from odyssey.study.space import PAPER_SPACE, trial_params
from odyssey.study.spec import StudySpec
from odyssey.sweep.samplers import distributions
from odyssey.sweep.storage import open_storage

SHIFT = {"GRU": 1.0, "BiLSTM": 1.0}
MAX_EPOCHS = 20


def planted_final(params: dict[str, Any], model: str) -> float:
    """The noiseless final validation metric of the generated records of ``model``."""
    return 3.0 + 2.0 * (math.log10(params["learning_rate"]) + 4.0) ** 2 + SHIFT.get(model, 0.0)


def make_record(spec: StudySpec, slot: int, params: dict[str, Any], rng: Any) -> dict[str, Any]:
    """A worker-like record of one trial of ``spec`` with the planted structure."""
    final = planted_final(params, spec.variant) + float(rng.normal(0, 0.05))
    best = int(rng.integers(3, MAX_EPOCHS - 4))
    epochs = min(MAX_EPOCHS, best + 5)
    curve = [final + (10.0 - final) * math.exp(-e / 2) for e in range(best + 1)]
    curve += [curve[-1] + 0.01 * (e - best) for e in range(best + 1, epochs + 1)]
    per_epoch = 0.01 * params["hidden_size"]
    return {
        "task": spec.task, "variant": spec.variant, "params": params, "seed": 1000 + slot,
        "metric_name": "mse", "metric_direction": "minimize",
        "valid_metric": curve[best], "test_metric": curve[best] + 0.1,
        "valid_metrics": {"mse": curve[best], "hit_rate": 0.5},
        "test_metrics": {"mse": curve[best] + 0.1, "hit_rate": 0.4},
        "best_epoch": best, "epochs": epochs,
        "stop_reason": "early_stop" if epochs < MAX_EPOCHS else "max_epochs", "diverged": False,
        "n_params": 10 * params["hidden_size"], "wall_time_s": per_epoch * (epochs + 1),
        "curves": {
            "valid_metric": curve,
            "train_loss": [None, *[v * 2 for v in curve[1:]]],
            "time_s": [per_epoch * (e + 1) for e in range(epochs + 1)],
        },
        "budget": spec.budget.to_dict(),
        "provenance": {"git_commit": "0123abc", "device": "cpu", "device_name": "test CPU",
                       "torch_version": "2.13.0", "versions": {"python": "3.11"}, "threads": 1},
    }  # fmt: skip


def write_study(
    root: Path,
    n: int = 20,
    cells: tuple[str, ...] = ("V", "GRU"),
    models: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Write the generated journal under ``root``; return its config (``storage`` set)."""
    axis = {"models": models} if models else {"variants": list(cells)}
    cfg = tiny_config(root, n_trials=n, search_space=dict(PAPER_SPACE),
                      budget={"max_epochs": MAX_EPOCHS}, **axis)  # fmt: skip
    cfg["storage"] = str(root / "journal.log")
    storage = open_storage(cfg["storage"], create=True)
    rng = np.random.default_rng(0)
    for name in models or cells:
        spec = StudySpec.from_config(cfg, "adding", name)
        study = optuna.create_study(study_name=spec.name, storage=storage)
        for slot in range(n):
            drawn = spec.draw_params(slot)
            record = make_record(spec, slot, trial_params(drawn), rng)
            study.add_trial(
                optuna.trial.create_trial(
                    params=drawn,
                    distributions=distributions(spec),
                    value=record["valid_metric"],
                    user_attrs={"slot": slot, "record": record},
                )
            )
    return cfg


def write_exported(
    root: Path,
    n: int = 20,
    cells: tuple[str, ...] = ("V", "GRU"),
    models: dict[str, dict[str, Any]] | None = None,
) -> Path:
    """Write the generated study under ``root`` and export it; return the dataset folder."""
    from odyssey.export.dataset import export_study
    from odyssey.study.locations import Locations
    from odyssey.study.spec import specs_from_config

    cfg = write_study(root, n, cells, models)
    export_study(specs_from_config(cfg), Locations.from_config(cfg), root / "dataset")
    return root / "dataset"
