"""The architecture axis: a model is a recurrent cell plus the network's shape (config ``models``).

A study is one (task, model) pair. A config names its models as a mapping::

    models:
      LSTM: {cell: V}
      BiLSTM: {cell: V, bidirectional: true}
      LSTM-2: {cell: V, num_layers: 2}
      Fuzzy-LSTM: {cell: V, frontend: fuzzy}
      V-fb: {cell: V, init: forget_bias}

``cell`` is a ``variants.names()`` name (the paper's equations of that cell, Greff et al. 2017,
section II); the other keys shape the network of ``variants.build``: ``bidirectional`` (null: the
task's paper shape, e.g. TIMIT's bidirectional net), ``num_layers`` (stacked layers, 1),
``frontend`` (null: the task's suggestion, e.g. digit frames' CNN; ``none``: no front end;
``cnn`` or ``fuzzy``) and ``init`` (null: the task budget's ``init``; else the scheme, e.g.
``forget_bias``). Plain ``variants: [V, GRU]`` means the plain models ``{V: {cell: V}, GRU:
{cell: GRU}}``: a plain model (name = cell, every shape key left to the task) keeps the study name
and fingerprint a variant had before models existed.

:func:`check_model` refuses, in one line naming the key and the fix, what cannot be trained or
would be meaningless: an unknown cell, front end or init; a CNN front end on a task without
frames; a bidirectional model on a task that predicts the next step (the backward direction would
read the answer); a model named after a cell it is not. Task facts come from the catalogue
(``tasks.traits``), so no check imports torch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from odyssey.study.catalogue import catalogue

NO_FRONTEND = "none"
"""``frontend: none``: no front end, even where the task suggests one."""

MODEL_KEYS: tuple[str, ...] = ("cell", "bidirectional", "num_layers", "frontend", "init")
"""The keys of a model's entry (its shape), in the order the config and MLflow show them."""

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]*$"
"""A model name: it becomes a path segment, part of an Optuna study name and an MLflow run name."""


@dataclass(frozen=True)
class Model:
    """One model of the axis: its ``name`` and its shape (see the module docstring; None = the
    task's or the budget's choice)."""

    name: str
    cell: str
    bidirectional: bool | None = None
    num_layers: int = 1
    frontend: str | None = None
    init: str | None = None

    @classmethod
    def plain(cls, cell: str) -> Model:
        """The model of a plain ``variants`` entry: the cell on the task's shape."""
        return cls(name=cell, cell=cell)

    @classmethod
    def from_entry(cls, name: str, entry: Mapping[str, Any]) -> Model:
        """The model of config entry ``models.<name>`` (keys left out take their defaults)."""
        values = {key: entry[key] for key in MODEL_KEYS if entry.get(key) is not None}
        return cls(name=name, **values)

    @property
    def is_plain(self) -> bool:
        """True when the model is a plain variant (name = cell, the task's shape)."""
        return self == Model.plain(self.name)

    def shape(self) -> dict[str, Any]:
        """The model's entry: :data:`MODEL_KEYS` and their values (None: left to the task)."""
        return {key: getattr(self, key) for key in MODEL_KEYS}

    def resolve(
        self, task_bidirectional: bool, task_frontend: str | None, budget_init: str
    ) -> dict[str, Any]:
        """The concrete shape on a task: ``cell``, ``bidirectional``, ``num_layers``,
        ``frontend`` (None or a front end's name) and ``init``, the open keys filled from the
        task's paper shape and the budget's init."""
        frontend = task_frontend if self.frontend is None else self.frontend
        return {
            "cell": self.cell,
            "bidirectional": bool(
                task_bidirectional if self.bidirectional is None else self.bidirectional
            ),
            "num_layers": int(self.num_layers),
            "frontend": None if frontend == NO_FRONTEND else frontend,
            "init": budget_init if self.init is None else self.init,
        }


def architecture(task: Any, model: str | Model, init: str = "paper") -> dict[str, Any]:
    """The concrete shape of ``model`` (a Model, or a plain variant's name) on ``task`` (a
    ``tasks.Task``: its ``bidirectional`` and ``frontend``): cell, bidirectional, num_layers,
    frontend (None or a name) and init (``init``, the budget's, unless the model names its own)."""
    model = Model.plain(model) if isinstance(model, str) else model
    return model.resolve(bool(task.bidirectional), task.frontend, init)


def config_models(cfg: Mapping[str, Any]) -> dict[str, Model]:
    """The models of a validated config, by name: ``models``, else the plain ``variants``."""
    if cfg.get("models"):
        return {name: Model.from_entry(name, entry) for name, entry in cfg["models"].items()}
    return {name: Model.plain(name) for name in cfg["variants"]}


def model_names(cfg: Mapping[str, Any]) -> list[str]:
    """The names of a validated config's models, in config order (one study per task each)."""
    return list(config_models(cfg))


def check_init(where: str, init: str) -> None:
    """One-line ValueError at ``where`` unless ``init`` is a ``variants.init`` scheme: at most one
    base (paper, pytorch) and modifiers (orthogonal, forget_bias), ``+``-joined, none repeated."""
    bases, modifiers = catalogue().init_bases, catalogue().init_modifiers
    parts = [part.strip() for part in str(init).split("+")]
    unknown = [part for part in parts if part not in bases + modifiers]
    if unknown:
        raise ValueError(
            f"{where}: unknown init {unknown[0]!r} (use {', '.join(bases + modifiers)}, "
            f"joined by '+', e.g. paper+forget_bias)"
        )
    if len(set(parts)) != len(parts) or sum(part in bases for part in parts) > 1:
        raise ValueError(
            f"{where}: init {init!r} repeats a part or names two bases (keep one of "
            f"{', '.join(bases)})"
        )


def _check_shape(where: str, model: Model) -> None:
    """The keys of one model on their own: its name, cell, layers, front end and init."""
    known = catalogue().variant_names()
    if not re.match(NAME_PATTERN, model.name):
        raise ValueError(
            f"{where}: model name {model.name!r} must be a letter then letters, digits, _ or - "
            f"(it names files and studies): rename it"
        )
    if model.cell not in known:
        raise ValueError(f"{where}.cell: unknown cell {model.cell!r} (known: {', '.join(known)})")
    if model.name in known and not model.is_plain:
        raise ValueError(
            f"{where}: the name {model.name!r} is a cell's, but this model is not that plain cell "
            f"(a cell's name means that cell on the task's shape): give it a name of its own, "
            f"e.g. Bi{model.name}, {model.name}-2 or {model.name}-fb"
        )
    if isinstance(model.num_layers, bool) or not isinstance(model.num_layers, int):
        raise ValueError(f"{where}.num_layers: expected an integer, got {model.num_layers!r}")
    if model.num_layers < 1:
        raise ValueError(f"{where}.num_layers: {model.num_layers} must be >= 1 (1: one layer)")
    frontends = (NO_FRONTEND, *catalogue().frontends)
    if model.frontend is not None and model.frontend not in frontends:
        raise ValueError(
            f"{where}.frontend: unknown front end {model.frontend!r} (use {', '.join(frontends)}, "
            f"or leave it out for the task's)"
        )
    if model.init is not None:
        check_init(f"{where}.init", model.init)


def check_model(where: str, model: Model, task_names: Iterable[str]) -> None:
    """One-line ValueError starting with ``where`` (e.g. ``models.BiLSTM``) if ``model`` is bad
    on its own or cannot be trained on one of the tasks ``task_names`` (registry names)."""
    _check_shape(where, model)
    traits = catalogue().traits
    for task in task_names:
        facts = traits.get(task, {})
        if model.frontend == "cnn" and not facts.get("frames"):
            with_frames = [name for name, t in traits.items() if t.get("frames")]
            raise ValueError(
                f"{where}.frontend: task {task!r} has no frames for a CNN front end (use it on "
                f"tasks with frames: {', '.join(with_frames)}; or another front end)"
            )
        if model.bidirectional and facts.get("predicts_next_step"):
            raise ValueError(
                f"{where}.bidirectional: task {task!r} predicts the next step, where a "
                f"bidirectional network sees the future (set bidirectional: false, or study this "
                f"model on other tasks)"
            )
