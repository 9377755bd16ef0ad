"""Provenance of a trial: code version, package versions, device and host (DESIGN.md section 5).

Every trial record and every MLflow run carries these fields so that a number in the report can be
traced back to the code and machine that produced it.
"""

from __future__ import annotations

import functools
import os
import platform
import socket
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES: tuple[str, ...] = ("torch", "numpy", "optuna", "mlflow", "pandas")
"""Packages whose versions are recorded."""

_REPO_ROOT = Path(__file__).resolve().parent  # inside the working tree: git finds the repository


@functools.cache
def git_commit() -> str:
    """The commit of the working tree this package runs from, with ``-dirty`` if it has changes.

    ``ODYSSEY_GIT_COMMIT`` overrides it (for installs without a ``.git`` folder, e.g. a container);
    ``"unknown"`` when neither is available.
    """
    env = os.environ.get("ODYSSEY_GIT_COMMIT")
    if env:
        return env
    try:
        head = subprocess.run(
            ["git", "-C", str(_REPO_ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(_REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}-dirty" if dirty else head


@functools.cache
def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages in :data:`PACKAGES` (``"absent"`` if missing)."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def device_name(device: str) -> str:
    """A human-readable name of ``device`` (``"cpu"``, ``"cuda:0"``...): GPU model or CPU model."""
    if device.startswith("cuda"):
        import torch

        index = int(device.split(":", 1)[1]) if ":" in device else torch.cuda.current_device()
        return torch.cuda.get_device_name(index)
    return _cpu_model()


@functools.cache
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def collect(device: str = "cpu", threads: int | None = None) -> dict[str, object]:
    """All provenance fields for a trial on ``device`` as a flat JSON-ready dict."""
    versions = package_versions()
    info: dict[str, object] = {
        "git_commit": git_commit(),
        "hostname": socket.gethostname(),
        "device": device,
        "device_name": device_name(device),
        "torch_version": versions["torch"],
        "versions": versions,
    }
    if threads is not None:
        info["threads"] = threads
    return info
