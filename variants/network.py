"""Stacked, optionally bidirectional recurrent network over padded batches (the contract's
``RecurrentNetwork``).

Layer l >= 1 reads the concatenated outputs of both directions of layer l - 1. The backward
direction reverses each sequence within its own length (step t <-> lengths - 1 - t), so it starts
at that sequence's last valid step; padded steps stay after the valid ones and never reach a valid
output. Outputs are zero at padded steps.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from variants.cell import RecurrentCell
from variants.fused import fused_forward
from variants.init import initialize


def reverse_padded(x: Tensor, lengths: Tensor | None) -> Tensor:
    """Reverse x (B, T, F) in time within each sequence's length; padded steps stay in place."""
    if lengths is None:
        return x.flip(1)
    b, t_len, feat = x.shape
    steps = torch.arange(t_len, device=x.device).expand(b, t_len)  # (B, T)
    lens = lengths.to(x.device).unsqueeze(1)  # (B, 1)
    index = torch.where(steps < lens, lens - 1 - steps, steps)  # (B, T)
    return x.gather(1, index.unsqueeze(2).expand(b, t_len, feat))


class RecurrentNetwork(nn.Module):
    """``num_layers`` x ``directions`` cells of one kind, with an optional front end.

    ``forward(x, lengths=None) -> (outputs, final_state)``: outputs (B, T, hidden * directions); the
    final state is ``(h_n, c_n)`` for LSTM-family cells and ``h_n`` for GRU and RNN, each
    (num_layers * directions, B, hidden) as in torch.nn.LSTM (layer-major, forward before backward),
    taken at each sequence's last valid step.
    """

    def __init__(
        self,
        name: str,
        make_cell: Callable[[int, int], RecurrentCell],
        input_size: int,
        hidden_size: int,
        *,
        num_layers: int = 1,
        bidirectional: bool = False,
        init: str = "paper",
        frontend: nn.Module | None = None,
        fast: bool = True,
    ) -> None:
        super().__init__()
        self.name = name
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.directions = 2 if bidirectional else 1
        self.output_size = hidden_size * self.directions
        self.fast = fast
        self.init = init
        self.frontend = frontend
        core_in = frontend.output_size if frontend is not None else input_size
        cells = []
        for layer in range(num_layers):
            layer_in = core_in if layer == 0 else self.output_size
            for _ in range(self.directions):
                cell = make_cell(layer_in, hidden_size)
                initialize(cell, init)
                cells.append(cell)
        self.cells = nn.ModuleList(cells)
        modes = {c.fused_mode for c in cells}
        self.fused_mode = cells[0].fused_mode if len(modes) == 1 else None
        #: Use the fused kernel on CPU too (on CUDA it is used whenever there is one).
        self.fused_on_cpu = all(c.fused_on_cpu for c in cells)

    # --- bookkeeping -----------------------------------------------------------------------
    def num_parameters(self) -> int:
        """Trainable parameters of the whole network (front end included)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def _prefix(self, index: int) -> str:
        if self.num_layers == 1 and self.directions == 1:
            return ""
        layer, direction = divmod(index, self.directions)
        return f"l{layer}.{'bwd' if direction else 'fwd'}."

    def _prefixed(
        self, per_cell: Callable[[RecurrentCell], dict[str, Tensor]]
    ) -> dict[str, Tensor]:
        out: dict[str, Tensor] = {}
        for index, cell in enumerate(self.cells):
            prefix = self._prefix(index)
            out.update({prefix + k: v for k, v in per_cell(cell).items()})
        return out

    def paper_weights(self) -> dict[str, Tensor]:
        """Copies of the recurrent parameters in the paper's notation, prefixed per layer."""
        return self._prefixed(lambda cell: cell.paper_weights())

    def paper_grads(self) -> dict[str, Tensor]:
        """The gradients (``.grad``) of :meth:`paper_weights`' entries, same keys and shapes."""
        return self._prefixed(lambda cell: cell.paper_grads())

    def load_paper_weights(self, weights: dict[str, Tensor]) -> None:
        """Inverse of :meth:`paper_weights`: exactly its keys and shapes, else ValueError."""
        known = set()
        for index, cell in enumerate(self.cells):
            prefix = self._prefix(index)
            keys = [prefix + k for k in cell.paper_shapes()]
            known.update(keys)
            missing = [k for k in keys if k not in weights]
            if missing:
                raise ValueError(f"paper weights: missing {missing}")
        extra = sorted(set(weights) - known)
        if extra:
            raise ValueError(f"paper weights: unexpected keys {extra}")
        for index, cell in enumerate(self.cells):
            prefix = self._prefix(index)
            part = {k: weights[prefix + k] for k in cell.paper_shapes()}
            cell.load_paper_weights(part, prefix)

    # --- forward -----------------------------------------------------------------------------
    def _check(self, x: Tensor, lengths: Tensor | None) -> Tensor | None:
        if not isinstance(x, Tensor) or x.dim() != 3:
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"x must have shape (batch, time, {self.input_size}), got {shape}")
        if x.shape[2] != self.input_size:
            raise ValueError(
                f"x has input width {x.shape[2]}, expected {self.input_size} (batch, time, input)"
            )
        if not x.is_floating_point():
            raise ValueError(f"x must be a floating-point tensor, got {x.dtype}")
        if x.shape[1] < 1 or x.shape[0] < 1:
            raise ValueError(
                f"x must have at least one sequence and one step, got {tuple(x.shape)}"
            )
        if lengths is None:
            return None
        lengths = torch.as_tensor(lengths)
        if lengths.dim() != 1 or lengths.shape[0] != x.shape[0]:
            raise ValueError(f"lengths must have shape ({x.shape[0]},), got {tuple(lengths.shape)}")
        if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
            raise ValueError(f"lengths must be integers, got {lengths.dtype}")
        lo, hi = int(lengths.min()), int(lengths.max())
        if lo < 1 or hi > x.shape[1]:
            raise ValueError(
                f"lengths must lie in [1, {x.shape[1]}] (the time dimension), got [{lo}, {hi}]"
            )
        if lo == x.shape[1]:
            return None  # every sequence is full length
        return lengths.to(torch.int64)

    def forward(
        self, x: Tensor, lengths: Tensor | None = None
    ) -> tuple[Tensor, Tensor | tuple[Tensor, ...]]:
        """x (B, T, input_size), lengths (B,) or None -> (outputs (B, T, hidden D), state)."""
        lengths = self._check(x, lengths)
        if self.frontend is not None:
            x = self.frontend(x)  # (B, T, core input)
        fused = self.fused_mode is not None and (x.device.type != "cpu" or self.fused_on_cpu)
        if self.fast and fused:
            outputs, states = fused_forward(
                self.fused_mode,
                list(self.cells),
                x,
                lengths,
                self.num_layers,
                self.bidirectional,
                self.training,
            )
        else:
            outputs, states = self._forward_cells(x, lengths)
        return outputs, (states if len(states) > 1 else states[0])

    def _forward_cells(
        self, x: Tensor, lengths: Tensor | None
    ) -> tuple[Tensor, tuple[Tensor, ...]]:
        mask = None
        if lengths is not None:
            steps = torch.arange(x.shape[1], device=x.device)
            mask = (steps < lengths.to(x.device).unsqueeze(1)).unsqueeze(2)  # (B, T, 1)
        finals: list[tuple[Tensor, ...]] = []
        h = x
        for layer in range(self.num_layers):
            outs = []
            for direction in range(self.directions):
                cell = self.cells[layer * self.directions + direction]
                inp = h if direction == 0 else reverse_padded(h, lengths)
                y, final = cell.scan(inp, lengths, self.fast)  # (B, T, N)
                outs.append(y if direction == 0 else reverse_padded(y, lengths))
                finals.append(final)
            h = outs[0] if len(outs) == 1 else torch.cat(outs, 2)  # (B, T, N D)
            if mask is not None:
                h = h * mask
        states = tuple(torch.stack(s, 0) for s in zip(*finals, strict=True))  # (L D, B, N) each
        return h, states

    def extra_repr(self) -> str:
        return (
            f"name={self.name}, input_size={self.input_size}, hidden_size={self.hidden_size}, "
            f"num_layers={self.num_layers}, bidirectional={self.bidirectional}, "
            f"init={self.init!r}, fast={self.fast}"
        )
