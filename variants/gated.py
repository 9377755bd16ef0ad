"""The generic gated cell: V and its eight ablations (Greff et al. 2017, Sec. II-A and IV-C).

Equations (reference section 1; ' marks the previous step, ⊙ the element-wise product):

    z̄ = W_z x + R_z y' + b_z                                           z = g(z̄)   block input
    ī = W_i x + R_i y' + p_i ⊙ c' + b_i [+ R_ii i' + R_fi f' + R_oi o']  i = σ(ī)   input gate
    f̄ = W_f x + R_f y' + p_f ⊙ c' + b_f [+ R_if i' + R_ff f' + R_of o']  f = σ(f̄)   forget gate
    c = z ⊙ i + c' ⊙ f                                                             cell
    ō = W_o x + R_o y' + p_o ⊙ c + b_o [+ R_io i' + R_fo f' + R_oo o']   o = σ(ō)   output gate
    y = h(c) ⊙ o                                                                   block output

The bracketed terms exist only with gate recurrence (FGR). A missing gate is the constant 1 (NIG,
NFG, NOG); CIFG sets f = 1 - i; NIAF/NOAF make g/h the identity; NP drops every p_*. Initial state
y = c = 0 and, for FGR, i = f = o = 0.

Packing: ``weight_ih`` (B_k N, M) and ``weight_hh`` (B_k N, N) stack the row blocks ``i, f, z, o``
that the variant has (torch.nn.LSTM's order); ``bias`` (B_k N); ``peephole`` (P, N) for the gates
with peepholes in order ``i, f, o``; ``gate_hh`` (G N, G N) with row block y, column block x
holding R_xy.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from variants.cell import RecurrentCell, StateSeq, block_views
from variants.gated_scan import gated_scan
from variants.spec import GatedSpec


class GatedCell(RecurrentCell):
    """One layer and direction of an LSTM-family variant described by a :class:`GatedSpec`."""

    num_states = 2

    def __init__(self, spec: GatedSpec, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
        self.spec = spec
        n, m = hidden_size, input_size
        nb = len(spec.blocks)
        self.weight_ih = nn.Parameter(torch.empty(nb * n, m))
        self.weight_hh = nn.Parameter(torch.empty(nb * n, n))
        self.bias = nn.Parameter(torch.empty(nb * n))
        npg = len(spec.peephole_gates)
        self.peephole = nn.Parameter(torch.empty(npg, n)) if npg else None
        ng = len(spec.gates)
        self.gate_hh = nn.Parameter(torch.empty(ng * n, ng * n)) if spec.gate_recurrence else None
        self.fused_mode = "lstm" if spec.is_standard_lstm else None
        if spec.has_forget_params:
            self.forget_bias_key = ("b_f", 1.0)
        elif spec.coupled:
            self.forget_bias_key = ("b_i", -1.0)  # f = 1 - σ(ī) = σ(-ī): lowering b_i raises f
        else:
            self.forget_bias_key = None
        with torch.no_grad():
            for p in self.parameters():
                p.normal_(0.0, 0.1)

    # --- the paper's notation -------------------------------------------------------------
    def paper_shapes(self) -> dict[str, tuple[int, ...]]:
        n, m = self.hidden_size, self.input_size
        shapes: dict[str, tuple[int, ...]] = {}
        for k in self.spec.blocks:
            shapes[f"W_{k}"] = (n, m)
        for k in self.spec.blocks:
            shapes[f"R_{k}"] = (n, n)
        for k in self.spec.blocks:
            shapes[f"b_{k}"] = (n,)
        for k in self.spec.peephole_gates:
            shapes[f"p_{k}"] = (n,)
        if self.spec.gate_recurrence:
            for x in self.spec.gates:
                for y in self.spec.gates:
                    shapes[f"R_{x}{y}"] = (n, n)
        return shapes

    def views(self, packed: dict[str, Tensor]) -> dict[str, Tensor]:
        n = self.hidden_size
        views = block_views(packed, self.spec.blocks, n)
        for j, k in enumerate(self.spec.peephole_gates):
            views[f"p_{k}"] = packed["peephole"][j]
        if self.gate_hh is not None:
            gates = self.spec.gates
            for col, x in enumerate(gates):
                for row, y in enumerate(gates):
                    block = packed["gate_hh"][row * n : (row + 1) * n, col * n : (col + 1) * n]
                    views[f"R_{x}{y}"] = block
        return views

    def fused_weights(self) -> list[Tensor]:
        if self.fused_mode != "lstm":
            raise ValueError(f"variant {self.spec.name} has no fused torch kernel")
        return [self.weight_ih, self.weight_hh, self.bias, torch.zeros_like(self.bias)]

    # --- fast loop --------------------------------------------------------------------------
    def _recurrent_matrix(self) -> Tensor:
        """(N [+ G N], B_k N)^T: y' (and, for FGR, the previous gate activations) -> all blocks."""
        if self.gate_hh is None:
            return self.weight_hh.t()
        n = self.hidden_size
        gates = self.spec.gates
        rows = []
        g_rows = self.gate_hh.split(n, 0)  # row block per gate y: (N, G N)
        for k in self.spec.blocks:
            if k == "z":
                rows.append(self.gate_hh.new_zeros(n, len(gates) * n))
            else:
                rows.append(g_rows[gates.index(k)])
        return torch.cat([self.weight_hh, torch.cat(rows, 0)], 1).t()

    def scan_fast(self, x: Tensor) -> tuple[Tensor, tuple[StateSeq, ...]]:
        """Input projection of every step as one matrix product, then the loop of
        :mod:`variants.gated_scan` with its hand-written backward (autograd loop under autocast).
        """
        if torch.is_autocast_enabled(x.device.type):
            return self.scan_autograd(x)
        xp = F.linear(x.transpose(0, 1), self.weight_ih, self.bias)  # (T, B, B_k N)
        ys, cs = gated_scan(
            self.spec, xp, self.weight_hh, self.peephole, self.gate_hh, consume_xp=True
        )  # (T, B, N) each
        return ys.transpose(0, 1), (ys, cs)

    def scan_autograd(self, x: Tensor) -> tuple[Tensor, tuple[StateSeq, ...]]:
        """Input projection of every step as one matrix product, then a lean loop under autograd."""
        spec = self.spec
        b, _, _ = x.shape
        n = self.hidden_size
        xp = F.linear(x, self.weight_ih, self.bias)  # (B, T, B_k N)
        steps = xp.unbind(1)  # T x (B, B_k N)
        rec = self._recurrent_matrix()  # (N [+ G N], B_k N)
        blocks = spec.blocks
        iz = blocks.index("z")
        ii = blocks.index("i") if "i" in blocks else -1
        i_f = blocks.index("f") if "f" in blocks else -1
        io = blocks.index("o") if "o" in blocks else -1
        peep = (
            dict(zip(spec.peephole_gates, self.peephole.unbind(0), strict=True))
            if spec.peepholes
            else {}
        )
        p_i, p_f, p_o = peep.get("i"), peep.get("f"), peep.get("o")
        g_tanh = spec.g == "tanh"
        h_tanh = spec.h == "tanh"
        coupled = spec.coupled
        fgr = self.gate_hh is not None

        dtype = xp.dtype
        y = x.new_zeros(b, n, dtype=dtype)
        c = x.new_zeros(b, n, dtype=dtype)
        acts = [x.new_zeros(b, n, dtype=dtype) for _ in spec.gates]
        ys: list[Tensor] = []
        cs: list[Tensor] = []
        for xt in steps:
            h_in = torch.cat([y, *acts], 1) if fgr else y
            parts = torch.addmm(xt, h_in, rec).split(n, 1)  # B_k x (B, N)
            z = torch.tanh(parts[iz]) if g_tanh else parts[iz]
            i = f = o = None
            if ii >= 0:
                pre = parts[ii] if p_i is None else torch.addcmul(parts[ii], p_i, c)
                i = torch.sigmoid(pre)
            if coupled:
                f = 1.0 - i
            elif i_f >= 0:
                pre = parts[i_f] if p_f is None else torch.addcmul(parts[i_f], p_f, c)
                f = torch.sigmoid(pre)
            zi = z if i is None else z * i
            c = zi + c if f is None else torch.addcmul(zi, c, f)
            hc = torch.tanh(c) if h_tanh else c
            if io >= 0:
                pre = parts[io] if p_o is None else torch.addcmul(parts[io], p_o, c)
                o = torch.sigmoid(pre)
                y = hc * o
            else:
                y = hc
            if fgr:
                acts = [a for a, k in ((i, "i"), (f, "f"), (o, "o")) if k in spec.gates]
            ys.append(y)
            cs.append(c)
        return torch.stack(ys, 1), (ys, cs)

    # --- eager reference ----------------------------------------------------------------------
    def scan_eager(self, x: Tensor) -> tuple[Tensor, tuple[StateSeq, ...]]:
        """Step-by-step reference, one gate at a time with the paper's named weights."""
        spec = self.spec
        w = self.paper_views()
        b, t_len, _ = x.shape
        n = self.hidden_size
        y = x.new_zeros(b, n)
        c = x.new_zeros(b, n)
        prev = {k: x.new_zeros(b, n) for k in spec.gates}

        def act(kind: str, v: Tensor) -> Tensor:
            return torch.tanh(v) if kind == "tanh" else v

        def pre(k: str, xt: Tensor, y_prev: Tensor) -> Tensor:
            out = xt @ w[f"W_{k}"].t() + y_prev @ w[f"R_{k}"].t() + w[f"b_{k}"]
            if spec.gate_recurrence and k in spec.gates:
                for src in spec.gates:
                    out = out + prev[src] @ w[f"R_{src}{k}"].t()
            return out

        def gate(k: str, xt: Tensor, y_prev: Tensor, c_seen: Tensor) -> Tensor:
            """σ(W_k x + R_k y' [+ p_k ⊙ c_seen] [+ FGR terms] + b_k)."""
            bar = pre(k, xt, y_prev)
            if k in spec.peephole_gates:
                bar = bar + w[f"p_{k}"] * c_seen
            return torch.sigmoid(bar)

        ys: list[Tensor] = []
        cs: list[Tensor] = []
        for t in range(t_len):
            xt = x[:, t]
            z = act(spec.g, pre("z", xt, y))
            one = torch.ones_like(z)
            i = gate("i", xt, y, c) if spec.input_gate else one
            f = one
            if spec.coupled:
                f = 1.0 - i
            elif spec.forget_gate:
                f = gate("f", xt, y, c)
            c = z * i + c * f
            o = gate("o", xt, y, c) if spec.output_gate else one  # peephole reads the new c
            y = act(spec.h, c) * o
            prev = {k: v for k, v in (("i", i), ("f", f), ("o", o)) if k in spec.gates}
            ys.append(y)
            cs.append(c)
        return torch.stack(ys, 1), (ys, cs)
