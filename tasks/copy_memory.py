"""Copy memory task: remember a short random string across a blank gap, then reproduce it.

The long-time-lag memory benchmark of Hochreiter & Schmidhuber 1997 (reference 6.3, in the
formulation of Arjovsky, Shah & Bengio 2016, "Unitary evolution RNNs", ICML). With ``length``
symbols drawn uniformly from an alphabet of ``n_symbols`` and a gap ``lag`` = T, one sequence has
2 * length + T steps:

- inputs: the ``length`` symbols, T - 1 blanks, one delimiter, ``length`` blanks;
- targets (per step, softmax over n_symbols + 1 classes, class 0 = blank): blank for the first
  length + T steps, then the symbols (class = symbol + 1) on the ``length`` recall steps.

Input one-hot over n_symbols + 2 units: symbols 0..n_symbols-1, blank = n_symbols, delimiter =
n_symbols + 1. The loss is cross-entropy over every step (the standard formulation). The metric
``symbol_error`` is the fraction of wrongly predicted symbols on the recall steps only (minimize);
``error`` and ``nll`` over all steps are reported too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from tasks.base import Batch, Example, GeneratedTask, check_int, count_errors


def make_copy_sequence(
    rng: np.random.Generator, n_symbols: int, length: int, lag: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One sequence: input ids, target classes, recall mask (bool), each (2 * length + lag,)."""
    symbols = rng.integers(0, n_symbols, size=length)  # (length,)
    total = 2 * length + lag
    blank, delim = n_symbols, n_symbols + 1
    inputs = np.full(total, blank, dtype=np.int64)
    inputs[:length] = symbols
    inputs[length + lag - 1] = delim
    targets = np.zeros(total, dtype=np.int64)
    targets[-length:] = symbols + 1
    recall = np.zeros(total, dtype=bool)
    recall[-length:] = True
    return inputs, targets, recall


class CopyMemoryTask(GeneratedTask):
    """Copy memory: reproduce ``length`` symbols after a blank gap of ``lag`` steps."""

    name = "copy_memory"
    description = "copy memory: recall a random symbol string after a blank gap T; symbol error"
    output_kind = "softmax"
    target_kind = "per_step"
    metric_name = "symbol_error"
    metric_direction = "minimize"

    @classmethod
    def option_rules(cls) -> dict[str, dict[str, Any]]:
        """The options' rules (:meth:`tasks.base.Task.option_rules`) with this task's bounds."""
        return {
            **super().option_rules(),
            "lag": {"type": "integer", "minimum": 1},
            "n_symbols": {"type": "integer", "minimum": 2},
            "length": {"type": "integer", "minimum": 1},
        }

    def __init__(
        self,
        *,
        seed: int = 0,
        lag: int = 100,
        n_symbols: int = 8,
        length: int = 10,
        sizes: Mapping[str, int] | Sequence[int] | None = None,
    ) -> None:
        super().__init__(seed=seed, sizes=sizes)
        self.lag = check_int("copy_memory: lag", lag, 1)
        self.n_symbols = check_int("copy_memory: n_symbols", n_symbols, 2)
        self.length = check_int("copy_memory: length", length, 1)
        self.input_size = self.n_symbols + 2
        self.output_size = self.n_symbols + 1

    def _generate(self, rng: np.random.Generator, n: int, split: str) -> list[Example]:
        eye = np.eye(self.input_size, dtype=np.float32)
        out = []
        for _ in range(n):
            inputs, targets, recall = make_copy_sequence(rng, self.n_symbols, self.length, self.lag)
            out.append(Example(x=eye[inputs], y=targets, extra={"recall": recall}))
        return out

    @torch.no_grad()
    def score(self, logits: torch.Tensor, batch: Batch) -> dict[str, tuple[float, float]]:
        """Base metrics plus ``symbol_error`` on the recall steps."""
        out = super().score(logits, batch)
        recall = batch.extra["recall"].to(logits.device) & batch.mask.to(logits.device)
        out["symbol_error"] = count_errors(logits, batch.y.to(logits.device), recall)
        return out
