"""GRU cell with exactly torch.nn.GRU's equations (Cho et al. 2014; Chung et al. 2014).

    r = σ(W_r x + R_r h' + b_r)                    (reset gate)
    u = σ(W_u x + R_u h' + b_u)                    (update gate; torch calls it z)
    n = tanh(W_n x + b_n + r ⊙ (R_n h' + b_Rn))    (candidate)
    h = (1 - u) ⊙ n + u ⊙ h'

Paper-style keys: ``W_r W_u W_n`` (N x M), ``R_r R_u R_n`` (N x N), ``b_r b_u b_n b_Rn`` (N).
torch's two biases of r and u are redundant, so each is one bias here (b_r = b_ir + b_hr,
b_u = b_iz + b_hz); b_n = b_in and b_Rn = b_hn stay apart because r multiplies b_Rn only.
Parameters: 3K + N with K = N(M + N + 1). Packing: ``weight_ih`` (3N, M), ``weight_hh`` (3N, N),
``bias`` (3N) in order r, u, n, and ``bias_rn`` (N).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from variants.cell import RecurrentCell, StateSeq, block_views
from variants.gru_scan import gru_scan

BLOCKS = ("r", "u", "n")


class GRUCell(RecurrentCell):
    """One layer and direction of a GRU."""

    fused_mode = "gru"
    # torch's CPU GRU has no fused kernel: measured 1.3-5x slower than the loop of gru_scan
    # (batch 32 and 1); on CUDA cuDNN's GRU is the fast path.
    fused_on_cpu = False
    forget_bias_key = ("b_u", 1.0)  # u keeps the old state: +1 biases the unit toward remembering

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
        n, m = hidden_size, input_size
        self.weight_ih = nn.Parameter(torch.empty(3 * n, m))
        self.weight_hh = nn.Parameter(torch.empty(3 * n, n))
        self.bias = nn.Parameter(torch.empty(3 * n))
        self.bias_rn = nn.Parameter(torch.empty(n))
        with torch.no_grad():
            for p in self.parameters():
                p.normal_(0.0, 0.1)

    def paper_shapes(self) -> dict[str, tuple[int, ...]]:
        n, m = self.hidden_size, self.input_size
        shapes: dict[str, tuple[int, ...]] = {f"W_{k}": (n, m) for k in BLOCKS}
        shapes.update({f"R_{k}": (n, n) for k in BLOCKS})
        shapes.update({f"b_{k}": (n,) for k in BLOCKS})
        shapes["b_Rn"] = (n,)
        return shapes

    def views(self, packed: dict[str, Tensor]) -> dict[str, Tensor]:
        views = block_views(packed, BLOCKS, self.hidden_size)
        views["b_Rn"] = packed["bias_rn"]
        return views

    def fused_weights(self) -> list[Tensor]:
        zeros = self.bias_rn.new_zeros(2 * self.hidden_size)
        return [self.weight_ih, self.weight_hh, self.bias, torch.cat([zeros, self.bias_rn])]

    def scan_fast(self, x: Tensor) -> tuple[Tensor, tuple[StateSeq, ...]]:
        """Input projection of all steps at once, then the loop of :mod:`variants.gru_scan` with
        its hand-written backward (the autograd loop under autocast)."""
        if torch.is_autocast_enabled(x.device.type):
            return self.scan_autograd(x)
        xp = F.linear(x.transpose(0, 1), self.weight_ih, self.bias)  # (T, B, 3N)
        hs = gru_scan(xp, self.weight_hh, self.bias_rn, consume_xp=True)  # (T, B, N)
        return hs.transpose(0, 1), (hs,)

    def scan_autograd(self, x: Tensor) -> tuple[Tensor, tuple[StateSeq, ...]]:
        """Input projection of all steps at once, then one (B, N) x (N, 3N) product per step."""
        b = x.shape[0]
        n = self.hidden_size
        xp = F.linear(x, self.weight_ih, self.bias)  # (B, T, 3N)
        rec_t = self.weight_hh.t()  # (N, 3N)
        rec_bias = torch.cat([self.bias_rn.new_zeros(2 * n), self.bias_rn])  # (3N,)
        h = x.new_zeros(b, n, dtype=xp.dtype)
        hs: list[Tensor] = []
        for xt in xp.unbind(1):
            xr, xu, xn = xt.split(n, 1)
            hr, hu, hn = torch.addmm(rec_bias, h, rec_t).split(n, 1)
            r = torch.sigmoid(xr + hr)
            u = torch.sigmoid(xu + hu)
            cand = torch.tanh(torch.addcmul(xn, r, hn))
            h = torch.lerp(cand, h, u)  # (1 - u) n + u h
            hs.append(h)
        return torch.stack(hs, 1), (hs,)

    def scan_eager(self, x: Tensor) -> tuple[Tensor, tuple[StateSeq, ...]]:
        """Step-by-step reference with the named weights."""
        w = self.paper_views()
        b, t_len, _ = x.shape
        h = x.new_zeros(b, self.hidden_size)
        hs: list[Tensor] = []
        for t in range(t_len):
            xt = x[:, t]
            r = torch.sigmoid(xt @ w["W_r"].t() + h @ w["R_r"].t() + w["b_r"])
            u = torch.sigmoid(xt @ w["W_u"].t() + h @ w["R_u"].t() + w["b_u"])
            cand = torch.tanh(xt @ w["W_n"].t() + w["b_n"] + r * (h @ w["R_n"].t() + w["b_Rn"]))
            h = (1.0 - u) * cand + u * h
            hs.append(h)
        return torch.stack(hs, 1), (hs,)
