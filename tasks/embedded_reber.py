"""Embedded Reber grammar: Hochreiter & Schmidhuber 1997, experiment 1 (reference 6.3).

The Reber grammar (Reber 1967; as drawn by Fahlman 1991 and H&S 1997, Fig. 5) over the 7 symbols
``B T P S X V E``; the embedded grammar wraps a Reber string as ``B T <reber> T E`` or
``B P <reber> P E``, so the second symbol must be remembered until the one before last. Every
branch is taken with probability 1/2.

Next-symbol prediction: input at step t is the one-hot symbol t (all but the final E); the target
is the SET of legal successors after the prefix 0..t (a multi-label 7-unit sigmoid target), as in
H&S: where the grammar allows two successors, predicting both is right. Loss: binary
cross-entropy summed over the 7 units. A prediction at a step is right when the outputs
thresholded at 0.5 (logit > 0) equal that set exactly; the metric ``string_accuracy`` is the
fraction of strings with every step right (maximize). ``nll`` per time step is reported too.
Sizes default to the paper's 256 training and 256 test strings (plus 256 validation strings).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

from tasks.base import Batch, Example, GeneratedTask

SYMBOLS = ("B", "T", "P", "S", "X", "V", "E")

# The Reber grammar: node -> {symbol: next node}; node 7 is the end of the inner string.
REBER: dict[int, dict[str, int]] = {
    0: {"B": 1},
    1: {"T": 2, "P": 3},
    2: {"S": 2, "X": 4},
    3: {"T": 3, "V": 5},
    4: {"X": 3, "S": 6},
    5: {"P": 4, "V": 6},
    6: {"E": 7},
}


def embedded_automaton() -> dict[tuple[str, int], dict[str, tuple[str, int]]]:
    """The embedded grammar as a deterministic automaton: state -> {symbol: next state}.

    States: ("start", 0), ("branch", 0), (b, k) inside branch b in {"T", "P"} at Reber node k,
    ("close", b) after the inner E (expects b), ("end", 0) (expects E), ("done", 0).
    """
    auto: dict[tuple[str, int], dict[str, tuple[str, int]]] = {
        ("start", 0): {"B": ("branch", 0)},
        ("branch", 0): {"T": ("T", 0), "P": ("P", 0)},
        ("end", 0): {"E": ("done", 0)},
        ("done", 0): {},
    }
    for bi, b in enumerate(("T", "P")):
        for node, edges in REBER.items():
            auto[(b, node)] = {
                s: (("close", bi) if nxt == 7 else (b, nxt)) for s, nxt in edges.items()
            }
        auto[("close", bi)] = {b: ("end", 0)}
    return auto


AUTOMATON = embedded_automaton()


def make_embedded_reber_string(rng: np.random.Generator) -> list[str]:
    """A random embedded Reber string (each branch with equal probability)."""
    state, out = ("start", 0), []
    while AUTOMATON[state]:
        choices = sorted(AUTOMATON[state])
        sym = choices[int(rng.integers(0, len(choices)))]
        out.append(sym)
        state = AUTOMATON[state][sym]
    return out


def successor_sets(string: Sequence[str]) -> list[set[str]]:
    """For each prefix string[:t+1] (t < len - 1), the set of legal next symbols."""
    state, sets = ("start", 0), []
    for sym in string[:-1]:
        if sym not in AUTOMATON[state]:
            raise ValueError(f"not an embedded Reber string: {''.join(string)}")
        state = AUTOMATON[state][sym]
        sets.append(set(AUTOMATON[state]))
    return sets


def encode(string: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (T, 7) one-hot of all but the last symbol; targets (T, 7) multi-hot successor sets."""
    eye = np.eye(len(SYMBOLS), dtype=np.float32)
    x = eye[[SYMBOLS.index(s) for s in string[:-1]]]  # (T, 7)
    y = np.zeros_like(x)  # (T, 7)
    for t, succ in enumerate(successor_sets(string)):
        y[t, [SYMBOLS.index(s) for s in succ]] = 1.0
    return x, y


class EmbeddedReberTask(GeneratedTask):
    """Embedded Reber grammar (H&S 1997 exp. 1): predict the set of legal next symbols."""

    name = "embedded_reber"
    description = "embedded Reber grammar (H&S 1997 exp. 1): next-symbol sets; strings all right"
    input_size = len(SYMBOLS)
    output_size = len(SYMBOLS)
    output_kind = "sigmoid"
    target_kind = "per_step"
    predicts_next_step = True
    metric_name = "string_accuracy"
    metric_direction = "maximize"
    default_sizes = {"train": 256, "valid": 256, "test": 256}

    def __init__(
        self, *, seed: int = 0, sizes: Mapping[str, int] | Sequence[int] | None = None
    ) -> None:
        super().__init__(seed=seed, sizes=sizes)

    def _generate(self, rng: np.random.Generator, n: int, split: str) -> list[Example]:
        out = []
        for _ in range(n):
            x, y = encode(make_embedded_reber_string(rng))
            out.append(Example(x=x, y=y))
        return out

    @torch.no_grad()
    def score(self, logits: torch.Tensor, batch: Batch) -> dict[str, tuple[float, float]]:
        """Base metrics plus ``string_accuracy`` and ``step_accuracy`` (thresholded sets)."""
        out = super().score(logits, batch)
        mask = batch.mask.to(logits.device)  # (B, T)
        right = ((logits > 0) == (batch.y.to(logits.device) > 0.5)).all(dim=2)  # (B, T)
        step_right = right | ~mask
        out["string_accuracy"] = (float(step_right.all(dim=1).sum()), float(len(batch)))
        out["step_accuracy"] = (float((right & mask).sum()), float(mask.sum()))
        return out
