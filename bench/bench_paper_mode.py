"""Paper mode made practical: trial cost of the paper's JSB protocol, read from a study's record.

Reads the finished trials of a JSB Chorales study run with the paper's setup (``config/jsb.yaml``:
batch 1, at most 150 epochs, patience 15, hyperparameters drawn from the paper's space) from its
trials table, and reports per cell the mean trial time, epochs and seconds per epoch, the trials
per hour of one single-threaded worker, and the projected cost of the whole JSB part of the paper
(9 cells x 200 trials) on this machine, beside the same projection if every cell ran at NP's speed
(NP runs on torch's fused LSTM kernel). Each cell's study draws its own hyperparameters (the
draw is seeded by the cell's name, as the paper gave each variant its own random trials), so slot
k differs between cells; an epoch's cost at batch 1 depends on the hidden size h (matrix-vector
products, O(h^2), plus pointwise work, O(h)), so "at NP's speed" prices each trial's epochs at
NP's seconds per epoch fitted over NP's finished trials as a + b h + c h^2 (least squares).

    python bench/bench_paper_mode.py       # report/published/jsb/trials/jsb_chorales.csv
    python bench/bench_paper_mode.py --trials T --out bench/paper_mode
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
PAPER_TRIALS = 200  # per cell on JSB (Greff et al. 2017, Sec. IV-A)
PAPER_CELLS = 9  # V and its eight variants


def finished_trials(table: Path) -> dict[str, dict[int, dict]]:
    """cell -> trial slot -> wall time, epochs and hidden size of its finished trials, from the
    study's trials table (``odyssey collect``; the table's ``trial`` is the slot)."""
    frame = pd.read_csv(table)
    frame = frame[frame["state"] == "COMPLETE"]
    out: dict[str, dict[int, dict]] = {}
    for row in frame.itertuples(index=False):
        out.setdefault(row.variant, {})[int(row.trial)] = {
            "wall_s": float(row.wall_time_s),
            "epochs": int(row.epochs),
            "hidden_size": int(row.hidden_size),
        }
    return out


def np_epoch_cost(np_rows: dict[int, dict]) -> tuple[float, float, float] | None:
    """NP's seconds per epoch as a + b h + c h^2 in the hidden size h, fitted by least squares
    over its finished trials; None with fewer than 3 trials or distinct hidden sizes."""
    rows = [r for r in np_rows.values() if r["epochs"] > 0]
    if len({r["hidden_size"] for r in rows}) < 3:
        return None
    h = np.array([r["hidden_size"] for r in rows], dtype=float)  # (n,)
    y = np.array([r["wall_s"] / r["epochs"] for r in rows])  # (n,) seconds per epoch
    design = np.stack([np.ones_like(h), h, h * h], axis=1)  # (n, 3)
    a, b, c = np.linalg.lstsq(design, y, rcond=None)[0]
    return float(a), float(b), float(c)


def summarise(trials: dict[str, dict[int, dict]]) -> dict:
    """Per-cell means, trials per hour and the two projections (CPU-hours, 2-core wall hours)."""
    fit = np_epoch_cost(trials.get("NP", {}))
    cells: dict[str, dict] = {}
    for cell, rows in sorted(trials.items()):
        if not rows:
            continue
        walls = [r["wall_s"] for r in rows.values()]
        epochs = [r["epochs"] for r in rows.values()]
        at_np = (
            [
                r["epochs"] * (fit[0] + fit[1] * r["hidden_size"] + fit[2] * r["hidden_size"] ** 2)
                for r in rows.values()
            ]
            if fit
            else []
        )
        cells[cell] = {
            "trials": len(rows),
            "mean_trial_s": statistics.fmean(walls),
            "mean_epochs": statistics.fmean(epochs),
            "s_per_epoch": sum(walls) / sum(epochs),
            "trials_per_hour_1_worker": 3600 / statistics.fmean(walls),
            # its own trials' epochs, priced at NP's fitted seconds per epoch at their hidden size
            "mean_trial_s_at_np_speed": statistics.fmean(at_np) if at_np else None,
        }
    # Cells without finished trials yet are priced at the mean of the others.
    scale = PAPER_CELLS / len(cells) if cells else 0.0
    cpu_h = scale * sum(PAPER_TRIALS * c["mean_trial_s"] for c in cells.values()) / 3600
    np_speed = [c["mean_trial_s_at_np_speed"] for c in cells.values()]
    cpu_h_np = (
        scale * sum(PAPER_TRIALS * s for s in np_speed) / 3600
        if all(np_speed) and np_speed
        else None
    )
    return {
        "cells_measured": len(cells),
        "cells": cells,
        "finished_trials": sum(c["trials"] for c in cells.values()),
        "projection_cpu_hours": cpu_h,
        "projection_wall_hours_2_cores": cpu_h / 2,
        "projection_cpu_hours_at_np_speed": cpu_h_np,
        "np_seconds_per_epoch_fit": (
            {"a": fit[0], "b": fit[1], "c": fit[2], "trials": len(trials.get("NP", {}))}
            if fit
            else None
        ),
    }


def markdown(result: dict, source: str) -> str:
    rows = [
        "| cell | finished trials | mean trial s | mean epochs | s per epoch | trials/hour "
        "(1 worker) | mean trial s at NP's speed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for cell, c in result["cells"].items():
        at_np = c["mean_trial_s_at_np_speed"]
        rows.append(
            f"| {cell} | {c['trials']} | {c['mean_trial_s']:.1f} | {c['mean_epochs']:.1f} | "
            f"{c['s_per_epoch']:.3f} | {c['trials_per_hour_1_worker']:.1f} | "
            + (f"{at_np:.1f}" if at_np else "-")
            + " |"
        )
    np_line = result["projection_cpu_hours_at_np_speed"]
    lines = [
        "# Paper mode: the JSB protocol's cost on this machine",
        "",
        f"From `{source}` ({result['finished_trials']} finished trials), "
        "`python bench/bench_paper_mode.py`. One single-threaded worker per trial; the machine "
        "is shared with the project's own work while the study runs, so these are upper bounds.",
        "",
        *rows,
        "",
        f"Projected cost of the JSB part of the paper ({PAPER_CELLS} cells x {PAPER_TRIALS} "
        f"trials; {result['cells_measured']} cells measured, any other priced at their mean): "
        f"**{result['projection_cpu_hours']:.1f} CPU-hours**, "
        f"{result['projection_wall_hours_2_cores']:.1f} hours on 2 cores"
        + (
            f"; if every cell ran at NP's speed (torch's fused kernel; NP's seconds per epoch "
            f"fitted as a + b h + c h^2 over its {result['np_seconds_per_epoch_fit']['trials']} "
            f"trials): {np_line:.1f} CPU-hours."
            if np_line
            else "."
        ),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", default="report/published/jsb/trials/jsb_chorales.csv")
    parser.add_argument("--out", default=None, help="write OUT.md and OUT.json (else print)")
    args = parser.parse_args(argv)
    table = Path(args.trials)
    if not table.exists():
        parser.error(f"no trials table at {table}: collect it first (scripts/snapshot_study.sh)")
    result = summarise(finished_trials(table))
    text = markdown(result, args.trials)
    print(text)
    if args.out:
        Path(f"{args.out}.md").write_text(text)
        Path(f"{args.out}.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    main()
