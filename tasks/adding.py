"""The adding problem: Hochreiter & Schmidhuber 1997, experiment 4 (reference 6.3).

Each step is a pair (value, marker): value ~ U[-1, 1], marker in {1, 0, -1}. Exactly two pairs
carry marker 1: X1 is one of the first 10 pairs, X2 one of the first T/2 - 1 pairs still unmarked.
The first and the last pair carry marker -1 unless marked. If the first pair is marked its value is
set to 0 (the paper's "X1 := 0"; we zero the input value, so the target is always recomputable
from the inputs). Length uniform in [T, T + T // 10]; target at the last step
0.5 + (X1 + X2) / 4 in [0, 1]; one linear output.

Lag parameter: ``lag`` = T (the minimal lag between X2 and the end is T/2). For T < 22 the two
windows shrink to min(10, T/2 - 1) and T/2 - 1 pairs (a generalisation; the paper used
T = 100, 500, 1000).

Metrics: ``mse`` (mean squared error of the final output, minimize) and ``hit_rate`` (fraction of
sequences with absolute error < 0.04, the paper's success criterion per sequence).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from tasks.base import Batch, Example, GeneratedTask, check_int, last_step

TOLERANCE = 0.04


def make_adding_sequence(rng: np.random.Generator, lag: int) -> tuple[np.ndarray, float]:
    """One sequence: (L, 2) float32 inputs [value, marker] and its target 0.5 + (X1 + X2) / 4."""
    length = int(rng.integers(lag, lag + lag // 10 + 1))
    values = rng.uniform(-1.0, 1.0, size=length)  # (L,)
    markers = np.zeros(length)  # (L,)
    markers[0] = -1.0
    markers[-1] = -1.0
    half = max(1, lag // 2 - 1)
    i1 = int(rng.integers(0, min(10, half)))
    candidates = [i for i in range(half + 1) if i != i1][:half]
    i2 = int(candidates[rng.integers(0, len(candidates))])
    markers[i1] = 1.0
    markers[i2] = 1.0
    if markers[0] == 1.0:
        values[0] = 0.0
    target = 0.5 + (values[i1] + values[i2]) / 4.0
    x = np.stack([values, markers], axis=1).astype(np.float32)  # (L, 2)
    return x, float(np.float32(target))


class AddingTask(GeneratedTask):
    """Adding problem (H&S 1997 exp. 4): output 0.5 + (X1 + X2)/4 at the end; lag T."""

    name = "adding"
    description = "adding problem (H&S 1997 exp. 4), regress 0.5+(X1+X2)/4 after lag T; MSE"
    input_size = 2
    output_size = 1
    output_kind = "linear"
    target_kind = "final"
    metric_name = "mse"
    metric_direction = "minimize"

    @classmethod
    def option_rules(cls) -> dict[str, dict[str, Any]]:
        """The options' rules (:meth:`tasks.base.Task.option_rules`) with this task's bounds."""
        return {**super().option_rules(), "lag": {"type": "integer", "minimum": 4}}

    def __init__(
        self,
        *,
        seed: int = 0,
        lag: int = 100,
        sizes: Mapping[str, int] | Sequence[int] | None = None,
    ) -> None:
        super().__init__(seed=seed, sizes=sizes)
        self.lag = check_int("adding: lag", lag, 4)

    def _generate(self, rng: np.random.Generator, n: int, split: str) -> list[Example]:
        out = []
        for _ in range(n):
            x, target = make_adding_sequence(rng, self.lag)
            out.append(Example(x=x, y=np.array([target], dtype=np.float32)))
        return out

    @torch.no_grad()
    def score(self, logits: torch.Tensor, batch: Batch) -> dict[str, tuple[float, float]]:
        """``mse``, ``loss`` and ``hit_rate`` (|error| < 0.04) of the final outputs."""
        out = super().score(logits, batch)
        pred = last_step(logits, batch.lengths)[:, 0]  # (B,)
        err = (pred - batch.y.to(pred.device).reshape(-1)).abs()  # (B,)
        out["hit_rate"] = (float((err < TOLERANCE).sum()), float(len(batch)))
        return out
