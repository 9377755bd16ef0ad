"""The hand-written BPTT of the GRU loop (variants.gru_scan)."""

from __future__ import annotations

import pytest
import torch
from loop_support import (
    check_compiled_cell,
    check_compiled_network,
    check_evaluation_equals_training,
    needs_compiled,
)

from variants.gru import GRUCell


def tiny_cell(m: int = 2, n: int = 3) -> GRUCell:
    torch.manual_seed(0)
    cell = GRUCell(m, n).double()
    with torch.no_grad():
        for p in cell.parameters():
            p.normal_(0.0, 0.5)
    return cell


def test_gradcheck_all_parameters_with_lengths() -> None:
    cell = tiny_cell()
    keys = [k for k, _ in cell.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_(True) for p in cell.parameters())
    x = torch.randn(2, 4, 2, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([4, 2])

    def fn(x: torch.Tensor, *ps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out, (h_n,) = torch.func.functional_call(
            cell, dict(zip(keys, ps, strict=True)), (x, lengths)
        )
        return out, h_n

    assert torch.autograd.gradcheck(fn, (x, *params))


@pytest.mark.parametrize(("batch", "t_len", "n"), [(2, 1, 4), (2, 5, 4), (40, 3, 64)])
def test_loop_equals_eager_values_and_grads(batch: int, t_len: int, n: int) -> None:
    """Values and gradients; 40 x 64 >= 2048 takes the tanh = 2σ(2x) - 1 route."""
    cell = tiny_cell(3, n)
    x = torch.randn(batch, t_len, 3, dtype=torch.float64)
    results = []
    for fast in (True, False):
        cell.zero_grad()
        out, (h_n,) = cell.scan(x, None, fast)
        (out.sin().sum() + h_n.sum()).backward()
        results.append((out.detach(), [p.grad.clone() for p in cell.parameters()]))
    (out_f, g_f), (out_e, g_e) = results
    torch.testing.assert_close(out_f, out_e)
    for a, b in zip(g_f, g_e, strict=True):
        torch.testing.assert_close(a, b)


def test_autograd_loop_under_autocast_matches() -> None:
    cell = tiny_cell(3, 4).float()
    x = torch.randn(2, 5, 3)
    expected, _ = cell.scan(x, None, True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got, _ = cell.scan(x, None, True)
    torch.testing.assert_close(got.float(), expected, rtol=0.05, atol=0.05)


# --- the compiled CPU loop (variants/csrc/gru_loop.cpp) ---------------------------------------


@needs_compiled
@pytest.mark.parametrize("batch", [1, 6, 300])  # 300 x 24 > 2048: rows split over threads
def test_compiled_float32_equals_python_loop_and_float64(
    batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    check_compiled_cell(GRUCell(5, 24), monkeypatch, batch)


@needs_compiled
def test_compiled_stacked_bidirectional_padded_float32() -> None:
    check_compiled_network("GRU")


@needs_compiled
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_compiled_evaluation_equals_training_forward(dtype: torch.dtype) -> None:
    check_evaluation_equals_training("GRU", dtype)
