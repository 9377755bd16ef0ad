"""Names, descriptions and parameter-count formulas of every cell, and ``build``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from torch import nn

from variants import (
    coupled_gates,
    full_gate_recurrence,
    no_forget_gate,
    no_input_activation,
    no_input_gate,
    no_output_activation,
    no_output_gate,
    no_peepholes,
    vanilla,
)
from variants.cell import RecurrentCell
from variants.cnn import CNNFrontend
from variants.fuzzy import FuzzyFrontend
from variants.gated import GatedCell
from variants.gru import GRUCell
from variants.init import parse_init
from variants.network import RecurrentNetwork
from variants.rnn import TanhRNNCell
from variants.spec import GatedSpec

_SPECS: tuple[GatedSpec, ...] = tuple(
    m.SPEC
    for m in (
        vanilla,
        no_input_gate,
        no_forget_gate,
        no_output_gate,
        no_input_activation,
        no_output_activation,
        no_peepholes,
        coupled_gates,
        full_gate_recurrence,
    )
)

#: The front ends ``build`` accepts (``frontend=``): a per-frame CNN and Gaussian fuzzification.
FRONTENDS: tuple[str, ...] = ("cnn", "fuzzy")

#: The nine variants of Greff et al. (2017), V first.
PAPER_VARIANTS: tuple[str, ...] = tuple(s.name for s in _SPECS)


@dataclass(frozen=True)
class VariantInfo:
    """One line of the listing: code, one-line description, parameter formula (K = N(M + N + 1))."""

    name: str
    description: str
    param_formula: str


def _gru_count(m: int, n: int) -> int:
    return 3 * n * (m + n + 1) + n


def _rnn_count(m: int, n: int) -> int:
    return n * (m + n + 1)


@dataclass(frozen=True)
class _Entry:
    info: VariantInfo
    count: Callable[[int, int], int]
    make_cell: Callable[[int, int], RecurrentCell]


def _entries() -> dict[str, _Entry]:
    out = {}
    for spec in _SPECS:
        out[spec.name] = _Entry(
            VariantInfo(spec.name, spec.description, spec.param_formula()),
            spec.param_count,
            partial(GatedCell, spec),
        )
    out["GRU"] = _Entry(
        VariantInfo("GRU", "gated recurrent unit, torch.nn.GRU's equations", "3K + N"),
        _gru_count,
        GRUCell,
    )
    out["RNN"] = _Entry(
        VariantInfo("RNN", "plain tanh RNN (vanishing-gradient baseline)", "K"),
        _rnn_count,
        TanhRNNCell,
    )
    return out


_ENTRIES = _entries()


def names() -> list[str]:
    """Every cell name: the nine paper variants, then GRU and RNN."""
    return list(_ENTRIES)


def describe() -> list[VariantInfo]:
    """Every cell with a one-line description and its parameter formula, K = N(M + N + 1)."""
    return [e.info for e in _ENTRIES.values()]


def _entry(name: str) -> _Entry:
    if name not in _ENTRIES:
        raise ValueError(f"unknown variant {name!r}; known: {', '.join(_ENTRIES)}")
    return _ENTRIES[name]


def _positive(label: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{label} must be a positive int, got {value!r}")
    return int(value)


def param_count(name: str, input_size: int, hidden_size: int) -> int:
    """Parameters of one unidirectional layer of ``name`` by its formula (M inputs, N units)."""
    entry = _entry(name)
    return entry.count(_positive("input_size", input_size), _positive("hidden_size", hidden_size))


def _frontend(
    kind: str | None, input_size: int, options: Mapping[str, Any] | None
) -> nn.Module | None:
    opts = dict(options or {})
    if kind is None:
        if opts:
            raise ValueError(f"frontend_options given without a frontend: {sorted(opts)}")
        return None
    try:
        if kind == "cnn":
            if "frame_shape" not in opts:
                raise ValueError("frontend 'cnn' needs frontend_options={'frame_shape': (C, H, W)}")
            return CNNFrontend(input_size, **opts)
        if kind == "fuzzy":
            return FuzzyFrontend(input_size, **opts)
    except TypeError as err:
        raise ValueError(f"bad frontend_options for {kind!r}: {err}") from None
    raise ValueError(f"unknown frontend {kind!r}; expected None or one of {', '.join(FRONTENDS)}")


def build(
    name: str,
    input_size: int,
    hidden_size: int,
    *,
    bidirectional: bool = False,
    num_layers: int = 1,
    init: str = "paper",
    frontend: str | None = None,
    frontend_options: Mapping[str, Any] | None = None,
    fast: bool = True,
) -> RecurrentNetwork:
    """Build a network of ``name`` cells: ``num_layers`` layers, one or two directions.

    ``init``: ``paper`` (N(0, 0.1)), ``pytorch``, ``orthogonal``, ``forget_bias``, ``+``-joined.
    ``frontend``: None, ``"cnn"`` (``frame_shape=(C, H, W)``, optional ``channels``, ``pool``) or
    ``"fuzzy"`` (optional ``memberships``, ``low``, ``high``). ``fast=False``: eager reference.
    """
    entry = _entry(name)
    input_size = _positive("input_size", input_size)
    hidden_size = _positive("hidden_size", hidden_size)
    num_layers = _positive("num_layers", num_layers)
    if not isinstance(bidirectional, bool):
        raise ValueError(f"bidirectional must be a bool, got {bidirectional!r}")
    parse_init(init)
    front = _frontend(frontend, input_size, frontend_options)
    return RecurrentNetwork(
        name,
        entry.make_cell,
        input_size,
        hidden_size,
        num_layers=num_layers,
        bidirectional=bidirectional,
        init=init,
        frontend=front,
        fast=bool(fast),
    )
