"""Does a probe-sized trial learn at all? (issue 13; data for docs/long-time-lag.md)

The probe's fixed hyperparameters (hidden 32, momentum 0.9, no noise) on 256 training sequences
for 20 epochs, the size a 30-CPU-minute lag study could afford: online (batch 1) against
mini-batch (16) SGD, the probe's learning rate 0.01 against 0.1, V with and without the
forget-gate bias and NFG, on the adding problem and temporal order at lags 10 and 30. Prints one
JSON line per trial: the share of test sequences solved (adding: |error| < 0.04; temporal
order: class right).

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/long_lag_budget.py > bench/long_lag_budget.jsonl
"""

from __future__ import annotations

import json
import time

import torch

import tasks
from odyssey.study.budget import Budget
from odyssey.training.trial import train_trial

CELLS = (("V", "forget_bias"), ("NFG", "paper"), ("V", "paper"))


def main() -> None:
    """Run the grid and print one JSON line per trial."""
    torch.set_num_threads(1)
    for task_name in ("adding", "temporal_order"):
        for lag in (10, 30):
            task = tasks.get(task_name, lag=lag, sizes={"train": 256, "valid": 128, "test": 128})
            for batch in (1, 16):
                for lr in (0.01, 0.1):
                    for cell, init in CELLS:
                        params = {
                            "hidden_size": 32,
                            "learning_rate": lr,
                            "momentum": 0.9,
                            "input_noise": 0.0,
                        }
                        budget = Budget(batch_size=batch, max_epochs=20, patience=20, init=init)
                        start = time.perf_counter()
                        rec = train_trial(task, cell, params, 7, budget)
                        metrics = rec.test_metrics
                        solved = metrics.get("hit_rate", 1 - metrics.get("error", 1))
                        row = {
                            "task": task_name,
                            "lag": lag,
                            "batch": batch,
                            "lr": lr,
                            "cell": cell,
                            "init": init,
                            "solved": round(solved, 3),
                            "epochs": rec.epochs,
                            "wall_s": round(time.perf_counter() - start, 2),
                        }
                        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
