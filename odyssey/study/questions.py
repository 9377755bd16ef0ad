"""Which models each task runs, which model the statistics test against, and the study's questions.

Three optional config keys, checked at planning (:func:`check_selection`), each problem one line
naming the key:

- ``tasks.<task>.models``: the names of the config's models (or plain variants) that the task
  runs, e.g. ``japanese_vowels: {models: [LSTM, BiLSTM]}``; left out, the task runs every model.
  A model that no task runs is refused, and so is a model the models axis refuses on a task that
  runs it (:func:`odyssey.study.models.check_model`, checked by :mod:`odyssey.study.config`).
- ``reference``: the model every other is compared with by Welch's t-test in each task's
  variant comparison (Greff et al. 2017, Sec. V-A: the vanilla LSTM, hence the default ``V``).
- ``questions``: a list of ``{title, tasks, models, reference}``, each answered in a section of
  the report (:mod:`odyssey.analysis.questions`): each of its ``models`` against its
  ``reference`` (default: the config's) on each of its ``tasks``, with a Bonferroni correction
  over the question's comparisons. Every model of a question must run on every one of its tasks.

Left out, none of the keys appears in the validated config, so a config without them validates
(and its report renders) exactly as before they existed.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from odyssey.study.models import Model, config_models

DEFAULT_REFERENCE = "V"
"""The model tested against when the config names none: the paper's vanilla LSTM."""


def task_models(cfg: Mapping[str, Any], task: str) -> dict[str, Model]:
    """The models task entry ``task`` of a validated config runs, by name, in the config's order:
    the entry's ``models``, else every model."""
    models = config_models(cfg)
    chosen = (cfg["tasks"].get(task) or {}).get("models")
    return {name: model for name, model in models.items() if not chosen or name in chosen}


def reference(cfg: Mapping[str, Any], question: Mapping[str, Any] | None = None) -> str:
    """The reference model of ``question`` (its own, else the config's), or of the config."""
    own = (question or {}).get("reference")
    return str(own or cfg.get("reference") or DEFAULT_REFERENCE)


def _unknown(where: str, name: str, kind: str, known: list[str]) -> ValueError:
    close = difflib.get_close_matches(str(name), known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return ValueError(f"{where}: unknown {kind} {name!r} ({hint}known: {', '.join(known)})")


def check_selection(cfg: Mapping[str, Any]) -> None:
    """One-line ValueError, starting with the key's dotted path, for a task's unknown model, a
    model no task runs, an unknown ``reference`` or a question that cannot be answered."""
    known = list(config_models(cfg))
    for task, entry in cfg["tasks"].items():
        for index, name in enumerate((entry or {}).get("models") or []):
            if name not in known:
                raise _unknown(f"tasks.{task}.models[{index}]", name, "model", known)
    runs = {task: list(task_models(cfg, task)) for task in cfg["tasks"]}
    for name in known:
        if not any(name in names for names in runs.values()):
            raise ValueError(
                f"{'models' if cfg.get('models') else 'variants'}: {name!r} runs on no task (add "
                f"it to a task's models, or remove it)"
            )
    if cfg.get("reference") is not None and cfg["reference"] not in known:
        raise _unknown("reference", cfg["reference"], "model", known)
    for index, question in enumerate(cfg.get("questions") or []):
        _check_question(f"questions[{index}]", question, cfg, runs)


def _check_question(
    where: str, question: Mapping[str, Any], cfg: Mapping[str, Any], runs: dict[str, list[str]]
) -> None:
    """One question: its tasks and models exist, each model runs on each task, the reference is
    one of its models."""
    for index, task in enumerate(question["tasks"]):
        if task not in runs:
            raise _unknown(f"{where}.tasks[{index}]", task, "task", list(runs))
    known = list(config_models(cfg))
    for index, name in enumerate(question["models"]):
        if name not in known:
            raise _unknown(f"{where}.models[{index}]", name, "model", known)
        for task in question["tasks"]:
            if name not in runs[task]:
                raise ValueError(
                    f"{where}.models[{index}]: model {name!r} does not run on task {task!r} (add "
                    f"it to tasks.{task}.models, or leave the task out of this question)"
                )
    ref = reference(cfg, question)
    if ref not in question["models"]:
        key = "reference" if question.get("reference") else "models"
        raise ValueError(
            f"{where}.{key}: the reference {ref!r} is not one of the question's models "
            f"({', '.join(question['models'])}): add it, or name the question's reference"
        )
