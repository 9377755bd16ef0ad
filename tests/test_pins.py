"""The exact pins of pyproject.toml and environment.yml agree (DESIGN.md section 5)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([A-Za-z0-9_.+\-]+)$")


def _pins(lines: list[str]) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in lines:
        match = PIN.match(line.strip())
        assert match, f"not an exact pin: {line!r}"
        pins[match.group(1).lower()] = match.group(2)
    return pins


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return _pins(lines)


def _environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return _pins([line for line in pip_section if not line.startswith("-e")])


def test_every_dependency_is_an_exact_pin_and_both_files_agree() -> None:
    assert _pyproject_pins() == _environment_pins()


def test_torch_is_the_cpu_build_on_disk() -> None:
    assert _pyproject_pins()["torch"] == "2.13.0"


def test_installed_versions_match_the_pins() -> None:
    from importlib.metadata import PackageNotFoundError, version

    for name, pinned in _pyproject_pins().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue  # dev tools may be absent in a user install
        assert installed.split("+")[0] == pinned, f"{name}: installed {installed}, pinned {pinned}"
