"""The settings of the vanishing-gradient probe (config key ``gradients``), read once at the door.

The probe trains every variant of ``gradients.variants`` on each long-lag task of
``gradients.tasks`` at each lag of ``gradients.lags`` and with each weight initialisation of
``gradients.inits``, with fixed hyperparameters (:data:`PROBE_PARAMS`, the learning rate from
``gradients.learning_rate``), so that the cells differ only in their equations (issue 13;
Hochreiter & Schmidhuber 1997, reference section 6.3). A task's options and budget come from the
study's entry for that task when it has one (its ``lag`` is replaced per lag, its epochs by
``gradients.max_epochs``, its ``init`` by each of ``gradients.inits``, no time limit).
:func:`odyssey.training.gradients.run_probe` runs it.

:func:`check_gradients` is the planning-time check of the key (called by
:func:`odyssey.study.config.validate`): the old single ``task`` is folded into ``tasks``, and the
task names, their lags and the init schemes are checked against the registries' catalogue, so a
bad value stops the run in one line that names the key.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import jsonschema

from odyssey.study.budget import Budget
from odyssey.study.catalogue import catalogue
from odyssey.study.models import check_init

PROBE_PARAMS: dict[str, Any] = {
    "hidden_size": 32,
    "learning_rate": 1e-2,
    "momentum": 0.9,
    "input_noise": 0.0,
}
"""Fixed hyperparameters of every probe trial (the learning rate: ``gradients.learning_rate``)."""

DEFAULT_TASK = "adding"
"""The probe's task when the config names none."""

PROBE_TASKS: tuple[str, ...] = ("adding", "digit_frames", "temporal_order")
"""The registered tasks the probe can run: they take a ``lag`` and have their loss at the last
step (``target_kind == "final"``); a light copy of the registry's answer, so that the check needs
no torch (tests/test_probe.py holds it equal to the registry)."""


@dataclass(frozen=True)
class ProbeTask:
    """One task of the probe: its ``tasks.get`` name, options (without ``lag``) and budget."""

    name: str
    options: dict[str, Any]
    budget: Budget

    def budget_for(self, init: str) -> Budget:
        """The task's budget with the weight initialisation ``init``."""
        return replace(self.budget, init=init)


@dataclass(frozen=True)
class ProbeSpec:
    """What the probe runs: tasks, lags, variants, inits, trials per lag, root seed, parameters."""

    tasks: tuple[ProbeTask, ...]
    lags: tuple[int, ...]
    variants: tuple[str, ...]
    trials_per_lag: int = 1
    seed: int = 0
    inits: tuple[str, ...] = ("paper",)
    params: dict[str, Any] = field(default_factory=lambda: dict(PROBE_PARAMS))

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> ProbeSpec:
        """The probe of a config (a validated config has every key; others take fixed defaults)."""
        gcfg = cfg.get("gradients") or {}
        epochs = int(gcfg.get("max_epochs", 5))
        return cls(
            tasks=tuple(probe_task(cfg, name, epochs) for name in probe_task_names(gcfg)),
            lags=tuple(int(lag) for lag in gcfg.get("lags", [10, 20, 50])),
            variants=tuple(gcfg.get("variants", ["RNN", "GRU", "V"])),
            trials_per_lag=int(gcfg.get("trials_per_lag", 1)),
            seed=int(cfg.get("seed", 0)),
            inits=tuple(gcfg.get("inits", ["paper"])),
            params={**PROBE_PARAMS, "learning_rate": float(gcfg.get("learning_rate", 0.01))},
        )


def probe_task_names(gcfg: Mapping[str, Any]) -> list[str]:
    """The probe's tasks: ``tasks``, else the old single ``task``, else :data:`DEFAULT_TASK`."""
    if gcfg.get("tasks"):
        return [str(name) for name in gcfg["tasks"]]
    return [str(gcfg.get("task", DEFAULT_TASK))]


def probe_task(cfg: Mapping[str, Any], name: str, epochs: int) -> ProbeTask:
    """Task ``name`` of the probe: the study's options and budget for it, if any, under
    ``gradients.options[name]``, ``gradients.batch_size`` and ``gradients.optimizer``, with
    ``epochs`` epochs (patience as long), no time limit, and the lag left to the probe."""
    gcfg = cfg.get("gradients") or {}
    entry = (cfg.get("tasks") or {}).get(name) or {}
    options = {**(entry.get("options") or {}), **((gcfg.get("options") or {}).get(name) or {})}
    options.pop("lag", None)
    budget = dict(entry.get("budget") or {})
    if gcfg.get("batch_size") is not None:
        budget["batch_size"] = int(gcfg["batch_size"])
    if gcfg.get("optimizer") is not None:
        budget["optimizer"] = str(gcfg["optimizer"])
    budget["max_epochs"] = epochs
    budget["patience"] = epochs
    budget.pop("time_limit_s", None)
    return ProbeTask(name=name, options=options, budget=Budget.from_dict(budget))


def probe_inputs(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """What the probe's output depends on (the Snakemake rule's rerun trigger): the ``gradients``
    key, the root seed, and the options and budget of each of its tasks' study entries."""
    gcfg = cfg.get("gradients") or {}
    return {
        "gradients": dict(gcfg),
        "seed": cfg.get("seed"),
        "tasks": {
            name: {
                key: ((cfg.get("tasks") or {}).get(name) or {}).get(key)
                for key in ("options", "budget")
            }
            for name in probe_task_names(gcfg)
        },
    }


def check_gradients(gcfg: Mapping[str, Any]) -> dict[str, Any]:
    """The ``gradients`` key after the schema: ``task`` folded into ``tasks`` (giving both is
    refused), and, when the probe is enabled, every task a registered task that takes a ``lag``
    that every lag satisfies, every init a ``variants.init`` scheme. ValueError: one line."""
    out = dict(gcfg)
    if "task" in out and "tasks" in out:
        raise ValueError(
            "gradients.task: give either task or tasks, not both (write tasks: "
            f"[{out['task']}, ...])"
        )
    single = out.pop("task", None)
    out["tasks"] = [single] if single is not None else probe_task_names(out)
    if not out.get("enabled", True):
        return out
    for index, name in enumerate(out["tasks"]):
        where = "gradients.task" if single is not None else f"gradients.tasks[{index}]"
        check_probe_task(where, name, out.get("lags", []))
    for index, init in enumerate(out.get("inits", ["paper"])):
        check_init(f"gradients.inits[{index}]", init)
    for name, options in (out.get("options") or {}).items():
        check_probe_options(f"gradients.options.{name}", name, out["tasks"], options)
    return out


def check_probe_options(
    where: str, name: str, names: list[str], options: Mapping[str, Any]
) -> None:
    """One line at ``where`` unless ``name`` is a probe task and each option one it accepts (not
    ``lag``), with a value its rule allows (``tasks.option_rules``)."""
    if name not in names:
        raise ValueError(f"{where}: {name!r} is not a task of gradients.tasks ({', '.join(names)})")
    accepted = [option for option in catalogue().tasks[name] if option != "lag"]
    for option, value in options.items():
        if option not in accepted:
            raise ValueError(
                f"{where}.{option}: not an option of the probe's {name} (accepted: "
                f"{', '.join(accepted)}; the probe sets the lag from gradients.lags)"
            )
        rule = catalogue().rules.get(name, {}).get(option, {})
        errors = list(jsonschema.Draft202012Validator(rule).iter_errors(value))
        if errors:
            raise ValueError(f"{where}.{option}: {value!r} is not allowed ({errors[0].message})")


def check_probe_task(where: str, name: str, lags: list[int]) -> None:
    """One line at ``where`` unless ``name`` is one of :data:`PROBE_TASKS` whose ``lag`` rule
    allows every lag of ``lags``."""
    known = catalogue().task_names()
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(f"{where}: unknown task {name!r} ({hint}known: {', '.join(known)})")
    if name not in PROBE_TASKS:
        raise ValueError(
            f"{where}: task {name!r} is not a long-lag task with its loss at the last step; the "
            f"probe runs {', '.join(PROBE_TASKS)}"
        )
    least = catalogue().rules.get(name, {}).get("lag", {}).get("minimum")
    short = [lag for lag in lags if least is not None and lag < least]
    if short:
        raise ValueError(
            f"gradients.lags: lag {short[0]} is below {name}'s least lag {least}: drop it or "
            f"raise it to {least}"
        )
