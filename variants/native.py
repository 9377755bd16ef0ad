"""Build, cache and load the compiled CPU time loops (``variants/csrc/``: one module, ``loops``).

The extension is compiled once per machine kind with the system's C++ compiler against the
installed torch, and cached in a folder keyed by everything that changes the binary (source bytes,
torch and Python versions, compiler flags, the CPU's instruction set): by default
``<sys.prefix>/odyssey-native/`` (inside ``.venv/``), or ``$ODYSSEY_NATIVE_DIR``. Parallel workers
share the cache safely: the build runs under an exclusive ``flock`` (released by the kernel if the
builder is killed), writes into a private folder and moves the finished library into place
atomically; a process loads it at most once.

Flags: ``-O3 -march=native -fopenmp`` (torch's own OpenMP runtime, already loaded, splits large
steps over the intra-op threads) and nothing that changes floating-point behaviour (no fast-math):
the library's own exp/tanh are written to vectorise without it (see the source's header).

Where no compiler is present, :func:`load` warns once in one line and returns None; the cells then
run their pure-PyTorch loops. ``python -m variants.compile_loops`` builds it and fails in one line
if the toolchain is missing (``scripts/setup.sh`` runs it).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import warnings
from pathlib import Path
from types import ModuleType

import torch
from torch.utils import cpp_extension

SOURCE_DIR = Path(__file__).parent / "csrc"
#: Compiler flags beyond those torch's headers need. No -ffast-math: it would change rounding and
#: NaN handling here, and, linked, denormal handling for the whole process.
OPT_FLAGS = ("-O3", "-march=native", "-fopenmp")
#: Set to "0" to never build or load the compiled loops (the pure-PyTorch loops run instead).
ENV_DISABLE = "ODYSSEY_NATIVE"
ENV_DIR = "ODYSSEY_NATIVE_DIR"

_loaded: dict[str, ModuleType | None] = {}
#: Compilations this process ran (the tests check that concurrent workers compile once in all).
compiles = 0


class ToolchainMissing(RuntimeError):
    """No usable C++ compiler (or torch headers) to build the extension."""


def cache_dir() -> Path:
    """Folder of the cached builds: ``$ODYSSEY_NATIVE_DIR`` or ``<sys.prefix>/odyssey-native``."""
    return Path(os.environ.get(ENV_DIR) or Path(sys.prefix) / "odyssey-native")


def compiler() -> str:
    """The C++ compiler: ``$CXX`` or the first of c++, g++, clang++ on PATH."""
    wanted = os.environ.get("CXX")
    for name in [wanted] if wanted else ["c++", "g++", "clang++"]:
        path = shutil.which(name)
        if path:
            return path
    what = f"CXX={wanted!r} is not on PATH" if wanted else "no C++ compiler (c++, g++, clang++)"
    raise ToolchainMissing(
        f"cannot build the compiled cell loops: {what}; install one (Debian: apt-get install g++) "
        f"or set {ENV_DISABLE}=0 to run the pure-PyTorch loops"
    )


def _cpu_flags() -> str:
    """The CPU's instruction-set flags (part of the cache key: the build uses -march=native)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.machine()


def sources() -> list[Path]:
    """The C++ files of the module: every ``.cpp`` and ``.h`` under ``variants/csrc/``."""
    return sorted(p for p in SOURCE_DIR.iterdir() if p.suffix in (".cpp", ".h"))


def build_key(name: str) -> str:
    """Hash of everything that changes the binary of extension ``name``."""
    h = hashlib.sha256(name.encode())
    for path in sources():
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    for part in (torch.__version__, sys.version, " ".join(OPT_FLAGS), _cpu_flags()):
        h.update(part.encode())
    return h.hexdigest()[:16]


def _compile_command(module: str, out: Path) -> list[str]:
    """One compiler call: every ``.cpp`` of the sources into the Python module ``module``."""
    includes = [*cpp_extension.include_paths(), sysconfig.get_paths()["include"]]
    libdirs = cpp_extension.library_paths()
    units = [str(p) for p in sources() if p.suffix == ".cpp"]
    cmd = [compiler(), *units, "-o", str(out), "-shared", "-fPIC"]
    cmd += ["-std=c++20", *OPT_FLAGS, f"-DTORCH_EXTENSION_NAME={module}"]
    cmd += ["-DTORCH_API_INCLUDE_EXTENSION_H", "-w"]
    cmd += [f"-D_GLIBCXX_USE_CXX11_ABI={int(torch._C._GLIBCXX_USE_CXX11_ABI)}"]
    for inc in includes:
        cmd += ["-isystem", inc]
    for lib in libdirs:
        cmd += [f"-L{lib}", f"-Wl,-rpath,{lib}"]
    cmd += ["-lc10", "-ltorch", "-ltorch_cpu", "-ltorch_python"]
    return cmd


def _import(module: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def build(name: str = "loops") -> Path:
    """Compile extension ``name`` into the cache unless it is there; returns the library's path.

    Raises:
        ToolchainMissing: no compiler (one line naming what is missing).
        RuntimeError: the compiler failed (its last lines of output).
    """
    module = f"odyssey_{name}_{build_key(name)}"
    root = cache_dir()
    target = root / f"{module}.so"
    if target.exists():
        return target
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the builder exits, even if killed
        if target.exists():  # another process built it while we waited
            return target
        for stale in root.glob(f".{module}-*"):  # left by a builder that was killed
            shutil.rmtree(stale, ignore_errors=True)
        global compiles
        compiles += 1
        with tempfile.TemporaryDirectory(dir=root, prefix=f".{module}-") as tmp:
            out = Path(tmp) / target.name
            proc = subprocess.run(_compile_command(module, out), capture_output=True, text=True)
            if proc.returncode != 0:
                tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
                raise RuntimeError(f"building {name} failed ({compiler()}): {tail}")
            os.replace(out, target)  # atomic: readers see the whole library or none
    return target


def load(name: str = "loops") -> ModuleType | None:
    """The compiled module (built on first use), or None with one warning where it cannot be had.

    Set ``ODYSSEY_NATIVE=0`` to skip it (the pure-PyTorch loops run instead).
    """
    if name in _loaded:
        return _loaded[name]
    mod = None
    if os.environ.get(ENV_DISABLE, "1") != "0":
        try:
            path = build(name)
            mod = _import(path.stem, path)
        except (ToolchainMissing, RuntimeError, OSError, ImportError) as err:
            warnings.warn(
                f"compiled cell loops unavailable, using the pure-PyTorch loops: {err}",
                RuntimeWarning,
                stacklevel=2,
            )
    _loaded[name] = mod
    return mod


def compiled_loops(like: torch.Tensor) -> ModuleType | None:
    """The compiled loops where they apply (CPU tensors of float32 or float64), else None."""
    if like.device.type != "cpu" or like.dtype not in (torch.float32, torch.float64):
        return None
    return load()


def evaluation_loops(like: torch.Tensor, *inputs: torch.Tensor | None) -> ModuleType | None:
    """The compiled loops for a forward pass that autograd will not differentiate (no grad mode,
    or no input needs a gradient), else None."""
    if torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in (like, *inputs)):
        return None
    return compiled_loops(like)
