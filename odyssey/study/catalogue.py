"""The registries' names that a config check needs, without importing torch on every check.

The ``tasks`` and ``variants`` packages import torch when they are imported (they build batches
and networks), which takes seconds. Checking a config or a study spec needs only names: the
registered tasks with the options each accepts (``tasks.names()``, ``tasks.options(name)``) and the
registered variants (``variants.names()``), and what a model check needs: each task's traits
(``tasks.traits(name)``), the front ends and the init scheme parts. :func:`catalogue` reads them
from the registries once and keeps them in a small JSON file whose name is a hash of the two
packages' source files, so a later check (every ``snakemake -n``) reads the file instead; editing
any task or variant file changes the hash, so a stale file is never read. The files live in
``$XDG_CACHE_HOME/lstm-odyssey/`` (default ``~/.cache/lstm-odyssey/``); where that folder cannot
be written, the registries are read each time.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PACKAGES: tuple[str, ...] = ("tasks", "variants")
"""The registries the catalogue describes."""

FORMAT = 3
"""Version of the file layout (part of the hash)."""


@dataclass(frozen=True)
class Catalogue:
    """Registered task names (sorted, as ``tasks.names()``) with the options each accepts, the
    JSON-Schema rule of each option's value (``tasks.option_rules(name)``), and registered variant
    names (in ``variants.names()`` order); each task's traits (``tasks.traits``), the front ends
    (``variants.FRONTENDS``) and the init scheme parts (``variants.init.BASES`` / ``MODIFIERS``)."""

    tasks: dict[str, tuple[str, ...]]
    variants: tuple[str, ...]
    rules: dict[str, dict[str, dict]] = field(default_factory=dict)
    traits: dict[str, dict[str, Any]] = field(default_factory=dict)
    frontends: tuple[str, ...] = ()
    init_bases: tuple[str, ...] = ()
    init_modifiers: tuple[str, ...] = ()

    def task_names(self) -> list[str]:
        """``tasks.names()``."""
        return list(self.tasks)

    def variant_names(self) -> list[str]:
        """``variants.names()``."""
        return list(self.variants)


def read_registries() -> Catalogue:
    """The catalogue read from the registries themselves (imports torch)."""
    import tasks
    import variants
    from variants import init

    return Catalogue(
        tasks={name: tuple(tasks.options(name)) for name in tasks.names()},
        variants=tuple(variants.names()),
        rules={name: tasks.option_rules(name) for name in tasks.names()},
        traits={name: tasks.traits(name) for name in tasks.names()},
        frontends=tuple(variants.FRONTENDS),
        init_bases=tuple(init.BASES),
        init_modifiers=tuple(init.MODIFIERS),
    )


def source_hash() -> str:
    """A hash of every Python source file of the registries' packages (without importing them)."""
    digest = hashlib.sha256(f"catalogue {FORMAT}".encode())
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ImportError(f"package {package!r} is not importable")
        root = Path(next(iter(spec.submodule_search_locations)))
        for path in sorted(root.rglob("*.py")):
            digest.update(f"{package}/{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/lstm-odyssey`` (default ``~/.cache/lstm-odyssey``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lstm-odyssey"


@functools.cache
def catalogue() -> Catalogue:
    """The registries' names: from the cache file of the current sources, else read and cached."""
    path = cache_dir() / f"catalogue-{source_hash()}.json"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        data = json.loads(path.read_text(encoding="utf-8"))
        return Catalogue(
            tasks={str(k): tuple(v) for k, v in data["tasks"].items()},
            variants=tuple(data["variants"]),
            rules=data["rules"],
            traits=data["traits"],
            frontends=tuple(data["frontends"]),
            init_bases=tuple(data["init_bases"]),
            init_modifiers=tuple(data["init_modifiers"]),
        )
    found = read_registries()
    with contextlib.suppress(OSError):  # a read-only home: read the registries next time too
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(asdict(found)), encoding="utf-8")
        os.replace(temporary, path)  # readers see the whole file or none
    return found


def check_task(name: str) -> None:
    """One-line ValueError naming the known tasks if ``name`` is not one."""
    known = catalogue().task_names()
    if name not in known:
        raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(known)}")


def check_variant(name: str) -> None:
    """One-line ValueError naming the known variants if ``name`` is not one."""
    known = catalogue().variant_names()
    if name not in known:
        raise ValueError(f"unknown variant {name!r}; known: {', '.join(known)}")
