"""The gated cell's recurrent loop as one autograd Function with a hand-written backward (BPTT).

Forward: the equations of ``variants.gated`` step by step, in place, outside autograd. Backward: the
paper's BPTT deltas (Greff et al. 2017, Sec. II-B), generalised to every variant:

    δy^t = Δ^t + R^T δpre^{t+1}                      (R: all recurrent blocks; FGR: also δa^t)
    δō^t = δy^t ⊙ h(c^t) ⊙ σ'(ō^t)
    δc^t = δy^t ⊙ o^t ⊙ h'(c^t) + p_o ⊙ δō^t + p_i ⊙ δī^{t+1} + p_f ⊙ δf̄^{t+1} + δc^{t+1} ⊙ f^{t+1}
    δf̄^t = δc^t ⊙ c^{t-1} ⊙ σ'(f̄^t)    δī^t = δc^t ⊙ z^t ⊙ σ'(ī^t)    δz̄^t = δc^t ⊙ i^t ⊙ g'(z̄^t)

with CIFG using (z^t - c^{t-1}) in δī^t and f = 1 - i, and FGR adding the previous activations'
deltas G^T δpre^{t+1} to δi, δf, δo. Every factor that does not depend on the deltas (σ', h', ...)
is computed for all steps at once before the loop; weight gradients are one matrix product.

On the CPU (float32 and float64) the loops run compiled (``variants/csrc/gated_loop.cpp``, built
and cached by :mod:`variants.native`): the same equations and deltas, one BLAS product and one fused
pointwise pass per step. The Python loops below are the fallback (no compiler, other devices) and
the readable statement of the algorithm; the tests hold the two equal.

Speed of the Python loops: tanh(z̄) is computed as 2σ(2z̄) - 1 (one sigmoid call for the i, f, z
blocks; torch's CPU tanh costs about four sigmoids), h(c) likewise on large steps
(``variants.pointwise``).
Tensors are time-major: xp (T, B, B_k N) = W x + b of every step.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from variants.native import compiled_loops, evaluation_loops
from variants.pointwise import StepTanh
from variants.spec import GatedSpec


class _Layout:
    """Column blocks and flags of a spec, resolved once per call."""

    def __init__(self, spec: GatedSpec, n: int) -> None:
        self.n = n
        blocks = spec.blocks
        self.z = blocks.index("z")
        self.i = blocks.index("i") if "i" in blocks else -1
        self.f = blocks.index("f") if "f" in blocks else -1
        self.o = blocks.index("o") if "o" in blocks else -1
        self.peep = {g: j for j, g in enumerate(spec.peephole_gates)}
        # i and f (when present) are the first blocks; their peepholes are the first rows of p.
        self.n_if_peep = sum(1 for g in ("i", "f") if g in self.peep)
        self.g_tanh = spec.g == "tanh"
        self.h_tanh = spec.h == "tanh"
        self.coupled = spec.coupled
        self.fgr = spec.gate_recurrence
        # Column ranges squashed by σ before the cell update: i, f and (tanh) z, adjacent merged.
        cols = sorted(c for c in (self.i, self.f, self.z if self.g_tanh else -1) if c >= 0)
        ranges: list[list[int]] = []
        for c in cols:
            if ranges and ranges[-1][1] == c * n:
                ranges[-1][1] = (c + 1) * n
            else:
                ranges.append([c * n, (c + 1) * n])
        self.sig_ranges = [tuple(r) for r in ranges]
        # FGR: the gates are the first G blocks (spec.blocks), so G N columns of a' feed G N of pre.
        self.gate_width = len(spec.gates) * n if self.fgr else 0
        # Blocks i, f, z (those present) as one column span [lo, hi) of blocks, if adjacent.
        ifz = sorted(c for c in (self.i, self.f, self.z) if c >= 0)
        self.ifz_span = (ifz[0], ifz[-1] + 1) if ifz[-1] - ifz[0] + 1 == len(ifz) else None
        if self.fgr and spec.blocks[: len(spec.gates)] != spec.gates:
            raise ValueError(f"gate recurrence needs the gates packed first, got {spec.blocks}")
        # The same layout for the compiled loop (its ``Layout`` reads these twelve numbers).
        self.native = [
            n,
            self.z,
            self.i,
            self.f,
            self.o,
            *(self.peep.get(g, -1) for g in ("i", "f", "o")),
            int(self.g_tanh),
            int(self.h_tanh),
            int(self.coupled),
            self.gate_width,
        ]


def _optional(t: Tensor | None) -> Tensor | None:
    """Contiguous t, or None."""
    return t.contiguous() if t is not None else None


def _block_steps(x: Tensor, col: int, n: int) -> tuple[Tensor, ...] | None:
    """Per-step views (B, N) of column block ``col`` of x (T, B, B_k N); None for col < 0."""
    return x[:, :, col * n : (col + 1) * n].unbind(0) if col >= 0 else None


def _zifo_steps(x: Tensor, lay: _Layout) -> tuple[tuple[Tensor, ...] | None, ...]:
    """Per-step views of the z, i, f, o blocks of x (T, B, B_k N); None for absent blocks."""
    return tuple(_block_steps(x, col, lay.n) for col in (lay.z, lay.i, lay.f, lay.o))


def _forward(
    lay: _Layout, xp: Tensor, w_hh: Tensor, peep: Tensor | None, gmat: Tensor | None
) -> tuple[Tensor, ...]:
    """Run the loop; returns Y, C, h(C) (T, B, N) and the activations A (T, B, B_k N).

    Per-step views are made once before the loop (``unbind``), so the loop body is only the
    arithmetic: at batch size 1 the cost is the number of calls, not their size.
    """
    t_len, b, _ = xp.shape
    n = lay.n
    # The activations overwrite a copy of xp in place (addmm_ adds y' R^T without a copy).
    acts = xp.clone()  # (T, B, B_k N): z after g, gates after σ
    rec_t = w_hh.t()  # (N, B_k N)
    if lay.g_tanh:  # tanh(z̄) = 2σ(2z̄) - 1: feed 2z̄ into the shared sigmoid
        acts[:, :, lay.z * n : (lay.z + 1) * n] *= 2.0
        rec_t = rec_t.clone()
        rec_t[:, lay.z * n : (lay.z + 1) * n] *= 2.0
    gmat_t = gmat.t() if gmat is not None else None  # (G N, G N): gate acts' -> gate pre
    cells = xp.new_empty(t_len, b, n)
    hcs = xp.new_empty(t_len, b, n) if (lay.h_tanh and lay.o >= 0) else None
    ys = xp.new_empty(t_len, b, n)
    tanh = StepTanh(xp, b * n)

    a_t = acts.unbind(0)
    z_t, i_t, f_t, o_t = _zifo_steps(acts, lay)
    c_t = cells.unbind(0)
    y_t = ys.unbind(0)
    hc_t = hcs.unbind(0) if hcs is not None else None
    k = lay.n_if_peep
    p_if = peep[:k].unsqueeze(0) if k else None  # (1, k, N)
    if_t = acts[:, :, : k * n].view(t_len, b, k, n).unbind(0) if k else None
    c_col_t = cells.unsqueeze(2).unbind(0)  # (B, 1, N) views for the i/f peepholes
    sig_t = [acts[:, :, lo:hi].unbind(0) for lo, hi in lay.sig_ranges]
    gates_t = acts[:, :, : lay.gate_width].unbind(0)  # FGR: (B, G N) gate activations
    p_o = peep[lay.peep["o"]] if "o" in lay.peep else None
    g_tanh, h_tanh, coupled = lay.g_tanh, lay.h_tanh, lay.coupled

    y = xp.new_zeros(b, n)
    c = xp.new_zeros(b, n)
    for t in range(t_len):
        a = a_t[t]  # (B, B_k N)
        a.addmm_(y, rec_t)
        if gmat_t is not None and t > 0:
            gates_t[t].addmm_(gates_t[t - 1], gmat_t)
        if p_if is not None and t > 0:  # c^0 = 0: no peephole term at t = 0
            if_t[t].addcmul_(p_if, c_col_t[t - 1])
        for sig in sig_t:
            sig[t].sigmoid_()
        z = z_t[t]
        if g_tanh:
            tanh.from_sigmoid(z)
        c_new = c_t[t]
        if i_t is not None:
            torch.mul(z, i_t[t], out=c_new)
        else:
            c_new.copy_(z)
        if coupled:  # + c' (1 - i)
            c_new.add_(c).addcmul_(c, i_t[t], value=-1.0)
        elif f_t is not None:
            c_new.addcmul_(c, f_t[t])
        else:
            c_new.add_(c)
        y_new = y_t[t]
        if o_t is not None:
            o = o_t[t]
            if p_o is not None:
                o.addcmul_(p_o, c_new)
            o.sigmoid_()
            if hc_t is not None:
                torch.mul(tanh.into(c_new, hc_t[t]), o, out=y_new)
            else:
                torch.mul(c_new, o, out=y_new)
        elif h_tanh:
            tanh.into(c_new, y_new)
        else:
            y_new.copy_(c_new)
        y, c = y_new, c_new
    return ys, cells, hcs, acts


def _factors(lay: _Layout, ys: Tensor, cells: Tensor, hcs: Tensor | None, acts: Tensor) -> dict:
    """Delta-independent factors of the backward pass for all steps at once, each (T, B, N)."""
    n = lay.n
    blk = acts.split(n, 2)
    one = acts.new_ones(())
    sig_d = torch.addcmul(acts, acts, acts, value=-1.0)  # σ' of the gates (z's block unused)
    dblk = sig_d.split(n, 2)
    c_prev = torch.cat([torch.zeros_like(cells[:1]), cells[:-1]], 0)
    # Without the stored h(c), h is linear (h(c) = c) or there is no output gate (h(c) = y).
    hc = hcs if hcs is not None else (ys if lay.h_tanh else cells)
    fac: dict[str, Tensor | None] = {"c_prev": c_prev}
    h_d = torch.addcmul(one, hc, hc, value=-1.0) if lay.h_tanh else None
    if lay.o >= 0:
        o = blk[lay.o]
        fac["d_o"] = dblk[lay.o]
        fac["fo"] = hc * dblk[lay.o]
        fac["od"] = o * h_d if h_d is not None else o
    else:
        fac["od"] = h_d
    z = blk[lay.z]
    g_d = torch.addcmul(one, z, z, value=-1.0) if lay.g_tanh else None
    if lay.i >= 0:
        i = blk[lay.i]
        fac["d_i"] = dblk[lay.i]
        fac["fi"] = ((z - c_prev) if lay.coupled else z) * dblk[lay.i]
        fac["fz"] = i * g_d if g_d is not None else i
    else:
        fac["fz"] = g_d
    if lay.f >= 0:
        fac["d_f"] = dblk[lay.f]
        fac["ff"] = c_prev * dblk[lay.f]
        fac["fc"] = blk[lay.f]
    elif lay.coupled:
        fac["fc"] = 1.0 - blk[lay.i]
    else:
        fac["fc"] = None
    if lay.ifz_span is not None:  # i, f, z adjacent: one product gives all three deltas
        by_col = {lay.i: fac.get("fi"), lay.f: fac.get("ff"), lay.z: fac["fz"]}
        lo, hi = lay.ifz_span
        parts = [by_col[c] if by_col[c] is not None else torch.ones_like(z) for c in range(lo, hi)]
        fac["f_ifz"] = torch.stack(parts, 2)  # (T, B, k, N) in column order
    return fac


def _backward(
    lay: _Layout,
    w_hh: Tensor,
    peep: Tensor | None,
    gmat: Tensor | None,
    saved: tuple[Tensor, ...],
    d_ys: Tensor | None,
    d_cells: Tensor | None,
) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
    """BPTT through the loop; returns d xp (T, B, B_k N), d w_hh, d peephole, d gmat (G N)^2."""
    ys, cells, hcs, acts = saved
    t_len, b, n = ys.shape
    # δy of every step, accumulated in place (addmm_ avoids a copy per step).
    d_y_all = (
        torch.zeros_like(ys) if d_ys is None else d_ys.clone(memory_format=torch.contiguous_format)
    )
    fac = _factors(lay, ys, cells, hcs, acts)
    # Per-step views, made once (see _forward).
    fo, od, fi, fz, ff, fc, d_o, d_i, d_f = (
        fac[k].unbind(0) if fac.get(k) is not None else None
        for k in ("fo", "od", "fi", "fz", "ff", "fc", "d_o", "d_i", "d_f")
    )
    p_i = peep[lay.peep["i"]] if "i" in lay.peep else None
    p_f = peep[lay.peep["f"]] if "f" in lay.peep else None
    p_o = peep[lay.peep["o"]] if "o" in lay.peep else None
    dpre = torch.empty_like(acts)  # (T, B, B_k N): deltas of the pre-activations
    dpre_t = dpre.unbind(0)
    dgates_t = dpre[:, :, : lay.gate_width].unbind(0)
    dz_t, di_t, df_t, do_t = _zifo_steps(dpre, lay)
    dy_t = d_y_all.unbind(0)
    dc_in = d_cells.unbind(0) if d_cells is not None else None
    ii, fi_col, oi = lay.i, lay.f, lay.o
    f_ifz = fac["f_ifz"].unbind(0) if "f_ifz" in fac else None
    if f_ifz is not None:
        lo, hi = lay.ifz_span
        d_ifz = dpre[:, :, lo * n : hi * n].view(t_len, b, hi - lo, n).unbind(0)
    carry: Tensor | None = None
    for t in range(t_len - 1, -1, -1):
        dg = None
        dy = dy_t[t]  # (B, N)
        if t + 1 < t_len:
            dy.addmm_(dpre_t[t + 1], w_hh)
            if gmat is not None:  # δ of the previous gate activations, gate (= block) order
                dg = torch.mm(dgates_t[t + 1], gmat).split(n, 1)
        if do_t is not None:
            torch.mul(dy, fo[t], out=do_t[t])
            if dg is not None:
                do_t[t].addcmul_(dg[oi], d_o[t])
        if od is None:
            dc = dy.clone() if carry is None else carry + dy
        else:
            dc = dy * od[t] if carry is None else torch.addcmul(carry, dy, od[t])
        if dc_in is not None:
            dc.add_(dc_in[t])
        if p_o is not None:
            dc.addcmul_(p_o, do_t[t])
        if f_ifz is not None:
            torch.mul(dc.unsqueeze(1), f_ifz[t], out=d_ifz[t])  # δī, δf̄, δz̄ at once
        else:
            if di_t is not None:
                torch.mul(dc, fi[t], out=di_t[t])
            if fz is not None:
                torch.mul(dc, fz[t], out=dz_t[t])
            else:
                dz_t[t].copy_(dc)
            if df_t is not None:
                torch.mul(dc, ff[t], out=df_t[t])
        if dg is not None:
            if di_t is not None:
                di_t[t].addcmul_(dg[ii], d_i[t])
            if df_t is not None:
                df_t[t].addcmul_(dg[fi_col], d_f[t])
        carry = dc * fc[t] if fc is not None else dc
        if p_i is not None:
            carry.addcmul_(p_i, di_t[t])
        if p_f is not None:
            carry.addcmul_(p_f, df_t[t])

    # Weight gradients: one product over all steps (step 0 saw zero y' and activations).
    width = dpre.shape[2]
    d_later = dpre[1:].reshape(-1, width)  # ((T - 1) B, B_k N)
    d_w_hh = d_later.t() @ ys[:-1].reshape(-1, n)  # (B_k N, N)
    d_gmat = None
    if gmat is not None:
        gw = lay.gate_width
        d_gmat = dpre[1:, :, :gw].reshape(-1, gw).t() @ acts[:-1, :, :gw].reshape(-1, gw)
    d_peep = None
    if peep is not None:
        rows = []
        for g in lay.peep:
            col = {"i": lay.i, "f": lay.f, "o": lay.o}[g]
            seen = cells if g == "o" else fac["c_prev"]
            rows.append((dpre[:, :, col * n : (col + 1) * n] * seen).sum((0, 1)))
        d_peep = torch.stack(rows, 0)  # (P, N)
    return dpre, d_w_hh, d_peep, d_gmat


class GatedScan(torch.autograd.Function):
    """(xp, w_hh, peephole, gmat) -> (Y, C), each (T, B, N); see the module docstring."""

    @staticmethod
    def forward(
        ctx: Any,
        xp: Tensor,
        w_hh: Tensor,
        peep: Tensor | None,
        gmat: Tensor | None,
        spec: GatedSpec,
    ) -> tuple[Tensor, Tensor]:
        lay = _Layout(spec, w_hh.shape[1])
        ext = compiled_loops(xp)
        if ext is not None:
            ys, cells, hcs, acts = ext.gated_forward(
                xp, w_hh, _optional(peep), _optional(gmat), lay.native, True
            )
        else:
            ys, cells, hcs, acts = _forward(lay, xp, w_hh, peep, gmat)
        ctx.lay = lay
        ctx.has_hcs = hcs is not None
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(w_hh, peep, gmat, ys, cells, hcs, acts)
        return ys, cells

    @staticmethod
    @once_differentiable
    def backward(
        ctx: Any, d_ys: Tensor | None, d_cells: Tensor | None
    ) -> tuple[Tensor | None, ...]:
        w_hh, peep, gmat, ys, cells, hcs, acts = ctx.saved_tensors
        ext = compiled_loops(acts)
        if ext is not None:
            dxp, d_w_hh, d_peep, d_gmat = ext.gated_backward(
                w_hh,
                _optional(peep),
                _optional(gmat),
                ys,
                cells,
                hcs,
                acts,
                _optional(d_ys),
                _optional(d_cells),
                ctx.lay.native,
            )
        else:
            dxp, d_w_hh, d_peep, d_gmat = _backward(
                ctx.lay, w_hh, peep, gmat, (ys, cells, hcs, acts), d_ys, d_cells
            )
        return dxp, d_w_hh, d_peep, d_gmat, None


def gated_scan(
    spec: GatedSpec,
    xp: Tensor,
    w_hh: Tensor,
    peep: Tensor | None,
    gmat: Tensor | None,
    consume_xp: bool = False,
) -> tuple[Tensor, Tensor]:
    """Outputs Y and cells C (T, B, N) of the gated loop, with the hand-written backward.

    Without autograd (evaluation) the compiled loop stores nothing for a backward pass; with
    ``consume_xp`` it also overwrites xp with the activations instead of copying it.

    Args:
        xp: (T, B, B_k N) input projection of every step (bias included).
        w_hh: (B_k N, N) recurrent weights of all blocks (pre += y' w_hh^T).
        peep: (P, N) peephole weights (gates i, f, o that have one) or None.
        gmat: (G N, G N) FGR gate recurrence (``GatedCell.gate_hh``: row block y, column block x
            holds R_xy; the gates are the first G blocks, so gate pre += gate acts' gmat^T) or None.
        consume_xp: xp is a temporary of the caller's that the loop may overwrite.
    """
    xp = xp.contiguous()
    w_hh = w_hh.contiguous()
    ext = evaluation_loops(xp, w_hh, peep, gmat)
    if ext is not None:  # evaluation: forward only, nothing kept for backward
        lay = _Layout(spec, w_hh.shape[1])
        ys, cells, _, _ = ext.gated_forward(
            xp if consume_xp else xp.clone(),
            w_hh,
            _optional(peep),
            _optional(gmat),
            lay.native,
            False,
        )
        return ys, cells
    return GatedScan.apply(xp, w_hh, peep, gmat, spec)
