"""The settings of the vanishing-gradient probe (config key ``gradients``), read once at the door.

The probe trains every variant of ``gradients.variants`` on a long-lag task at each lag of
``gradients.lags`` with fixed hyperparameters (:data:`PROBE_PARAMS`), so that the cells differ only
in their equations; the task's options and budget come from the study's entry for that task when
it has one (its ``lag`` is replaced per lag, its epochs by ``gradients.max_epochs``, no time
limit). :func:`odyssey.training.gradients.run_probe` runs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from odyssey.study.budget import Budget

PROBE_PARAMS: dict[str, Any] = {
    "hidden_size": 32,
    "learning_rate": 1e-2,
    "momentum": 0.9,
    "input_noise": 0.0,
}
"""Fixed hyperparameters of every probe trial."""


@dataclass(frozen=True)
class ProbeSpec:
    """What the probe runs: task and options, budget, lags, variants, trials per lag, root seed."""

    task: str
    task_options: dict[str, Any]
    budget: Budget
    lags: tuple[int, ...]
    variants: tuple[str, ...]
    trials_per_lag: int = 1
    seed: int = 0
    params: dict[str, Any] = field(default_factory=lambda: dict(PROBE_PARAMS))

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> ProbeSpec:
        """The probe of a config (a validated config has every key; others take fixed defaults)."""
        gcfg = cfg.get("gradients") or {}
        name = gcfg.get("task", "adding")
        entry = (cfg.get("tasks") or {}).get(name) or {}
        options = dict(entry.get("options") or {})
        options.pop("lag", None)
        budget = dict(entry.get("budget") or {})
        epochs = int(gcfg.get("max_epochs", 5))
        budget["max_epochs"] = epochs
        budget["patience"] = epochs
        budget.pop("time_limit_s", None)
        return cls(
            task=name,
            task_options=options,
            budget=Budget.from_dict(budget),
            lags=tuple(int(lag) for lag in gcfg.get("lags", [10, 20, 50])),
            variants=tuple(gcfg.get("variants", ["RNN", "GRU", "V"])),
            trials_per_lag=int(gcfg.get("trials_per_lag", 1)),
            seed=int(cfg.get("seed", 0)),
        )
