"""The hand-written BPTT of the gated loop (variants.gated_scan) for every Greff variant."""

from __future__ import annotations

import pytest
import torch

import variants
from variants import registry
from variants.gated import GatedCell

SPECS = {s.name: s for s in registry._SPECS}


def tiny_cell(name: str, m: int = 2, n: int = 3) -> GatedCell:
    torch.manual_seed(0)
    cell = GatedCell(SPECS[name], m, n).double()
    with torch.no_grad():
        for p in cell.parameters():
            p.normal_(0.0, 0.5)
    return cell


@pytest.mark.parametrize("name", variants.PAPER_VARIANTS)
def test_gradcheck_outputs_and_final_cells(name: str) -> None:
    """Both outputs of the Function (Y and C) carry gradients: c_n gathered with lengths."""
    cell = tiny_cell(name)
    keys = [k for k, _ in cell.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_(True) for p in cell.parameters())
    x = torch.randn(2, 4, 2, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([4, 2])

    def fn(x: torch.Tensor, *ps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out, (_, c_n) = torch.func.functional_call(
            cell, dict(zip(keys, ps, strict=True)), (x, lengths)
        )
        return out, c_n

    assert torch.autograd.gradcheck(fn, (x, *params))


@pytest.mark.parametrize("name", ["V", "CIFG", "FGR", "NOG"])
def test_gradient_through_final_cell_only(name: str) -> None:
    """A loss on c_n alone (no gradient reaches the outputs) matches the eager reference."""
    cell = tiny_cell(name)
    x = torch.randn(3, 5, 2, dtype=torch.float64)
    grads = []
    for fast in (True, False):
        cell.zero_grad()
        _, (_, c_n) = cell.scan(x, None, fast)
        c_n.pow(2).sum().backward()
        grads.append([p.grad.clone() for p in cell.parameters()])
    for g_fast, g_eager in zip(*grads, strict=True):
        torch.testing.assert_close(g_fast, g_eager)


@pytest.mark.parametrize("name", variants.PAPER_VARIANTS)
def test_single_step(name: str) -> None:
    cell = tiny_cell(name)
    x = torch.randn(2, 1, 2, dtype=torch.float64, requires_grad=True)
    out_fast, _ = cell.scan(x, None, True)
    out_eager, _ = cell.scan(x, None, False)
    torch.testing.assert_close(out_fast, out_eager)
    (g_fast,) = torch.autograd.grad(out_fast.sum(), x)
    (g_eager,) = torch.autograd.grad(out_eager.sum(), x)
    torch.testing.assert_close(g_fast, g_eager)


@pytest.mark.parametrize("name", variants.PAPER_VARIANTS)
def test_autograd_loop_equals_eager(name: str) -> None:
    """The plain autograd loop (used under autocast) equals the eager reference too."""
    cell = tiny_cell(name, 3, 4)
    x = torch.randn(2, 6, 3, dtype=torch.float64, requires_grad=True)
    out_a, (ys_a, cs_a) = cell.scan_autograd(x)
    out_e, (_, cs_e) = cell.scan_eager(x)
    torch.testing.assert_close(out_a, out_e)
    torch.testing.assert_close(cs_a[-1], cs_e[-1])
    (g_a,) = torch.autograd.grad((out_a * out_a.detach()).sum(), x)
    (g_e,) = torch.autograd.grad((out_e * out_e.detach()).sum(), x)
    torch.testing.assert_close(g_a, g_e)


def test_gate_recurrence_layout() -> None:
    """FGR packs the gates first (i, f, o, z); gate_hh's row block y, column block x is R_xy."""
    cell = tiny_cell("FGR", 2, 2)
    assert cell.spec.blocks == ("i", "f", "o", "z")
    w = cell.paper_weights()
    n = 2
    for yi, y in enumerate(cell.spec.gates):
        for xi, x in enumerate(cell.spec.gates):
            block = cell.gate_hh[yi * n : (yi + 1) * n, xi * n : (xi + 1) * n]
            torch.testing.assert_close(block.detach(), w[f"R_{x}{y}"])
    torch.testing.assert_close(cell.weight_hh[6:8].detach(), w["R_z"])


@pytest.mark.parametrize("name", ["V", "NOG", "NOAF"])
def test_large_step_tanh_by_sigmoid_matches_eager(name: str) -> None:
    """B N >= 2048 switches h(c) to 2σ(2c) - 1 (variants.pointwise): same values and grads."""
    cell = tiny_cell(name, 3, 64)
    x = torch.randn(40, 3, 3, dtype=torch.float64)
    results = []
    for fast in (True, False):
        cell.zero_grad()
        out, _ = cell.scan(x, None, fast)
        out.pow(2).sum().backward()
        results.append((out.detach(), [p.grad.clone() for p in cell.parameters()]))
    (out_f, g_f), (out_e, g_e) = results
    torch.testing.assert_close(out_f, out_e)
    for a, b in zip(g_f, g_e, strict=True):
        torch.testing.assert_close(a, b)
