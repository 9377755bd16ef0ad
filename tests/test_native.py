"""Building, caching and loading the compiled cell loops (variants.native)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from variants import native

ROOT = Path(__file__).resolve().parent.parent
HAS_COMPILER = any(shutil.which(c) for c in ("c++", "g++", "clang++"))

# Builds the extension (or finds it), loads it, runs a V step; prints compiles and whether loaded.
CHILD = """
import sys, torch, variants
from variants import native
path = native.build()
mod = native._import(path.stem, path)
net = variants.build("V", 3, 4)
net(torch.randn(2, 5, 3))[0].sum().backward()
print("compiles", native.compiles, "loaded", mod is not None)
"""


def child_env(cache: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, native.ENV_DIR: str(cache), "PYTHONPATH": str(ROOT)}
    env.pop(native.ENV_DISABLE, None)
    return {**env, **extra}


def spawn(code: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: a kill reaches the compiler too
    )


@pytest.mark.skipif(not HAS_COMPILER, reason="no C++ compiler on this machine")
def test_compiled_loops_are_available_where_a_compiler_is() -> None:
    """With a compiler the cells must not silently fall back to the Python loops."""
    if os.environ.get(native.ENV_DISABLE) == "0":
        pytest.skip(f"{native.ENV_DISABLE}=0 is set")
    assert native.load() is not None


@pytest.mark.slow
@pytest.mark.skipif(not HAS_COMPILER, reason="no C++ compiler on this machine")
def test_killed_builder_then_two_workers_build_once(tmp_path: Path) -> None:
    """A builder killed mid-compile leaves no lock behind; two workers then starting together
    compile once between them, and both load and run the same cached library."""
    cache = tmp_path / "cache"
    env = child_env(cache)
    victim = spawn(CHILD, env)
    deadline = time.monotonic() + 60
    while not any(cache.glob(".odyssey_loops_*")):  # its private build folder exists
        assert victim.poll() is None and time.monotonic() < deadline, victim.communicate()
        time.sleep(0.05)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    assert not list(cache.glob("*.so"))
    workers = [spawn(CHILD, env) for _ in range(2)]
    outputs = [w.communicate(timeout=300) for w in workers]
    for w, (_, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err
    compiles = [int(out.split()[1]) for out, _ in outputs]
    assert sorted(compiles) == [0, 1], outputs
    assert all(out.split()[3] == "True" for out, _ in outputs)
    assert len(list(cache.glob("*.so"))) == 1
    assert not list(cache.glob(".odyssey_loops_*"))  # no build folder left behind


def test_no_compiler_warns_once_and_the_cells_still_work(tmp_path: Path) -> None:
    code = (
        "import torch, variants\n"
        "net = variants.build('CIFG', 3, 4)\n"
        "for _ in range(3):\n"
        "    net(torch.randn(2, 5, 3))[0].sum().backward()\n"
        "print('ok')\n"
    )
    env = child_env(tmp_path / "cache", CXX="/nonexistent/c++")
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
    warnings = [line for line in proc.stderr.splitlines() if "RuntimeWarning" in line]
    assert len(warnings) == 1, proc.stderr
    assert "compiled cell loops unavailable" in warnings[0]
    assert "CXX='/nonexistent/c++' is not on PATH" in warnings[0]


def test_build_command_without_toolchain_fails_in_one_line(tmp_path: Path) -> None:
    env = child_env(tmp_path / "cache", CXX="/nonexistent/c++")
    proc = subprocess.run(
        [sys.executable, "-m", "variants.compile_loops"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: cannot build the compiled cell loops: CXX=")
    assert "apt-get install g++" in lines[0]


def test_disabled_by_environment(tmp_path: Path) -> None:
    code = "from variants import native\nprint(native.load())\n"
    env = child_env(tmp_path / "cache", **{native.ENV_DISABLE: "0"})
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert proc.stdout.strip() == "None" and proc.stderr == ""
    assert not (tmp_path / "cache").exists()


def test_cache_key_follows_source_and_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    key = native.build_key("loops")
    monkeypatch.setattr(native, "OPT_FLAGS", (*native.OPT_FLAGS, "-DX"))
    assert native.build_key("loops") != key


def test_no_fast_math_and_denormals_survive_loading() -> None:
    """The library must not change the process's floating point (no -ffast-math, no FTZ/DAZ)."""
    assert not any("fast-math" in f or f == "-Ofast" for f in native.OPT_FLAGS)
    native.load()
    tiny = torch.tensor([1e-40], dtype=torch.float32)  # a float32 denormal
    assert (tiny * 1.0).item() != 0.0
