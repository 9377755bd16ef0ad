"""The engine's layout: small modules and functions, no private names across modules, the two
halves apart, and a study package without torch or Optuna (docs/contracts.md, "Layout")."""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ENGINE = REPO / "odyssey"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
TRAINING_HALF = ("odyssey.training", "odyssey.sweep")
REPORT_HALF = ("odyssey.analysis", "odyssey.render")
HEAVY = ("torch", "optuna", "mlflow", "sklearn", "pandas", "matplotlib")


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _engine_files() -> list[Path]:
    return sorted(ENGINE.rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(path: Path) -> Iterator[tuple[str, list[str]]]:
    """(module, names) of every import in the file, at any depth (absolute imports only)."""
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, [alias.name for alias in node.names]


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@pytest.mark.parametrize("path", _engine_files(), ids=_module_name)
def test_no_module_is_over_400_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(REPO)}: {lines} lines"


@pytest.mark.parametrize("path", _engine_files(), ids=_module_name)
def test_no_function_is_over_80_lines(path: Path) -> None:
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{path.relative_to(REPO)}: {', '.join(long)}"


def _project_module(name: str) -> bool:
    return name.split(".")[0] in ("odyssey", "tasks", "variants")


def _private_uses(path: Path) -> list[str]:
    """Private names this file takes from another project module (imported, or as attributes
    of an imported module)."""
    found, modules = [], {}
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not _project_module(node.module):
                continue
            for alias in node.names:
                if _is_private(alias.name):
                    found.append(f"from {node.module} import {alias.name}")
                elif importlib.util.find_spec(node.module) and _is_submodule(node.module, alias):
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _project_module(alias.name):
                    modules[alias.asname or alias.name.split(".")[0]] = alias.name
    for node in ast.walk(_tree(path)):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and _is_private(node.attr)
        ):
            found.append(f"{modules[node.value.id]}.{node.attr}")
    return found


def _is_submodule(package: str, alias: ast.alias) -> bool:
    try:
        return importlib.util.find_spec(f"{package}.{alias.name}") is not None
    except ModuleNotFoundError:
        return False


@pytest.mark.parametrize(
    "path",
    [*_engine_files(), *sorted((REPO / "workflow" / "scripts").glob("*.py"))],
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_no_private_name_is_used_across_modules(path: Path) -> None:
    assert _private_uses(path) == []


@pytest.mark.parametrize("path", sorted((REPO / "tests").glob("*.py")), ids=lambda p: p.name)
def test_tests_import_no_private_engine_name(path: Path) -> None:
    private = [
        f"{module}.{name}"
        for module, names in _imports(path)
        if module.split(".")[0] == "odyssey"
        for name in names
        if _is_private(name)
    ]
    assert private == []


def test_the_two_halves_never_import_each_other() -> None:
    for path in _engine_files():
        here = _module_name(path)
        for module, _ in _imports(path):
            if _within(here, TRAINING_HALF):
                assert not _within(module, REPORT_HALF), (here, module)
            if _within(here, REPORT_HALF):
                assert not _within(module, TRAINING_HALF), (here, module)


def test_the_study_settings_need_neither_torch_nor_optuna() -> None:
    for path in sorted((ENGINE / "study").glob("*.py")):
        here = _module_name(path)
        for module, _ in _imports(path):
            top = module.split(".")[0]
            assert top not in HEAVY, (here, module)
            if top == "odyssey":
                assert _within(module, ("odyssey.study", "odyssey.resources")), (here, module)
            if top in ("tasks", "variants"):  # their packages import torch: only when the
                assert here == "odyssey.study.catalogue", (here, module)  # cache is cold


def test_the_benchmark_reads_datasets_only() -> None:
    # odyssey.benchmark fits on an exported dataset: never the sweep's storage, never torch
    allowed = ("odyssey.benchmark", "odyssey.export.read", "odyssey.export.schema")
    for path in sorted((ENGINE / "benchmark").glob("*.py")):
        for module, _ in _imports(path):
            assert module.split(".")[0] not in ("torch", "tasks", "variants"), (path.name, module)
            if module.split(".")[0] == "odyssey":
                assert _within(module, allowed), (path.name, module)


def test_the_export_stays_apart_from_the_report_half() -> None:
    for path in sorted((ENGINE / "export").glob("*.py")):
        for module, _ in _imports(path):
            assert not _within(module, (*REPORT_HALF, "odyssey.benchmark")), (path.name, module)
