"""One (task, model) study: what defines it, its fingerprint and the parameters of its slots.

A study's ``variant`` is the name of its model on the architecture axis (``models``,
:mod:`odyssey.study.models`); a plain variant ``V`` is the model ``V: {cell: V}``, and its study
name and fingerprint are what they were before models existed.

A study of ``n_trials`` trials has slots ``0 .. n_trials - 1``; slot ``k`` is "trial ``k``"
everywhere in the project (trials table, MLflow tag ``trial``, derived seeds). In the paper's mode
(``sampler: random``) slot ``k``'s parameters are drawn from a seed derived from (root seed, task,
variant, k) (:meth:`StudySpec.draw_params`), so trial k has the same parameters whichever worker
runs it, however often the sweep restarts, and raising ``n_trials`` only adds slots. The
:meth:`StudySpec.fingerprint` is what a study's results depend on: a stored study whose fingerprint
differs from the config's is refused (:mod:`odyssey.sweep.studies`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from odyssey.study import seeds
from odyssey.study.budget import Budget
from odyssey.study.catalogue import catalogue, check_task, check_variant
from odyssey.study.models import Model, check_model, config_models
from odyssey.study.questions import task_models
from odyssey.study.space import INTEGER_KEYS, SPACE_KEYS, Range, parse_space, space_dict

SAMPLERS: tuple[str, ...] = ("random", "tpe", "qmc")
PRUNERS: tuple[str, ...] = ("none", "median", "hyperband")
LOCATION_OPTIONS: tuple[str, ...] = ("data_path", "cache_dir")
"""Task options that say where data lives, not what it is (left out of a study's fingerprint)."""


@dataclass(frozen=True)
class StudySpec:
    """Everything that defines one (task, model) study (docs/contracts.md); ``variant`` is the
    model's name, ``model`` its cell and shape (None: the plain variant ``variant``). ``task`` is
    the config's key for the task; when that key is an alias (a task instance such as
    ``adding_lag100``), ``alias_of`` is the registry name it stands for."""

    task: str
    task_options: dict[str, Any]
    variant: str
    n_trials: int
    search_space: dict[str, Range]
    sampler: str = "random"
    pruner: str = "none"
    budget: Budget = field(default_factory=Budget)
    seed: int = 20170101
    study: str = "odyssey"
    heartbeat_s: float = 30.0
    model: Model | None = None
    alias_of: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "search_space", parse_space(space_dict(self.search_space)))
        if not isinstance(self.budget, Budget):
            object.__setattr__(self, "budget", Budget.from_dict(self.budget))
        if isinstance(self.n_trials, bool) or not isinstance(self.n_trials, int):
            raise ValueError(f"n_trials must be an integer, got {self.n_trials!r}")
        if self.n_trials < 1:
            raise ValueError(f"n_trials must be at least 1, got {self.n_trials}")
        if self.sampler not in SAMPLERS:
            raise ValueError(f"sampler {self.sampler!r} is not one of {', '.join(SAMPLERS)}")
        if self.pruner not in PRUNERS:
            raise ValueError(f"pruner {self.pruner!r} is not one of {', '.join(PRUNERS)}")
        if not self.heartbeat_s > 0:
            raise ValueError(f"heartbeat_s must be > 0, got {self.heartbeat_s}")
        check_task(self.registry_task)
        if self.model is None:
            check_variant(self.variant)
            object.__setattr__(self, "model", Model.plain(self.variant))
        if self.architecture.name != self.variant:
            raise ValueError(
                f"model {self.architecture.name!r} is not the study's {self.variant!r}"
            )
        check_model(f"model {self.variant!r}", self.architecture, [self.registry_task])

    @property
    def registry_task(self) -> str:
        """The ``tasks.get`` name of the study's task (``alias_of``, else ``task``)."""
        return self.alias_of or self.task

    @property
    def architecture(self) -> Model:
        """The study's model (its cell and shape); set for every spec after construction."""
        assert self.model is not None
        return self.model

    @property
    def name(self) -> str:
        """The Optuna study name: ``<study>.<task>.<variant>``."""
        return f"{self.study}.{self.task}.{self.variant}"

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any], task: str, variant: str) -> StudySpec:
        """The spec of study (``task``, ``variant``) of a validated config; ``variant`` is a
        model's name (a plain variant's name is its cell)."""
        if task not in cfg["tasks"]:
            raise ValueError(
                f"task {task!r} is not in the config (tasks: {', '.join(cfg['tasks'])})"
            )
        models = config_models(cfg)
        if variant not in models:
            raise ValueError(
                f"variant {variant!r} is not in the config (models: {', '.join(models)})"
            )
        if variant not in task_models(cfg, task):
            raise ValueError(
                f"model {variant!r} does not run on task {task!r} (tasks.{task}.models: "
                f"{', '.join(task_models(cfg, task))})"
            )
        entry = cfg["tasks"][task]
        sweep = cfg.get("sweep", {})
        return cls(
            task=task,
            task_options=dict(entry.get("options") or {}),
            variant=variant,
            n_trials=int(entry["n_trials"]),
            search_space=entry.get("search_space") or {},
            sampler=sweep.get("sampler", "random"),
            pruner=sweep.get("pruner", "none"),
            budget=Budget.from_dict(entry.get("budget")),
            seed=int(cfg["seed"]),
            study=str(cfg.get("study", "odyssey")),
            heartbeat_s=float(sweep.get("heartbeat_s", 30)),
            model=models[variant],
            alias_of=entry.get("task") if entry.get("task", task) != task else None,
        )

    def fingerprint(self) -> str:
        """Canonical JSON of what the study's results depend on.

        Excluded: ``n_trials`` (raising it extends the study) and the task options that only say
        where data lives (:data:`LOCATION_OPTIONS`), so moving a data folder keeps the study. A
        model's shape is included only when it is not a plain variant, and ``alias_of`` only for
        an alias, so plain variants on plain task keys keep the fingerprints of their studies.
        """
        options = {k: v for k, v in self.task_options.items() if k not in LOCATION_OPTIONS}
        defining: dict[str, Any] = {
            "task": self.task,
            "task_options": options,
            "variant": self.variant,
            "search_space": space_dict(self.search_space),
            "sampler": self.sampler,
            "pruner": self.pruner,
            "budget": self.budget.to_dict(),
            "seed": self.seed,
        }
        if not self.architecture.is_plain:
            defining["model"] = self.architecture.shape()
        if self.alias_of is not None:
            defining["alias_of"] = self.alias_of
        return json.dumps(defining, sort_keys=True, default=str)

    def draw_params(self, slot: int) -> dict[str, Any]:
        """The paper-mode parameters of ``slot`` (the searched names, see SPACE_KEYS)."""
        rng = np.random.default_rng(seeds.params_seed(self.seed, self.task, self.variant, slot))
        u = rng.random(len(SPACE_KEYS))
        return {
            key: self.search_space[key].draw(float(q), integer=key in INTEGER_KEYS)
            for key, q in zip(SPACE_KEYS, u, strict=True)
        }


def specs_from_config(cfg: Mapping[str, Any]) -> list[StudySpec]:
    """Every (task, model) study of a validated config, task by task."""
    return [spec for task in cfg["tasks"] for spec in task_specs(cfg, task)]


def task_specs(cfg: Mapping[str, Any], task: str) -> list[StudySpec]:
    """The studies of one task of a validated config (one per model the task runs)."""
    return [StudySpec.from_config(cfg, task, name) for name in task_models(cfg, task)]


def trial_architecture(spec: StudySpec, record: Mapping[str, Any]) -> dict[str, Any]:
    """The concrete shape ``record``'s trial trained: cell, bidirectional, num_layers, frontend
    (None or a name), init.

    The record's own ``architecture`` (what the worker built) when it has one. Records written
    before the models axis lack it: then the study's model resolved on the task's declared traits
    (``tasks.traits`` through the catalogue: its paper direction and suggested front end, as the
    worker resolves them, without building the task) and the init of the record's budget (else the
    spec's), which is the network the worker of that time built.
    """
    shape = record.get("architecture")
    if isinstance(shape, Mapping):
        return dict(shape)
    facts = catalogue().traits.get(spec.registry_task, {})
    init = (record.get("budget") or {}).get("init") or spec.budget.init
    return spec.architecture.resolve(bool(facts.get("bidirectional")), facts.get("frontend"), init)
