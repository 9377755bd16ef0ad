"""The GRU's recurrent loop as one autograd Function with a hand-written backward (BPTT).

Forward (torch.nn.GRU's equations, see ``variants.gru``), with hh = R h' + [0, 0, b_Rn]:

    r = σ(x_r + hh_r)    u = σ(x_u + hh_u)    n = tanh(x_n + r ⊙ hh_n)    h = n + u ⊙ (h' - n)

Backward, for δh^t = Δ^t + R^T δhh^{t+1} + u^{t+1} ⊙ δh^{t+1}:

    δn̄ = δh ⊙ (1 - u) ⊙ (1 - n²)    δū = δh ⊙ (h' - n) ⊙ σ'(u)    δr̄ = δn̄ ⊙ hh_n ⊙ σ'(r)
    δhh = [δr̄, δū, δn̄ ⊙ r]          δx = [δr̄, δū, δn̄]

Factors that do not depend on the deltas are computed for all steps at once; the weight gradients
are one matrix product. Tensors are time-major: xp (T, B, 3N) = W x + b of every step.

On the CPU (float32 and float64) the loops run compiled (``variants/csrc/gru_loop.cpp``, built by
:mod:`variants.native`), the same equations in one BLAS product and one vectorised pass per step;
the Python loops below are the fallback (no compiler, other devices) and the tests hold the two
equal.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from variants.native import compiled_loops, evaluation_loops
from variants.pointwise import StepTanh


def _blocks(x: Tensor, n: int) -> tuple[tuple[Tensor, ...], ...]:
    """Per-step views (B, N) of the r, u, n column blocks of x (T, B, 3N)."""
    return tuple(x[:, :, j * n : (j + 1) * n].unbind(0) for j in range(3))


def _forward(xp: Tensor, w_hh: Tensor, b_rn: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Returns H (T, B, N), the activations [r, u, n] and hh (T, B, 3N)."""
    t_len, b, width = xp.shape
    n = width // 3
    rec_bias = torch.cat([b_rn.new_zeros(2 * n), b_rn])  # (3N,)
    hh = rec_bias.expand(t_len, b, width).clone()  # (T, B, 3N), gets R h' added in place
    acts = torch.empty_like(xp)  # (T, B, 3N): r, u, n
    hs = xp.new_empty(t_len, b, n)
    rec_t = w_hh.t()  # (N, 3N)
    hh_t = hh.unbind(0)
    x_ru = xp[:, :, : 2 * n].unbind(0)
    hh_ru = hh[:, :, : 2 * n].unbind(0)
    a_ru = acts[:, :, : 2 * n].unbind(0)
    r_t, u_t, n_t = _blocks(acts, n)
    x_n = xp[:, :, 2 * n :].unbind(0)
    hh_n = hh[:, :, 2 * n :].unbind(0)
    h_t = hs.unbind(0)
    tanh = StepTanh(xp, b * n)
    h = xp.new_zeros(b, n)
    for t in range(t_len):
        hh_t[t].addmm_(h, rec_t)
        torch.add(x_ru[t], hh_ru[t], out=a_ru[t]).sigmoid_()
        tanh.inplace(torch.addcmul(x_n[t], r_t[t], hh_n[t], out=n_t[t]))
        torch.lerp(n_t[t], h, u_t[t], out=h_t[t])  # n + u (h' - n)
        h = h_t[t]
    return hs, acts, hh


def _backward(
    w_hh: Tensor, hs: Tensor, acts: Tensor, hh: Tensor, d_hs: Tensor | None
) -> tuple[Tensor, Tensor, Tensor]:
    """Returns d xp (T, B, 3N), d w_hh (3N, N), d b_rn (N)."""
    t_len, b, n = hs.shape
    r, u, cand = acts.split(n, 2)  # (T, B, N) each
    h_prev = torch.cat([torch.zeros_like(hs[:1]), hs[:-1]], 0)
    du_f = ((h_prev - cand) * u * (1.0 - u)).unbind(0)
    dn_f = ((1.0 - u) * (1.0 - cand * cand)).unbind(0)
    dr_f = (hh[:, :, 2 * n :] * r * (1.0 - r)).unbind(0)
    r_t, u_t = r.unbind(0), u.unbind(0)
    dh_all = (
        torch.zeros_like(hs) if d_hs is None else d_hs.clone(memory_format=torch.contiguous_format)
    )
    dh_t = dh_all.unbind(0)
    dxp = torch.empty_like(acts)  # δ of [x_r, x_u, x_n]
    dhh = torch.empty_like(acts)  # δ of [hh_r, hh_u, hh_n]; r and u equal dxp's
    dhh_t = dhh.unbind(0)
    dr_t, du_t, dhn_t = _blocks(dhh, n)
    dxn_t = dxp[:, :, 2 * n :].unbind(0)
    for t in range(t_len - 1, -1, -1):
        dh = dh_t[t]  # (B, N)
        if t + 1 < t_len:
            dh.addmm_(dhh_t[t + 1], w_hh).addcmul_(dh_t[t + 1], u_t[t + 1])
        torch.mul(dh, du_f[t], out=du_t[t])
        torch.mul(dh, dn_f[t], out=dxn_t[t])
        torch.mul(dxn_t[t], dr_f[t], out=dr_t[t])
        torch.mul(dxn_t[t], r_t[t], out=dhn_t[t])
    dxp[:, :, : 2 * n] = dhh[:, :, : 2 * n]
    d_w_hh = dhh[1:].reshape(-1, 3 * n).t() @ hs[:-1].reshape(-1, n)  # (3N, N)
    d_b_rn = dhh[:, :, 2 * n :].sum((0, 1))
    return dxp, d_w_hh, d_b_rn


class GRUScan(torch.autograd.Function):
    """(xp, w_hh, b_rn) -> H (T, B, N); see the module docstring."""

    @staticmethod
    def forward(ctx: Any, xp: Tensor, w_hh: Tensor, b_rn: Tensor) -> Tensor:
        ext = compiled_loops(xp)
        if ext is not None:
            hs, acts, hh = ext.gru_forward(xp, w_hh, b_rn.contiguous(), True)
        else:
            hs, acts, hh = _forward(xp, w_hh, b_rn)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(w_hh, hs, acts, hh)
        return hs

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, d_hs: Tensor | None) -> tuple[Tensor | None, ...]:
        w_hh, hs, acts, hh = ctx.saved_tensors
        ext = compiled_loops(acts)
        if ext is not None:
            d_hs = d_hs.contiguous() if d_hs is not None else None
            return tuple(ext.gru_backward(w_hh, hs, acts, hh, d_hs))
        return _backward(w_hh, hs, acts, hh, d_hs)


def gru_scan(xp: Tensor, w_hh: Tensor, b_rn: Tensor, consume_xp: bool = False) -> Tensor:
    """Hidden states H (T, B, N) of the GRU loop, with the hand-written backward.

    Without autograd (evaluation) the compiled loop stores nothing for a backward pass; with
    ``consume_xp`` it also overwrites xp with the activations instead of copying it.

    Args:
        xp: (T, B, 3N) input projection W x + b of every step, blocks r, u, n.
        w_hh: (3N, N) recurrent weights, blocks r, u, n.
        b_rn: (N,) recurrent bias of the candidate (inside the reset gate's product).
        consume_xp: xp is a temporary of the caller's that the loop may overwrite.
    """
    xp = xp.contiguous()
    w_hh = w_hh.contiguous()
    ext = evaluation_loops(xp, w_hh, b_rn)
    if ext is not None:  # evaluation: forward only, nothing kept for backward
        return ext.gru_forward(xp if consume_xp else xp.clone(), w_hh, b_rn.contiguous(), False)[0]
    return GRUScan.apply(xp, w_hh, b_rn)
