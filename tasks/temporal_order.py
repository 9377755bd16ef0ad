"""Temporal order problem: Hochreiter & Schmidhuber 1997, experiments 6a and 6b (reference 6.3).

Symbols (one-hot inputs, 8 units): ``E B a b c d X Y``. A sequence starts with E, ends with the
trigger B, and is otherwise random symbols from {a, b, c, d}, except at the ``n_relevant``
positions t1 < t2 (< t3) that hold X or Y. The class (softmax over 2**n_relevant outputs, read at
the last step) is the order of X and Y: with X = 0, Y = 1 and the first relevant symbol the most
significant bit, 6a has XX -> 0 (Q), XY -> 1 (R), YX -> 2 (S), YY -> 3 (U); 6b has 8 classes.
(H&S used one sigmoid output per class and mean squared error; a softmax over the classes is
the modern equivalent.)

Lag scaling: ``lag`` = L (default 100, the paper's setting). The length is uniform in
[L, L + L // 10] (paper: 100..110) and each paper window [lo, hi] (6a: t1 in [10, 20],
t2 in [50, 60]; 6b: [10, 20], [33, 43], [66, 76]) is scaled to [lo * L // 100, hi * L // 100];
positions are 0-based indices with E at index 0. At L = 100 this is the paper's task exactly.

Metric: ``error`` (fraction of misclassified sequences, minimize).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tasks.base import Example, GeneratedTask, check_int

SYMBOLS = ("E", "B", "a", "b", "c", "d", "X", "Y")
WINDOWS = {
    2: ((10, 20), (50, 60)),
    3: ((10, 20), (33, 43), (66, 76)),
}


def scaled_windows(n_relevant: int, lag: int) -> list[tuple[int, int]]:
    """The paper's position windows (inclusive, 0-based) scaled from length 100 to ``lag``."""
    return [(lo * lag // 100, hi * lag // 100) for lo, hi in WINDOWS[n_relevant]]


def make_temporal_order_sequence(
    rng: np.random.Generator, n_relevant: int, lag: int
) -> tuple[list[str], int]:
    """One sequence as a list of symbols, and its class index."""
    length = int(rng.integers(lag, lag + lag // 10 + 1))
    seq = [str(s) for s in rng.choice(["a", "b", "c", "d"], size=length)]
    seq[0], seq[-1] = "E", "B"
    label = 0
    for lo, hi in scaled_windows(n_relevant, lag):
        pos = int(rng.integers(lo, hi + 1))
        bit = int(rng.integers(0, 2))
        seq[pos] = "XY"[bit]
        label = 2 * label + bit
    return seq, label


def one_hot(symbols: Sequence[str]) -> np.ndarray:
    """Symbols -> (T, 8) float32 one-hot over ``SYMBOLS``."""
    idx = np.array([SYMBOLS.index(s) for s in symbols])
    return np.eye(len(SYMBOLS), dtype=np.float32)[idx]  # (T, 8)


class TemporalOrderTask(GeneratedTask):
    """Temporal order (H&S 1997 exp. 6a/6b): classify the order of 2 or 3 X/Y symbols."""

    name = "temporal_order"
    description = "temporal order (H&S 1997 exp. 6a/6b): order of 2-3 far-apart X/Y; error rate"
    input_size = len(SYMBOLS)
    output_kind = "softmax"
    target_kind = "final"
    metric_name = "error"
    metric_direction = "minimize"

    @classmethod
    def option_rules(cls) -> dict[str, dict[str, Any]]:
        """The options' rules (:meth:`tasks.base.Task.option_rules`) with this task's bounds."""
        return {
            **super().option_rules(),
            "lag": {"type": "integer", "minimum": 10},
            "n_relevant": {"enum": [2, 3]},
        }

    def __init__(
        self,
        *,
        seed: int = 0,
        lag: int = 100,
        n_relevant: int = 2,
        sizes: Mapping[str, int] | Sequence[int] | None = None,
    ) -> None:
        super().__init__(seed=seed, sizes=sizes)
        if n_relevant not in WINDOWS:
            raise ValueError(
                f"temporal_order: n_relevant must be 2 (exp. 6a) or 3 (6b), got {n_relevant!r}"
            )
        self.lag = check_int("temporal_order: lag", lag, 10)
        self.n_relevant = int(n_relevant)
        self.output_size = 2**self.n_relevant

    def _generate(self, rng: np.random.Generator, n: int, split: str) -> list[Example]:
        out = []
        for _ in range(n):
            seq, label = make_temporal_order_sequence(rng, self.n_relevant, self.lag)
            out.append(Example(x=one_hot(seq), y=np.array(label, dtype=np.int64)))
        return out
