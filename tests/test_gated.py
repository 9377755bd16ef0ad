"""The nine Greff variants against an independent float64 implementation of their equations.

The reference below is written from the paper (reference section 1) without using variants' code:
it reads the weights in the paper's notation and steps through time one gate at a time.
"""

from __future__ import annotations

import pytest
import torch

import variants
from variants.gated import GatedCell
from variants.no_peepholes import SPEC as NP_SPEC
from variants.vanilla import SPEC as V_SPEC

B, T, M, N = 3, 6, 4, 5

# Exactly the paper-notation keys each variant's equations use.
KEYS = {
    "V": "W_z W_i W_f W_o R_z R_i R_f R_o b_z b_i b_f b_o p_i p_f p_o",
    "NIG": "W_z W_f W_o R_z R_f R_o b_z b_f b_o p_f p_o",
    "NFG": "W_z W_i W_o R_z R_i R_o b_z b_i b_o p_i p_o",
    "NOG": "W_z W_i W_f R_z R_i R_f b_z b_i b_f p_i p_f",
    "NIAF": "W_z W_i W_f W_o R_z R_i R_f R_o b_z b_i b_f b_o p_i p_f p_o",
    "NOAF": "W_z W_i W_f W_o R_z R_i R_f R_o b_z b_i b_f b_o p_i p_f p_o",
    "NP": "W_z W_i W_f W_o R_z R_i R_f R_o b_z b_i b_f b_o",
    "CIFG": "W_z W_i W_o R_z R_i R_o b_z b_i b_o p_i p_o",
    "FGR": "W_z W_i W_f W_o R_z R_i R_f R_o b_z b_i b_f b_o p_i p_f p_o "
    "R_ii R_fi R_oi R_if R_ff R_of R_io R_fo R_oo",
}


def reference(name: str, w: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Greff et al. (2017) eqs. for V and the variant ``name``, step by step; x (B, T, M)."""
    b, t_len, _ = x.shape
    n = w["W_z"].shape[0]
    y = torch.zeros(b, n, dtype=x.dtype)
    c = torch.zeros(b, n, dtype=x.dtype)
    i_prev = f_prev = o_prev = torch.zeros(b, n, dtype=x.dtype)
    g = (lambda v: v) if name == "NIAF" else torch.tanh
    h = (lambda v: v) if name == "NOAF" else torch.tanh
    peep = name != "NP"
    outs = []
    for t in range(t_len):
        xt = x[:, t]

        def lin(k: str, xt: torch.Tensor = xt, y: torch.Tensor = y) -> torch.Tensor:
            return xt @ w[f"W_{k}"].T + y @ w[f"R_{k}"].T + w[f"b_{k}"]

        def fgr(k: str, i_p=i_prev, f_p=f_prev, o_p=o_prev) -> torch.Tensor:
            if name != "FGR":
                return torch.zeros_like(i_p)
            return i_p @ w[f"R_i{k}"].T + f_p @ w[f"R_f{k}"].T + o_p @ w[f"R_o{k}"].T

        z = g(lin("z"))
        if name == "NIG":
            i = torch.ones_like(z)
        else:
            i = torch.sigmoid(lin("i") + (w["p_i"] * c if peep else 0) + fgr("i"))
        if name == "NFG":
            f = torch.ones_like(z)
        elif name == "CIFG":
            f = 1 - i
        else:
            f = torch.sigmoid(lin("f") + (w["p_f"] * c if peep else 0) + fgr("f"))
        c = z * i + c * f
        if name == "NOG":
            o = torch.ones_like(z)
        else:
            o = torch.sigmoid(lin("o") + (w["p_o"] * c if peep else 0) + fgr("o"))
        y = h(c) * o
        i_prev, f_prev, o_prev = i, f, o
        outs.append(y)
    return torch.stack(outs, 1)


def random_weights(net: variants.RecurrentNetwork, seed: int) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return {
        k: torch.randn(v.shape, generator=gen, dtype=torch.float64) * 0.5
        for k, v in net.paper_weights().items()
    }


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("name", variants.PAPER_VARIANTS)
def test_matches_independent_equations(name: str, fast: bool) -> None:
    net = variants.build(name, M, N, fast=fast).double()
    assert set(net.paper_weights()) == set(KEYS[name].split())
    weights = random_weights(net, seed=1)
    net.load_paper_weights(weights)
    x = torch.randn(B, T, M, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    probe = torch.randn(B, T, N, dtype=torch.float64, generator=torch.Generator().manual_seed(3))

    x_ours = x.clone().requires_grad_(True)
    out, (y_n, c_n) = net(x_ours)
    (out * probe).sum().backward()

    leaves = {k: v.clone().requires_grad_(True) for k, v in weights.items()}
    x_ref = x.clone().requires_grad_(True)
    expected = reference(name, leaves, x_ref)
    (expected * probe).sum().backward()

    torch.testing.assert_close(out, expected, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(y_n[0], expected[:, -1], rtol=1e-10, atol=1e-12)
    assert c_n.shape == (1, B, N)
    torch.testing.assert_close(x_ours.grad, x_ref.grad, rtol=1e-9, atol=1e-11)
    grads = net.paper_grads()
    for key, leaf in leaves.items():
        torch.testing.assert_close(grads[key], leaf.grad, rtol=1e-9, atol=1e-11, msg=key)


def test_fgr_output_peephole_reads_new_cell() -> None:
    """Changing p_o changes y at t = 0 even though c^{t-1} = 0 there: it reads c^t."""
    net = variants.build("FGR", M, N).double()
    x = torch.randn(1, 1, M, dtype=torch.float64)
    before = net(x)[0]
    weights = net.paper_weights()
    weights["p_o"] = weights["p_o"] + 1.0
    net.load_paper_weights(weights)
    assert not torch.allclose(before, net(x)[0])


def test_vanilla_has_no_gate_recurrence() -> None:
    assert not V_SPEC.gate_recurrence
    assert "R_ii" not in variants.build("V", M, N).paper_weights()


@pytest.mark.parametrize("name", variants.PAPER_VARIANTS)
def test_gradcheck(name: str) -> None:
    """torch.autograd.gradcheck in float64 through the fast loop, input and every parameter."""
    net = variants.build(name, 2, 2, fast=True).double()
    names = [k for k, _ in net.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_(True) for p in net.parameters())
    x = torch.randn(2, 3, 2, dtype=torch.float64, requires_grad=True)

    def fn(x: torch.Tensor, *ps: torch.Tensor) -> torch.Tensor:
        out, _ = torch.func.functional_call(net, dict(zip(names, ps, strict=True)), (x,))
        return out

    assert torch.autograd.gradcheck(fn, (x, *params))


def test_fast_loop_equals_eager_in_float32() -> None:
    """The lean loop (not the fused kernel) of NP agrees with the eager reference."""
    torch.manual_seed(0)
    cell = GatedCell(NP_SPEC, M, N)
    x = torch.randn(B, T, M)
    fast, (ys, cs) = cell.scan_fast(x)
    eager, (ye, ce) = cell.scan_eager(x)
    torch.testing.assert_close(fast, eager)
    torch.testing.assert_close(cs[-1], ce[-1])


def test_fused_weights_only_for_standard_lstm() -> None:
    with pytest.raises(ValueError, match="no fused"):
        GatedCell(V_SPEC, M, N).fused_weights()
