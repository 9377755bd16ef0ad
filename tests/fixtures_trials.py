"""Synthetic trials tables for the report's tests (generated, never stored).

The planted structure (docs/contracts.md trials-table columns):
- the test metric is ``8.5 - 0.5 u + u (noise - 0.5)`` with ``u = log10 lr + 4``, plus small noise:
  the learning rate dominates (about 3/4 of the variance) and learning rate x input noise is the
  planted interaction (about 1/4);
- every variant sees the same hyperparameter draws, so only planted shifts differ between them;
- ``worse`` (default NFG) is worse by ``shift`` in every trial: the only significant variant;
- ``best`` (default CIFG) holds the single best trial by validation.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

VARIANTS = ("V", "CIFG", "FGR", "NP", "NFG", "GRU", "RNN")


def make_trials(
    n: int = 40,
    variants: tuple[str, ...] = VARIANTS,
    *,
    task: str = "adding",
    worse: str = "NFG",
    shift: float = 0.8,
    best: str = "CIFG",
    seed: int = 0,
    all_diverged: bool = False,
) -> pd.DataFrame:
    """One row per trial, ``n`` trials per variant, with the planted effects described above."""
    rng = np.random.default_rng(seed)
    log_lr = rng.uniform(-6, -2, n)
    one_minus_m = 10 ** rng.uniform(-2, 0, n)
    log_h = rng.uniform(math.log10(20), math.log10(200), n)
    noise = rng.uniform(0, 1, n)
    u = log_lr + 4
    base = 8.5 - 0.5 * u + u * (noise - 0.5)
    hidden = np.round(10**log_h).astype(int)
    rows = []
    for v_index, variant in enumerate(variants):
        eps = rng.normal(0, 0.03, n)
        test = base + eps + (shift if variant == worse else 0.0)
        valid = test + rng.normal(0, 0.01, n)
        if variant == best:
            k = int(np.argmin(base))
            test[k] -= 0.3
            valid[k] -= 0.3
        for i in range(n):
            diverged = all_diverged or bool(log_lr[i] > -2.15)
            rows.append(
                {
                    "task": task,
                    "variant": variant,
                    "trial": i,
                    "state": "COMPLETE",
                    "hidden_size": int(hidden[i]),
                    "learning_rate": float(10 ** log_lr[i]),
                    "momentum": float(1 - one_minus_m[i]),
                    "input_noise": float(noise[i]),
                    "valid_metric": float(valid[i]),
                    "test_metric": float(test[i]),
                    "metric_name": "nll",
                    "metric_direction": "minimize",
                    "best_epoch": 3,
                    "epochs": 10,
                    "stop_reason": "diverged" if diverged else "early_stop",
                    "diverged": diverged,
                    "n_params": int(4 * hidden[i] * (hidden[i] + 3) + (v_index + 1) * hidden[i]),
                    "wall_time_s": float(1.0 + 0.01 * hidden[i] + 0.1 * v_index),
                    "seed": 1000 * v_index + i,
                    "device": "cpu",
                    "git_commit": "0123abc",
                    "torch_version": "2.13.0",
                    "test_accuracy": float(np.clip(1.0 - (test[i] - 8.0) / 5.0, 0, 1)),
                    "valid_accuracy": float(np.clip(1.0 - (valid[i] - 8.0) / 5.0, 0, 1)),
                }
            )
    frame = pd.DataFrame(rows)
    # One pruned trial, as the collector writes them (not part of the statistics).
    pruned = frame.iloc[[0]].copy()
    pruned["trial"] = n
    pruned["state"] = "PRUNED"
    pruned["stop_reason"] = "pruned"
    return pd.concat([frame, pruned], ignore_index=True)


def make_gradient_rows(
    variants: tuple[str, ...] = ("RNN", "GRU", "V", "NFG"),
    lags: tuple[int, ...] = (10, 20),
    *,
    tasks: tuple[str, ...] | None = None,
    inits: tuple[str, ...] | None = None,
    trials: int = 1,
) -> pd.DataFrame:
    """A gradient-probe table (odyssey.training.gradients.run_probe's columns) with geometric decay
    rates. Without ``tasks`` and ``inits`` it has the columns of the first probe (one task, the
    paper's init, no ``task``/``init`` columns); with them, NFG succeeds everywhere, V succeeds at
    the shortest lag only, and with ``forget_bias`` every gated cell but NFG at every lag."""
    rates = {"RNN": 0.6, "GRU": 0.8, "V": 0.7, "NFG": 1.02}
    rows = []
    for task, init, variant, lag, trial in itertools.product(
        tasks or ("adding",), inits or ("paper",), variants, lags, range(trials)
    ):
        base = {
            "variant": variant,
            "lag": lag,
            "trial": trial,
            "seed": 1 + trial,
            "hidden_size": 32,
            "learning_rate": 0.01,
            "momentum": 0.9,
        }
        if tasks or inits:
            applied = "paper" if variant in ("NFG", "RNN") else init
            base = {"task": task, "init": init, "init_effective": applied, **base}
        for stage in ("init", "trained"):
            for k in range(lag):
                value = rates.get(variant, 0.9) ** k
                rows.append({**base, "stage": stage, "kind": "norm", "k": k, "value": value})
        solved = (
            variant == "NFG"
            or (tasks or inits)
            and (
                (variant == "V" and lag == min(lags))
                or (init == "forget_bias" and variant != "RNN")
            )
        )
        hit = 0.95 if solved else 0.2
        for kind, value in (
            ("hit_rate", hit),
            ("success", float(hit >= 0.9)),
            ("test_metric", 0.1),
            ("wall_time_s", 1.0),
            ("epochs", 2.0),
        ):
            rows.append({**base, "stage": "trained", "kind": kind, "k": -1, "value": value})
    frame = pd.DataFrame(rows)
    frame["note"] = "synthetic probe rows for the tests"
    return frame
