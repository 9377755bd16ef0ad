"""The hand-written BPTT of the gated loop (variants.gated_scan) for every Greff variant."""

from __future__ import annotations

import pytest
import torch
from loop_support import (
    check_compiled_cell,
    check_compiled_network,
    check_evaluation_equals_training,
    needs_compiled,
)

import variants
from variants import gated_scan, registry
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


# --- the compiled CPU loop (variants/csrc/gated_loop.cpp) -------------------------------------


@needs_compiled
@pytest.mark.parametrize("batch", [1, 6])
@pytest.mark.parametrize("name", variants.PAPER_VARIANTS)
def test_compiled_float32_equals_python_loop_and_float64(
    name: str, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    check_compiled_cell(GatedCell(SPECS[name], 5, 24), monkeypatch, batch)


@needs_compiled
@pytest.mark.parametrize("name", ["V", "CIFG", "NOG", "FGR"])
def test_compiled_rows_split_over_threads(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """300 rows of 24 cells (> 2048 elements per step): the rows go to both threads."""
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        check_compiled_cell(GatedCell(SPECS[name], 5, 24), monkeypatch, 300, steps=4)
    finally:
        torch.set_num_threads(previous)


@needs_compiled
@pytest.mark.parametrize("name", variants.PAPER_VARIANTS)
def test_compiled_stacked_bidirectional_padded_float32(name: str) -> None:
    check_compiled_network(name)


@needs_compiled
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", variants.PAPER_VARIANTS)
def test_evaluation_path_equals_training_forward(name: str, dtype: torch.dtype) -> None:
    check_evaluation_equals_training(name, dtype)


@needs_compiled
def test_consumed_input_projection_is_not_copied_but_an_unconsumed_one_is_kept() -> None:
    cell = tiny_cell("V")
    xp = torch.randn(4, 2, 4 * 3, dtype=torch.float64)
    kept = xp.clone()
    with torch.no_grad():
        ys, _ = gated_scan.gated_scan(cell.spec, xp, cell.weight_hh, cell.peephole, None)
        assert torch.equal(xp, kept)
        ys2, _ = gated_scan.gated_scan(
            cell.spec, xp, cell.weight_hh, cell.peephole, None, consume_xp=True
        )
    assert torch.equal(ys, ys2)
    assert not torch.equal(xp, kept)  # overwritten by the activations


@needs_compiled
def test_diverged_values_propagate_as_nan() -> None:
    """A NaN in the input reaches the outputs (divergence stays visible), as in the eager loop."""
    cell = tiny_cell("V").float()
    x = torch.randn(1, 5, 2)
    x[0, 2, 0] = float("nan")
    out, _ = cell.scan_fast(x)
    assert not out[0, :2].isnan().any() and out[0, 2:].isnan().all()
    x[0, 2, 0] = float("inf")
    out_inf, _ = cell.scan_fast(x)
    out_eager, _ = cell.scan_eager(x)
    torch.testing.assert_close(out_inf, out_eager, equal_nan=True)
