"""Task registry: ``names()``, ``describe()``, ``options(name)``, ``get(name, **options)``.

TO ADD A TASK: add one line ``"name": "tasks.module:ClassName"`` to ``_REGISTRY`` below (keep it
sorted by group). Modules are imported only when a task is asked for (``get``) or described
(``describe``), so ``import tasks`` stays cheap: keep heavy imports (music21, scipy.io, ...) inside
functions of your module, not at its top. The class must subclass :class:`tasks.base.Task`, take
only keyword options in ``__init__`` and set ``name``, ``description``, ``metric_name`` and
``metric_direction`` as class attributes.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from typing import Any

from tasks.base import Batch, DataError, Example, Task

__all__ = [
    "Batch",
    "DataError",
    "Example",
    "Task",
    "TaskInfo",
    "data_notes",
    "describe",
    "get",
    "names",
    "option_rules",
    "options",
    "traits",
]

_REGISTRY: dict[str, str] = {
    # synthetic long-time-lag tasks (Hochreiter & Schmidhuber 1997; reference 6.3)
    "adding": "tasks.adding:AddingTask",
    "temporal_order": "tasks.temporal_order:TemporalOrderTask",
    "copy_memory": "tasks.copy_memory:CopyMemoryTask",
    "embedded_reber": "tasks.embedded_reber:EmbeddedReberTask",
    # generated from bundled data
    "digit_frames": "tasks.digit_frames:DigitFramesTask",
    "mackey_glass": "tasks.mackey_glass:MackeyGlassTask",
    "airline": "tasks.airline:AirlineTask",
    # real-data tasks (the real-data helper adds its lines here)
    "jsb_chorales": "tasks.jsb_chorales:JsbChoralesTask",
    "bach_chorales": "tasks.bach_chorales:BachChoralesTask",
    "japanese_vowels": "tasks.japanese_vowels:JapaneseVowelsTask",
    "basic_motions": "tasks.basic_motions:BasicMotionsTask",
    "pickup_gesture": "tasks.pickup_gesture:PickupGestureTask",
    "timit": "tasks.timit:TimitTask",
    "iam_online": "tasks.iam_online:IamOnlineTask",
}


@dataclass(frozen=True)
class TaskInfo:
    """One line about a registered task."""

    name: str
    description: str
    metric_name: str
    direction: str


def names() -> list[str]:
    """Names of all registered tasks, sorted."""
    return sorted(_REGISTRY)


def _task_class(name: str) -> type[Task]:
    if name not in _REGISTRY:
        raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(names())}")
    module_name, class_name = _REGISTRY[name].split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, Task)):
        raise TypeError(f"registry entry {name!r} -> {_REGISTRY[name]} is not a tasks.Task class")
    return cls


def _options_of(cls: type[Task]) -> dict[str, Any]:
    params = inspect.signature(cls.__init__).parameters.values()
    return {
        p.name: p.default
        for p in params
        if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    }


def options(name: str) -> dict[str, Any]:
    """The keyword options ``get(name, ...)`` accepts, each with its default.

    An option without a default maps to ``inspect.Parameter.empty``. Imports only the task's module.
    Unknown ``name``: ``ValueError`` listing the known tasks.
    """
    return _options_of(_task_class(name))


def data_notes(name: str) -> list[str]:
    """What a report must say about task ``name``'s data (scored steps, verification), without
    loading the data. Unknown ``name``: ``ValueError`` listing the known tasks."""
    return list(_task_class(name).data_notes)


def option_rules(name: str) -> dict[str, dict[str, Any]]:
    """JSON-Schema rules for the values of task ``name``'s options (``Task.option_rules``), to
    check a config's options without building the task or loading data."""
    return _task_class(name).option_rules()


TRAITS: tuple[str, ...] = ("frames", "predicts_next_step", "bidirectional", "frontend")
"""What a task declares about the networks it takes (class attributes of :class:`Task`)."""


def traits(name: str) -> dict[str, Any]:
    """Task ``name``'s :data:`TRAITS` (frames for a CNN, next-step prediction, the paper's
    direction, the suggested front end), read from its class without building it, so a config
    can check a model against a task. Unknown ``name``: ``ValueError`` listing the known tasks."""
    cls = _task_class(name)
    return {trait: getattr(cls, trait) for trait in TRAITS}


def describe() -> list[TaskInfo]:
    """Name, one-line description, metric and direction of every registered task."""
    out = []
    for name in names():
        cls = _task_class(name)
        desc = (cls.description or (cls.__doc__ or "").strip().splitlines()[0]).strip()
        out.append(TaskInfo(name, desc, cls.metric_name, cls.metric_direction))
    return out


def get(name: str, **options: Any) -> Task:
    """Build task ``name`` with keyword options (seed, lag, sizes, data_path, cache_dir, ...)."""
    cls = _task_class(name)
    accepted = list(_options_of(cls))
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(
            f"task {name!r} has no option(s) {', '.join(unknown)}; "
            f"accepted options: {', '.join(accepted) or 'none'}"
        )
    return cls(**options)
