"""How a study's search becomes Optuna objects: distributions, the sampler, the pruner.

In the paper's mode (``sampler: random``) every slot is enqueued with fixed parameters
(:meth:`odyssey.study.spec.StudySpec.draw_params`), so the sampler never samples; ``tpe`` and
``qmc`` pick a slot's parameters when a worker claims it.
"""

from __future__ import annotations

import warnings
from typing import Any

import optuna

from odyssey.study import seeds
from odyssey.study.space import INTEGER_KEYS, SPACE_KEYS, Range
from odyssey.study.spec import StudySpec


def distribution(rng: Range, integer: bool = False) -> optuna.distributions.BaseDistribution:
    """The Optuna distribution of one searched range."""
    if integer:
        return optuna.distributions.IntDistribution(int(rng.low), int(rng.high), log=rng.log)
    return optuna.distributions.FloatDistribution(rng.low, rng.high, log=rng.log)


def distributions(spec: StudySpec) -> dict[str, optuna.distributions.BaseDistribution]:
    """Optuna distributions of the study's searched parameters."""
    return {
        key: distribution(spec.search_space[key], integer=key in INTEGER_KEYS) for key in SPACE_KEYS
    }


def suggest(trial: optuna.Trial, spec: StudySpec) -> dict[str, Any]:
    """The searched values of a claimed trial: its enqueued values, or the sampler's choice."""
    raw: dict[str, Any] = {}
    for key, dist in distributions(spec).items():
        if key in INTEGER_KEYS:
            raw[key] = trial.suggest_int(key, dist.low, dist.high, log=dist.log)
        else:
            raw[key] = trial.suggest_float(key, dist.low, dist.high, log=dist.log)
    return raw


def make_sampler(spec: StudySpec, worker_index: int = 0) -> optuna.samplers.BaseSampler:
    """The study's sampler (random mode never samples: every slot has fixed parameters)."""
    seed = seeds.derive_seed(spec.seed, "sampler", spec.task, spec.variant, worker_index) % 2**32
    if spec.sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if spec.sampler == "qmc":
        with warnings.catch_warnings():  # "experimental" since Optuna 3.0; its API is stable here
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.QMCSampler(qmc_type="sobol", scramble=True, seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


def make_pruner(spec: StudySpec) -> optuna.pruners.BasePruner:
    """The study's pruner on the per-epoch validation metric."""
    if spec.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=5)
    if spec.pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=spec.budget.max_epochs)
    return optuna.pruners.NopPruner()
