"""Load and validate a study configuration (one dict, the same for the Snakefile and the CLI).

The layout is described key by key in ``workflow/schemas/config.schema.yaml`` (JSON Schema, with a
description and a default for every key) and in ``config/README.md``. :func:`validate`:

1. checks the dict against the schema while filling every missing key with its default (unknown
   keys are rejected: the schema says ``additionalProperties: false`` everywhere);
2. applies the environment overrides ``ODYSSEY_STORAGE`` -> ``storage`` and
   ``MLFLOW_TRACKING_URI`` -> ``tracking_uri`` (how a cluster profile points every job at a
   PostgreSQL server and an MLflow tracking server without editing the config);
3. checks what a schema cannot: task names against ``tasks.names()`` and each task's options
   against the options its class accepts, variant names against ``variants.names()`` (both read
   through :mod:`odyssey.study.catalogue`, so a check does not import torch), that every
   ``data_path`` option exists, and that every search range is ordered (and positive when log);
4. checks the ``models`` axis (:mod:`odyssey.study.models`): ``models`` replaces ``variants``
   (giving both is refused; the validated config then has ``models`` and no ``variants``), and
   every model must be trainable on every task that runs it (a task's ``models``, default all);
5. checks the per-task model selection, the ``reference`` model and the ``questions``
   (:mod:`odyssey.study.questions`).

Every problem raises :class:`ConfigError`, a ``ValueError`` whose message is one line that starts
with the dotted path of the offending key, e.g.
``tasks.adding.n_trial: unknown key (did you mean 'n_trials'?)``.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from odyssey.resources import resource
from odyssey.study.catalogue import catalogue
from odyssey.study.models import NAME_PATTERN, Model, check_init, check_model
from odyssey.study.probe import check_gradients
from odyssey.study.questions import check_selection, task_models
from odyssey.study.servers import check_schemes
from odyssey.study.space import parse_space

__all__ = [
    "ENV_OVERRIDES",
    "SCHEMA_PATH",
    "ConfigError",
    "load",
    "registry_task",
    "schema",
    "validate",
]

SCHEMA_PATH = resource("workflow/schemas/config.schema.yaml")
"""The JSON schema of the configuration (YAML form; see :mod:`odyssey.resources`)."""

ENV_OVERRIDES: dict[str, str] = {
    "ODYSSEY_STORAGE": "storage",
    "MLFLOW_TRACKING_URI": "tracking_uri",
}
"""Environment variables that, when set and not empty, override a top-level key."""


class ConfigError(ValueError):
    """A configuration problem; the message is one line that starts with the key's dotted path."""


@cache
def schema() -> dict[str, Any]:
    """The configuration schema as a dict (read once from :data:`SCHEMA_PATH`)."""
    with open(SCHEMA_PATH, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _fill_defaults(validator_class: type) -> type:
    """Extend ``validator_class`` so that ``properties`` first inserts every missing default.

    Defaults are deep-copied, then validated (and filled further) like user-given values, so an
    object default such as ``sweep: {}`` receives the defaults of its own properties.
    """
    check_properties = validator_class.VALIDATORS["properties"]

    def properties(
        validator: Any, props: Mapping[str, Any], instance: Any, schema_: Mapping[str, Any]
    ) -> Iterator[jsonschema.ValidationError]:
        if isinstance(instance, dict):
            for key, subschema in props.items():
                has_default = isinstance(subschema, Mapping) and "default" in subschema
                if has_default and key not in instance:
                    instance[key] = copy.deepcopy(subschema["default"])
        yield from check_properties(validator, props, instance, schema_)

    return jsonschema.validators.extend(validator_class, {"properties": properties})


_Validator = _fill_defaults(jsonschema.Draft202012Validator)


def _dotted(path: Any) -> str:
    """``['tasks', 'adding', 'n_trials']`` -> ``tasks.adding.n_trials`` (list items as ``[i]``)."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "config"


_TYPE_NAMES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "list",
    dict: "mapping",
    type(None): "null",
}


def _looks_like_exponent(value: Any) -> bool:
    """True for strings such as ``1e-4`` that YAML 1.1 (PyYAML) does not read as numbers."""
    if not isinstance(value, str) or "e" not in value.lower():
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def _message(error: jsonschema.ValidationError) -> str:
    """One readable line for a schema violation, starting with the dotted key path."""
    path = list(error.absolute_path)
    kind = error.validator
    value = error.instance
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(value) - set(allowed)) if isinstance(value, dict) else []
        key = extra[0] if extra else "?"
        where = _dotted([*path, key])
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(allowed)}"
        return f"{where}: unknown key ({hint})"
    where = _dotted(path)
    if kind == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        got = _TYPE_NAMES.get(type(value), type(value).__name__)
        hint = ""
        if _looks_like_exponent(value):
            hint = " (YAML reads 1e-4 as a string: write 1.0e-4)"
        return f"{where}: expected {expected}, got {got} {value!r}{hint}"
    if kind == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        return f"{where}: {value!r} is not one of: {choices}"
    if kind == "pattern":
        return f"{where}: {value!r} does not match the pattern {error.validator_value!r}"
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        relation = {
            "minimum": ">=",
            "exclusiveMinimum": ">",
            "maximum": "<=",
            "exclusiveMaximum": "<",
        }[kind]
        return f"{where}: {value!r} must be {relation} {error.validator_value}"
    if kind == "minItems":
        return f"{where}: needs at least {error.validator_value} item(s)"
    if kind == "minProperties":
        return f"{where}: needs at least {error.validator_value} entry"
    if kind == "uniqueItems":
        return f"{where}: items must be unique, got {value!r}"
    if kind == "minLength":
        return f"{where}: must not be empty"
    if kind == "required":
        missing = [k for k in error.validator_value if k not in value]
        return f"{_dotted([*path, missing[0]])}: required key is missing"
    return f"{where}: {error.message}"


def _schema_errors(cfg: dict[str, Any]) -> list[jsonschema.ValidationError]:
    validator = _Validator(schema())
    return sorted(validator.iter_errors(cfg), key=lambda e: (len(e.absolute_path), e.path))


def _unknown(where: str, name: str, kind: str, known: list[str]) -> ConfigError:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return ConfigError(f"{where}: unknown {kind} {name!r} ({hint}known: {', '.join(known)})")


def _check_option_value(where: str, rule: dict[str, Any], value: Any) -> None:
    """One line naming ``where`` if ``value`` breaks its task's rule (``Task.option_rules``)."""
    errors = sorted(jsonschema.Draft202012Validator(rule).iter_errors(value), key=lambda e: e.path)
    if errors:
        error = errors[0]
        error.path.extendleft(reversed(where.split(".")))
        raise ConfigError(_message(error))


def registry_task(cfg: Mapping[str, Any], name: str) -> str:
    """The ``tasks.get`` name of the config's task entry ``name``: its ``task`` key when the entry
    is an alias (e.g. ``adding_lag100: {task: adding, options: {lag: 100}}``), else ``name``."""
    return str((cfg["tasks"].get(name) or {}).get("task", name))


def _check_alias(name: str, entry: Mapping[str, Any], known: list[str]) -> str:
    """The registry name of task entry ``name`` (an alias's ``task``); one line if either is bad."""
    kind = entry.get("task", name)
    if "task" not in entry or kind == name:
        if name not in known:
            raise _unknown(f"tasks.{name}", name, "task", known)
        return name
    if kind not in known:
        raise _unknown(f"tasks.{name}.task", kind, "task", known)
    if name in known:
        raise ConfigError(
            f"tasks.{name}: the key is the task {name!r} but its task: names {kind!r} (give the "
            f"instance a key of its own, e.g. {kind}_{name})"
        )
    if not re.match(NAME_PATTERN, name):
        raise ConfigError(
            f"tasks.{name}: an alias must be a letter then letters, digits, _ or - (it names "
            f"files and studies): rename it"
        )
    return str(kind)


def _check_tasks(cfg: dict[str, Any]) -> None:
    """Task names (and aliases), task options and data paths against the tasks registry and the
    disk; an alias's options are those of its ``task``; the probe's ``gradients`` key
    (:func:`odyssey.study.probe.check_gradients`: ``task`` folded into ``tasks``)."""
    known = catalogue().task_names()
    for name, entry in cfg["tasks"].items():
        kind = _check_alias(name, entry, known)
        accepted = list(catalogue().tasks[kind])
        for option, value in entry["options"].items():
            where = f"tasks.{name}.options.{option}"
            if option not in accepted:
                close = difflib.get_close_matches(option, accepted, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ConfigError(
                    f"{where}: task {kind!r} has no option {option!r} "
                    f"({hint}accepted: {', '.join(accepted) or 'none'})"
                )
            _check_option_value(where, catalogue().rules.get(kind, {}).get(option, {}), value)
            if option == "data_path" and value is not None and not Path(value).exists():
                raise ConfigError(
                    f"{where}: {value!r} does not exist (put the {kind} data there, or point the "
                    f"key at your copy: see config/README.md)"
                )
        try:
            parse_space(entry["search_space"], where=f"tasks.{name}.search_space")
            if "init" in entry.get("budget", {}):
                check_init(f"tasks.{name}.budget.init", entry["budget"]["init"])
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
    try:
        cfg["gradients"] = check_gradients(cfg["gradients"])
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


def _check_models(cfg: dict[str, Any]) -> None:
    """Every model of ``models`` on its own and on every task; names unique without case (they
    name files)."""
    seen: dict[str, str] = {}
    for name, entry in cfg["models"].items():
        where = f"models.{name}"
        other = seen.setdefault(str(name).lower(), str(name))
        if other != name:
            raise ConfigError(
                f"{where}: the name clashes with models.{other} (names that differ only in case "
                f"name the same files on some systems): rename one"
            )
        try:
            kinds = sorted(
                {
                    registry_task(cfg, task)
                    for task in cfg["tasks"]
                    if name in task_models(cfg, task)
                }
            )
            check_model(where, Model.from_entry(str(name), entry), kinds)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc


def _check_variants(cfg: dict[str, Any]) -> None:
    """Variant names of the sweep (or its models) and of the gradient probe against
    ``variants.names()``."""
    known = catalogue().variant_names()
    if "models" in cfg:
        _check_models(cfg)
    for index, name in enumerate(cfg.get("variants", [])):
        if name not in known:
            raise _unknown(f"variants[{index}]", name, "variant", known)
    if cfg["gradients"]["enabled"]:
        for index, name in enumerate(cfg["gradients"]["variants"]):
            if name not in known:
                raise _unknown(f"gradients.variants[{index}]", name, "variant", known)


def validate(
    cfg: Mapping[str, Any] | None, *, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Validate ``cfg`` and return a new dict with every default filled.

    ``env`` (default ``os.environ``) supplies the :data:`ENV_OVERRIDES`. Raises
    :class:`ConfigError` (one line naming the key) on the first problem found.
    """
    if cfg is None:
        cfg = {}
    if not isinstance(cfg, Mapping):
        raise ConfigError(f"config: expected a mapping of keys, got {type(cfg).__name__}")
    out = copy.deepcopy(dict(cfg))
    if "models" in out and "variants" in out:
        raise ConfigError(
            "variants: give either variants or models, not both (write each variant as a model, "
            "e.g. models: {V: {cell: V}, BiLSTM: {cell: V, bidirectional: true}})"
        )
    errors = _schema_errors(out)
    if errors:
        raise ConfigError(_message(errors[0]))
    if "models" in out:
        del out["variants"]  # the schema's default: the models are the axis
    env = os.environ if env is None else env
    for variable, key in ENV_OVERRIDES.items():
        if env.get(variable):
            out[key] = env[variable]
    try:
        check_schemes(out, env)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    _check_tasks(out)
    try:
        check_selection(out)  # which task runs which model, the reference, the questions
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    _check_variants(out)
    return out


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses a key given twice in one mapping (it would silently keep
    the last: two models of one name would become one)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, str) and key in seen:
            raise ConfigError(
                f"config: line {key_node.start_mark.line + 1}: key {key!r} is given twice in one "
                f"mapping (keep one; YAML would silently keep the last)"
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def load(path: str | os.PathLike[str], *, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read the YAML file ``path`` (a key given twice in a mapping is refused) and
    :func:`validate` it."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except OSError as exc:
        raise ConfigError(f"config: cannot read {os.fspath(path)!r} ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise ConfigError(f"config: {os.fspath(path)}{line} is not valid YAML") from exc
    return validate(data, env=env)
