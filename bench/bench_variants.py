"""Speed of one training step (forward + backward) of every cell against torch.nn.LSTM.

Every cell and torch.nn.LSTM run in the same process, interleaved round by round, so that a load
change on the machine hits all of them alike; the table reports medians and the ratio to nn.LSTM.

    python bench/bench_variants.py                 # full run: writes bench/variants.{md,json}
    python bench/bench_variants.py --quick         # 3 rounds of the JSB-like shape, prints only
    python bench/bench_variants.py --shapes jsb longlag --cells V NP --repeats 5 --out /tmp/b
    python bench/bench_variants.py --device cuda --out bench/variants-cuda   # against cuDNN

On a GPU every step ends with ``torch.cuda.synchronize()`` so that the clock sees the kernels,
and nn.LSTM is cuDNN's fused kernel.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import torch

import variants

REFERENCE = "nn.LSTM"


@dataclass(frozen=True)
class Shape:
    """One benchmark shape: batch x time x input x hidden, one or two directions."""

    key: str
    label: str
    batch: int
    time: int
    input: int
    hidden: int
    bidirectional: bool


SHAPES = {
    s.key: s
    for s in (
        Shape("jsb", "JSB-like 32x60x88, N=100", 32, 60, 88, 100, False),
        Shape("jsb1", "paper batch 1x60x88, N=100", 1, 60, 88, 100, False),
        Shape("longlag", "long lag 64x500x2, N=128", 64, 500, 2, 128, False),
        Shape("speech", "speech-like 32x300x39, N=256, bidir.", 32, 300, 39, 256, True),
    )
}


def make_step(model: torch.nn.Module, x: torch.Tensor, probe: torch.Tensor) -> Callable[[], None]:
    """One training step without the optimiser update: zero grads, forward, loss, backward.

    On a GPU the step waits for its kernels, so that a step's time is the time it takes.
    """
    sync = torch.cuda.synchronize if x.is_cuda else (lambda: None)

    def step() -> None:
        for p in model.parameters():
            p.grad = None
        out = model(x)[0]  # (B, T, D N)
        (out * probe).sum().backward()
        sync()

    return step


def time_shape(
    shape: Shape, cells: list[str], repeats: int, warmup: int, fast: bool, device: str = "cpu"
) -> dict[str, list[float]]:
    """Seconds per step for nn.LSTM and every cell, interleaved over ``repeats`` rounds."""
    torch.manual_seed(0)
    x = torch.randn(shape.batch, shape.time, shape.input, device=device)
    dirs = 2 if shape.bidirectional else 1
    probe = torch.randn(shape.batch, shape.time, shape.hidden * dirs, device=device)
    models: dict[str, torch.nn.Module] = {
        REFERENCE: torch.nn.LSTM(
            shape.input, shape.hidden, batch_first=True, bidirectional=shape.bidirectional
        )
    }
    for name in cells:
        models[name] = variants.build(
            name, shape.input, shape.hidden, bidirectional=shape.bidirectional, fast=fast
        )
    steps = {name: make_step(m.to(device), x, probe) for name, m in models.items()}
    for step in steps.values():
        for _ in range(warmup):
            step()
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            samples[name].append(time.perf_counter() - start)
    return samples


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def device_name(device: str) -> str:
    """``cpu``, or the GPU's name and torch's CUDA version, e.g. ``NVIDIA H200 (CUDA 13.0)``."""
    if not device.startswith("cuda"):
        return "cpu"
    return f"{torch.cuda.get_device_name(torch.device(device))} (CUDA {torch.version.cuda})"


def markdown(result: dict) -> str:
    """The table: one row per cell, per shape the median ms and the ratio to nn.LSTM."""
    shapes = result["shapes"]
    head = "| cell | " + " | ".join(SHAPES[k].label for k in shapes) + " |"
    rule = "|---|" + "---:|" * len(shapes)
    rows = [head, rule]
    names = list(next(iter(shapes.values()))["median_ms"])
    for name in names:
        cells = []
        for k in shapes:
            ms = shapes[k]["median_ms"][name]
            ratio = shapes[k]["ratio"][name]
            cells.append(f"{ms:.1f} ms ({ratio:.2f}x)")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    meta = result["meta"]
    note = (
        f"\nForward + backward of one training step, median of {meta['repeats']} interleaved "
        f"rounds "
        f"({meta['warmup']} warm-up), {meta['threads']} threads, torch {meta['torch']}, "
        f"{meta['cpu']}{', on ' + meta['device'] if meta.get('device', 'cpu') != 'cpu' else ''}"
        f", load average {meta['loadavg']} at start, {meta['loadavg_end']} at end; "
        f"commit {meta['commit']}, "
        f"{meta['date']}. Ratio = time / nn.LSTM's time in the same run.\n"
    )
    return "\n".join(rows) + "\n" + note


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds, JSB-like shape, no files")
    parser.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=None)
    parser.add_argument("--cells", nargs="+", default=None, help="default: every variants.names()")
    parser.add_argument("--repeats", type=int, default=None, help="rounds (default 10; quick 3)")
    parser.add_argument("--warmup", type=int, default=None, help="warm-up steps (default 2)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--eager", action="store_true", help="time the eager reference instead")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda[:N]")
    parser.add_argument("--out", default=None, help="output prefix (default bench/variants)")
    args = parser.parse_args(argv)

    shapes = args.shapes or (["jsb"] if args.quick else list(SHAPES))
    cells = args.cells or variants.names()
    unknown = [c for c in cells if c not in variants.names()]
    if unknown:
        parser.error(f"unknown cells {unknown}; known: {', '.join(variants.names())}")
    repeats = args.repeats or (3 if args.quick else 10)
    warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        result = run(
            shapes, cells, repeats, warmup, args.threads, fast=not args.eager, device=args.device
        )
    finally:
        torch.set_num_threads(previous_threads)
    table = markdown(result)
    print(table)
    out = args.out or (None if args.quick else "bench/variants")
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(f"{out}.json").write_text(json.dumps(result, indent=1) + "\n")
        Path(f"{out}.md").write_text("# Speed of the variants\n\n" + table)
    return result


def run(
    shapes: list[str],
    cells: list[str],
    repeats: int,
    warmup: int,
    threads: int,
    fast: bool,
    device: str = "cpu",
) -> dict:
    """Time every shape; the result holds metadata, medians, ratios and all samples."""
    result: dict = {
        "meta": {
            "threads": threads,
            "repeats": repeats,
            "warmup": warmup,
            "fast": fast,
            "torch": torch.__version__,
            "cpu": cpu_model(),
            "device": device_name(device),
            "loadavg": " ".join(f"{v:.2f}" for v in os.getloadavg()),
            "commit": git_commit(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        },
        "shapes": {},
    }
    for key in shapes:
        shape = SHAPES[key]
        samples = time_shape(shape, cells, repeats, warmup, fast=fast, device=device)
        med = {name: 1000 * statistics.median(v) for name, v in samples.items()}
        result["shapes"][key] = {
            "shape": shape.__dict__,
            "median_ms": med,
            "ratio": {name: m / med[REFERENCE] for name, m in med.items()},
            # Minimum: less sensitive to other load on the machine than the median.
            "min_ms": {name: 1000 * min(v) for name, v in samples.items()},
            "samples_ms": {name: [1000 * s for s in v] for name, v in samples.items()},
        }
        print(f"{shape.label}: " + ", ".join(f"{n} {m:.1f} ms" for n, m in med.items()), flush=True)
    result["meta"]["loadavg_end"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    return result


if __name__ == "__main__":
    main()
