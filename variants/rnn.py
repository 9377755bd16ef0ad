"""Plain tanh RNN (Elman network), the baseline that shows the vanishing gradient.

    y = tanh(W_y x + R_y y' + b_y)

Paper-style keys: ``W_y`` (N x M), ``R_y`` (N x N), ``b_y`` (N). Parameters: K = N(M + N + 1).
This is torch.nn.RNN(nonlinearity="tanh") with a single bias (torch's two biases are redundant).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from variants.cell import RecurrentCell


class TanhRNNCell(RecurrentCell):
    """One layer and direction of a tanh RNN."""

    fused_mode = "rnn_tanh"

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
        n, m = hidden_size, input_size
        self.weight_ih = nn.Parameter(torch.empty(n, m))
        self.weight_hh = nn.Parameter(torch.empty(n, n))
        self.bias = nn.Parameter(torch.empty(n))
        with torch.no_grad():
            for p in self.parameters():
                p.normal_(0.0, 0.1)

    def paper_shapes(self) -> dict[str, tuple[int, ...]]:
        n, m = self.hidden_size, self.input_size
        return {"W_y": (n, m), "R_y": (n, n), "b_y": (n,)}

    def views(self, packed: dict[str, Tensor]) -> dict[str, Tensor]:
        return {"W_y": packed["weight_ih"], "R_y": packed["weight_hh"], "b_y": packed["bias"]}

    def fused_weights(self) -> list[Tensor]:
        return [self.weight_ih, self.weight_hh, self.bias, torch.zeros_like(self.bias)]

    def scan_fast(self, x: Tensor) -> tuple[Tensor, tuple[list[Tensor], ...]]:
        """Input projection of all steps at once, then one addmm and one tanh per step."""
        xp = F.linear(x, self.weight_ih, self.bias)  # (B, T, N)
        rec_t = self.weight_hh.t()  # (N, N)
        y = x.new_zeros(x.shape[0], self.hidden_size, dtype=xp.dtype)
        ys: list[Tensor] = []
        for xt in xp.unbind(1):
            y = torch.tanh(torch.addmm(xt, y, rec_t))
            ys.append(y)
        return torch.stack(ys, 1), (ys,)

    def scan_eager(self, x: Tensor) -> tuple[Tensor, tuple[list[Tensor], ...]]:
        """Step-by-step reference with the named weights."""
        w = self.paper_views()
        y = x.new_zeros(x.shape[0], self.hidden_size)
        ys: list[Tensor] = []
        for t in range(x.shape[1]):
            y = torch.tanh(x[:, t] @ w["W_y"].t() + y @ w["R_y"].t() + w["b_y"])
            ys.append(y)
        return torch.stack(ys, 1), (ys,)
