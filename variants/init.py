"""Weight initialisation schemes, applied through the paper's notation so that they fit every cell.

- ``paper``: every weight and bias from N(0, 0.1) (Greff et al. 2017, Sec. IV-B; std 0.1).
- ``pytorch``: torch.nn.LSTM's default, U(-1/sqrt(N), 1/sqrt(N)) for every weight and bias.
- ``orthogonal``: every recurrent matrix R_* (N x N, the FGR gate-to-gate ones included) is drawn
  orthogonal; the rest as the base scheme.
- ``forget_bias``: +1 on the forget-gate bias (Jozefowicz et al. 2015). CIFG has f = 1 - σ(ī), so
  its b_i gets -1 instead; the GRU's update gate u plays the forget role (b_u + 1); cells without a
  forget mechanism (NFG, RNN) are left unchanged.

Schemes combine with ``+``, e.g. ``"orthogonal+forget_bias"`` or ``"pytorch+orthogonal"``; at most
one base (``paper`` when none is given).
"""

from __future__ import annotations

import math

import torch

from variants.cell import RecurrentCell

BASES = ("paper", "pytorch")
MODIFIERS = ("orthogonal", "forget_bias")


def parse_init(init: str) -> tuple[str, frozenset[str]]:
    """Split ``"base+modifier+..."`` into (base, modifiers); ValueError on bad parts."""
    if not isinstance(init, str) or not init.strip():
        raise ValueError(f"init must be a non-empty string such as 'paper', got {init!r}")
    parts = [p.strip() for p in init.split("+")]
    unknown = [p for p in parts if p not in BASES + MODIFIERS]
    if unknown:
        raise ValueError(
            f"unknown init {unknown[0]!r}; expected {'/'.join(BASES + MODIFIERS)} joined by '+'"
        )
    bases = [p for p in parts if p in BASES]
    if len(bases) > 1 or len(set(parts)) != len(parts):
        raise ValueError(f"init {init!r} repeats a part or names two bases ({'/'.join(BASES)})")
    return (bases[0] if bases else "paper"), frozenset(p for p in parts if p in MODIFIERS)


@torch.no_grad()
def initialize(cell: RecurrentCell, init: str = "paper") -> None:
    """Draw ``cell``'s parameters by the scheme ``init`` (uses torch's global random generator)."""
    base, modifiers = parse_init(init)
    weights = cell.paper_weights()
    bound = 1.0 / math.sqrt(cell.hidden_size)
    for key, value in weights.items():
        if base == "paper":
            value.normal_(0.0, 0.1)
        else:
            value.uniform_(-bound, bound)
        if "orthogonal" in modifiers and key.startswith("R_") and value.dim() == 2:
            torch.nn.init.orthogonal_(value)
    if "forget_bias" in modifiers and cell.forget_bias_key is not None:
        key, shift = cell.forget_bias_key
        weights[key] += shift
    cell.load_paper_weights(weights)
