"""NP, GRU and RNN against torch.nn.LSTM / GRU / RNN with copied weights.

Forward and backward, unidirectional and bidirectional, one and two layers, full and padded batches;
both through the fused fast path (fast=True) and through our own eager loops (fast=False).
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import variants

M, N = 3, 4
TORCH = {"NP": nn.LSTM, "GRU": nn.GRU, "RNN": nn.RNN}


def torch_to_paper(name: str, w_ih, w_hh, b_ih, b_hh) -> dict[str, torch.Tensor]:
    """One layer/direction of torch's parameters (or their grads) in our paper notation."""
    if name == "NP":  # torch rows: i, f, g (= z), o; b = b_ih + b_hh
        keys = ("i", "f", "z", "o")
        out = {f"W_{k}": v for k, v in zip(keys, w_ih.chunk(4), strict=True)}
        out.update({f"R_{k}": v for k, v in zip(keys, w_hh.chunk(4), strict=True)})
        out.update({f"b_{k}": v for k, v in zip(keys, (b_ih + b_hh).chunk(4), strict=True)})
        return out
    if name == "GRU":  # torch rows: r, z (= u), n
        keys = ("r", "u", "n")
        out = {f"W_{k}": v for k, v in zip(keys, w_ih.chunk(3), strict=True)}
        out.update({f"R_{k}": v for k, v in zip(keys, w_hh.chunk(3), strict=True)})
        bi, bh = b_ih.chunk(3), b_hh.chunk(3)
        out.update({"b_r": bi[0] + bh[0], "b_u": bi[1] + bh[1], "b_n": bi[2], "b_Rn": bh[2]})
        return out
    return {"W_y": w_ih, "R_y": w_hh, "b_y": b_ih + b_hh}


def torch_paper_dict(name: str, mod: nn.Module, layers: int, bidir: bool, grads: bool) -> dict:
    out = {}
    for layer in range(layers):
        for d, tag in enumerate(("fwd", "bwd")[: 1 + bidir]):
            suffix = f"l{layer}" + ("_reverse" if d else "")
            ps = [getattr(mod, f"{kind}_{suffix}") for kind in ("weight_ih", "weight_hh")]
            ps += [getattr(mod, f"{kind}_{suffix}") for kind in ("bias_ih", "bias_hh")]
            if grads:
                # d/db of b = b_ih + b_hh equals b_ih's gradient: pass it once, zero the other.
                ps = [p.grad for p in ps]
                ps[3] = torch.zeros_like(ps[3]) if name != "GRU" else ps[3]
                if name == "GRU":
                    n = ps[2].shape[0] // 3
                    ps[3] = torch.cat([torch.zeros(2 * n, dtype=ps[3].dtype), ps[3][2 * n :]])
            part = torch_to_paper(name, *[p.detach() for p in ps])
            prefix = "" if layers == 1 and not bidir else f"l{layer}.{tag}."
            out.update({prefix + k: v for k, v in part.items()})
    return out


@pytest.mark.parametrize("padded", [False, True])
@pytest.mark.parametrize(("layers", "bidir"), [(1, False), (1, True), (2, True)])
@pytest.mark.parametrize("path", ["fused", "fast", "eager"])
@pytest.mark.parametrize("name", ["NP", "GRU", "RNN"])
def test_matches_torch_module(name: str, path: str, layers: int, bidir: bool, padded: bool) -> None:
    """path: "fused" forces torch's kernel, "fast" the default fast path on CPU (the fused kernel
    for NP and RNN, the hand-written loop for GRU), "eager" the reference loops."""
    torch.manual_seed(0)
    b, t_len = 4, 7
    ref = TORCH[name](M, N, num_layers=layers, bidirectional=bidir, batch_first=True).double()
    with torch.no_grad():
        for p in ref.parameters():
            p.uniform_(-0.6, 0.6)
    net = variants.build(
        name, M, N, num_layers=layers, bidirectional=bidir, fast=path != "eager"
    ).double()
    net.fused_on_cpu = path == "fused" or net.fused_on_cpu
    net.load_paper_weights(torch_paper_dict(name, ref, layers, bidir, grads=False))
    lengths = torch.tensor([7, 3, 5, 1]) if padded else None
    x = torch.randn(b, t_len, M, dtype=torch.float64)
    probe = torch.randn(b, t_len, N * (1 + bidir), dtype=torch.float64)

    x_ref = x.clone().requires_grad_(True)
    if padded:
        packed = pack_padded_sequence(x_ref, lengths, batch_first=True, enforce_sorted=False)
        out_p, state_ref = ref(packed)
        expected, _ = pad_packed_sequence(out_p, batch_first=True, total_length=t_len)
    else:
        expected, state_ref = ref(x_ref)
    (expected * probe).sum().backward()

    x_ours = x.clone().requires_grad_(True)
    out, state = net(x_ours, lengths)
    (out * probe).sum().backward()

    torch.testing.assert_close(out, expected)
    if name == "NP":
        torch.testing.assert_close(state[0], state_ref[0])
        torch.testing.assert_close(state[1], state_ref[1])
    else:
        torch.testing.assert_close(state, state_ref)
    torch.testing.assert_close(x_ours.grad, x_ref.grad)
    grads = net.paper_grads()
    expected_grads = torch_paper_dict(name, ref, layers, bidir, grads=True)
    assert set(grads) == set(expected_grads)
    for key, value in expected_grads.items():
        torch.testing.assert_close(grads[key], value, msg=key)


@pytest.mark.parametrize("name", ["NP", "GRU", "RNN"])
def test_fused_gradcheck(name: str) -> None:
    """gradcheck through the fused kernel, bidirectional and padded, input and parameters."""
    net = variants.build(name, 2, 2, bidirectional=True).double()
    net.fused_on_cpu = True
    keys = [k for k, _ in net.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_(True) for p in net.parameters())
    x = torch.randn(2, 3, 2, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([3, 2])

    def fn(x: torch.Tensor, *ps: torch.Tensor) -> torch.Tensor:
        call = torch.func.functional_call(net, dict(zip(keys, ps, strict=True)), (x, lengths))
        return call[0]

    assert torch.autograd.gradcheck(fn, (x, *params))


def test_gru_fast_path_on_cpu_is_the_loop() -> None:
    """On CPU the GRU runs the hand-written loop (faster than torch's CPU GRU); NP the kernel."""
    assert not variants.build("GRU", M, N).fused_on_cpu
    assert variants.build("NP", M, N).fused_on_cpu
    assert variants.build("RNN", M, N).fused_on_cpu
