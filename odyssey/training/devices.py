"""Device and thread selection for trials (DESIGN.md section 4: one GPU per worker job).

``select_device`` turns the config's ``device`` (``auto``, ``cpu``, ``cuda``, ``cuda:N``) into a
concrete torch device string. It honours ``CUDA_VISIBLE_DEVICES`` (torch does) and the SLURM GPU
allocation (``SLURM_STEP_GPUS`` / ``SLURM_JOB_GPUS`` become ``CUDA_VISIBLE_DEVICES`` when the
latter is unset). With ``auto`` or ``cuda`` and several visible GPUs, worker ``i`` takes GPU
``i mod count`` so the workers of one node spread over its GPUs.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator

import torch

DEVICE_CHOICES = "auto, cpu, cuda or cuda:N"


def apply_slurm_gpus(environ: dict[str, str] | None = None) -> str | None:
    """Export SLURM's GPU allocation as ``CUDA_VISIBLE_DEVICES`` if that is unset.

    Must run before CUDA initialises. Returns the value now in effect (or None).
    """
    env = os.environ if environ is None else environ
    if "CUDA_VISIBLE_DEVICES" not in env:
        for key in ("SLURM_STEP_GPUS", "SLURM_JOB_GPUS"):
            value = env.get(key, "").strip()
            if value:
                env["CUDA_VISIBLE_DEVICES"] = value
                break
    return env.get("CUDA_VISIBLE_DEVICES")


def select_device(spec: str = "auto", worker_index: int = 0) -> str:
    """Resolve ``spec`` to ``"cpu"`` or ``"cuda:N"``; a bad or absent device fails in one line."""
    spec = str(spec).strip().lower()
    if spec == "cpu":
        return "cpu"
    if not re.fullmatch(r"auto|cuda|cuda:\d+", spec):
        raise ValueError(f"device {spec!r} is not one of {DEVICE_CHOICES}")
    apply_slurm_gpus()
    available = torch.cuda.is_available()
    count = torch.cuda.device_count() if available else 0
    if spec == "auto":
        return f"cuda:{worker_index % count}" if count else "cpu"
    if not count:
        raise ValueError(f"device {spec!r} requested but no CUDA GPU is visible; use device: cpu")
    if spec == "cuda":
        return f"cuda:{worker_index % count}"
    index = int(spec.split(":", 1)[1])
    if index >= count:
        raise ValueError(f"device {spec!r} requested but only {count} GPU(s) are visible")
    return f"cuda:{index}"


def set_threads(threads: int) -> None:
    """Use ``threads`` CPU threads for torch's intra-op parallelism in this process."""
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    torch.set_num_threads(threads)
    with contextlib.suppress(RuntimeError):  # only settable before the first parallel region
        torch.set_num_interop_threads(threads)


def configure_determinism(device: str) -> None:
    """Make cuDNN pick deterministic kernels so the same seed gives the same record on a GPU, and
    keep float32 float32: cuDNN's RNN and convolution kernels run in TF32 by default on Ampere and
    later GPUs (10-bit mantissa; an H200 gave the GRU a relative error of 3e-3 against the CPU).
    Lower precision is the ``amp`` budget switch's to ask for, not a silent default."""
    if device.startswith("cuda"):
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False


@contextlib.contextmanager
def autocast(device: str, enabled: bool) -> Iterator[None]:
    """Mixed precision (bfloat16 autocast) on CUDA when ``enabled``; a no-op otherwise.

    bfloat16 keeps float32's exponent range, so no gradient scaler is needed and divergence
    detection still sees the real loss. On a GPU without bfloat16 it fails in one line.
    """
    if not enabled or not device.startswith("cuda"):
        yield
        return
    if not torch.cuda.is_bf16_supported():
        raise ValueError("budget.amp needs a GPU with bfloat16 support; set amp: false")
    with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
        yield
