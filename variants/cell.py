"""Common interface of one recurrent layer in one direction (a "cell" run over a whole sequence)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

#: A state over time: a list of T tensors (B, N) or one time-major tensor (T, B, N).
StateSeq = list[Tensor] | Tensor


def _time_major(seq: StateSeq) -> Tensor:
    """(T, B, N) view of a state sequence."""
    return seq if isinstance(seq, Tensor) else torch.stack(seq, 0)


def block_views(packed: dict[str, Tensor], blocks: tuple[str, ...], n: int) -> dict[str, Tensor]:
    """``W_k``, ``R_k``, ``b_k`` views of row block k (N rows each) of the packed ``weight_ih``
    (B_k N, M), ``weight_hh`` (B_k N, N) and ``bias`` (B_k N)."""
    views: dict[str, Tensor] = {}
    for j, k in enumerate(blocks):
        rows = slice(j * n, (j + 1) * n)
        views[f"W_{k}"] = packed["weight_ih"][rows]
        views[f"R_{k}"] = packed["weight_hh"][rows]
        views[f"b_{k}"] = packed["bias"][rows]
    return views


class RecurrentCell(nn.Module):
    """One layer, one direction. Subclasses define the equations; the network stacks them.

    Subclasses implement :meth:`scan_fast`, :meth:`scan_eager`, :meth:`views` and
    :meth:`paper_shapes`; ``fused_mode`` names the torch fused kernel that computes exactly the same
    equations (``"lstm"``, ``"gru"``, ``"rnn_tanh"``) or is ``None``.
    """

    fused_mode: str | None = None
    #: Whether the fused kernel is also the fast path on CPU (else only on CUDA, cuDNN).
    fused_on_cpu: bool = True
    #: (key, sign) of the bias that the "forget_bias" init shifts by +1 toward remembering, or None.
    forget_bias_key: tuple[str, float] | None = None
    #: Number of state tensors (1: h only; 2: y and c).
    num_states: int = 1

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size

    # --- the paper's notation -------------------------------------------------------------
    def paper_shapes(self) -> dict[str, tuple[int, ...]]:
        """Key -> shape of every parameter in the paper's notation."""
        raise NotImplementedError

    def views(self, packed: dict[str, Tensor]) -> dict[str, Tensor]:
        """Key -> view into ``packed`` (tensors shaped like this cell's parameters, by name)."""
        raise NotImplementedError

    def paper_views(self) -> dict[str, Tensor]:
        """Key -> differentiable view into the packed parameters (no copy)."""
        return self.views(dict(self.named_parameters()))

    def paper_weights(self) -> dict[str, Tensor]:
        """Detached copies of the parameters in the paper's notation (DESIGN.md key names)."""
        return {k: v.detach().clone() for k, v in self.paper_views().items()}

    def paper_grads(self) -> dict[str, Tensor]:
        """The parameters' ``.grad`` in the paper's notation (zeros where there is none)."""
        grads = {
            k: (p.grad if p.grad is not None else torch.zeros_like(p)).detach()
            for k, p in self.named_parameters()
        }
        return {k: v.clone() for k, v in self.views(grads).items()}

    @torch.no_grad()
    def load_paper_weights(self, weights: dict[str, Tensor], prefix: str = "") -> None:
        """Copy ``weights`` (exactly the keys and shapes of :meth:`paper_shapes`) in."""
        shapes = self.paper_shapes()
        given = set(weights)
        if given != set(shapes):
            missing = sorted(set(shapes) - given)
            extra = sorted(given - set(shapes))
            raise ValueError(
                f"paper weights for {prefix or 'layer'}: missing {missing}, unexpected {extra}"
            )
        views = self.paper_views()
        for key, shape in shapes.items():
            value = torch.as_tensor(weights[key])
            if tuple(value.shape) != shape:
                raise ValueError(
                    f"paper weight {prefix}{key} has shape {tuple(value.shape)}, expected {shape}"
                )
            views[key].copy_(value)

    # --- running over time ------------------------------------------------------------------
    def forward(
        self, x: Tensor, lengths: Tensor | None = None, fast: bool = True
    ) -> tuple[Tensor, tuple[Tensor, ...]]:
        """Same as :meth:`scan` (so that the cell works with ``torch.func.functional_call``)."""
        return self.scan(x, lengths, fast)

    def scan(
        self, x: Tensor, lengths: Tensor | None, fast: bool
    ) -> tuple[Tensor, tuple[Tensor, ...]]:
        """Run over x (B, T, M) from a zero state.

        Returns outputs (B, T, N) and the final state: a tuple of ``num_states`` tensors (B, N)
        taken at each sequence's last valid step (``lengths - 1``), or at step T - 1.
        """
        if fast:
            outputs, states = self.scan_fast(x)
        else:
            outputs, states = self.scan_eager(x)
        if lengths is None:
            final = tuple(s[-1] for s in states)
        else:
            rows = torch.arange(x.shape[0], device=x.device)
            last = (lengths.to(x.device) - 1).clamp(min=0)
            final = tuple(_time_major(s)[last, rows] for s in states)
        return outputs, final

    def scan_fast(self, x: Tensor) -> tuple[Tensor, tuple[StateSeq, ...]]:
        """Fast loop: outputs (B, T, N) and, per state, its T values, time-major (see StateSeq)."""
        raise NotImplementedError

    def scan_eager(self, x: Tensor) -> tuple[Tensor, tuple[StateSeq, ...]]:
        """Reference loop, gate by gate in the paper's notation; same return as scan_fast."""
        raise NotImplementedError

    def fused_weights(self) -> list[Tensor]:
        """``[w_ih, w_hh, b_ih, b_hh]`` in the layout of torch's fused kernel ``fused_mode``."""
        raise NotImplementedError
