"""Packaging: the listed packages are every package of the tree, and a wheel (a non-editable
install) finds the files the engine reads beside its code (odyssey.resources)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from setuptools import find_packages

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
BUILD_INPUTS = ("pyproject.toml", "README.md", "odyssey", "tasks", "variants", "report", "workflow")


def test_every_package_of_the_tree_is_listed() -> None:
    setuptools = PYPROJECT["tool"]["setuptools"]
    mapped = set(setuptools["package-dir"])
    found = set(find_packages(str(REPO), include=["odyssey*", "variants*", "tasks*"]))
    assert set(setuptools["packages"]) - mapped == found
    assert mapped == {"odyssey.bundled.report", "odyssey.bundled.schemas"}
    for package, folder in setuptools["package-dir"].items():
        for name in setuptools["package-data"][package]:
            assert (REPO / folder / name).is_file(), (package, name)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the sources (the build writes into its source folder)."""
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        path = REPO / name
        if path.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "published", "*.pyc")
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("*.whl")
    return built


def test_a_wheel_carries_the_schema_template_and_prose(wheel: Path, tmp_path: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "odyssey/bundled/report/odyssey.typ",
        "odyssey/bundled/report/prose.yaml",
        "odyssey/bundled/schemas/config.schema.yaml",
        "odyssey/render/sections/abstract.py",
        "odyssey/study/space.py",
    ):
        assert name in names, name
    # the published studies' records (report/published/) stay out of the wheel
    assert not any(name.startswith("odyssey/bundled/report/published") for name in names)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import json; from odyssey.render.prose import PROSE_PATH, prose; "
        "from odyssey.render.report import TEMPLATE; "
        "from odyssey.study.config import SCHEMA_PATH, schema; "
        "prose(); schema(); "
        "print(json.dumps([str(PROSE_PATH), str(TEMPLATE), str(SCHEMA_PATH)]))"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    for path in json.loads(done.stdout):
        assert Path(path).is_file() and Path(path).is_relative_to(site / "odyssey" / "bundled")
