"""GRU cell (variants.gru); the comparison with torch.nn.GRU lives in test_fused.py."""

from __future__ import annotations

import torch

from variants.gru import GRUCell


def test_keys_and_shapes() -> None:
    cell = GRUCell(3, 4)
    shapes = cell.paper_shapes()
    assert set(shapes) == {"W_r", "W_u", "W_n", "R_r", "R_u", "R_n", "b_r", "b_u", "b_n", "b_Rn"}
    assert shapes["W_n"] == (4, 3) and shapes["R_u"] == (4, 4) and shapes["b_Rn"] == (4,)
    assert sum(p.numel() for p in cell.parameters()) == 3 * 4 * (3 + 4 + 1) + 4


def test_lean_loop_equals_eager() -> None:
    torch.manual_seed(0)
    cell = GRUCell(3, 5).double()
    x = torch.randn(2, 6, 3, dtype=torch.float64, requires_grad=True)
    fast, _ = cell.scan_fast(x)
    eager, _ = cell.scan_eager(x)
    torch.testing.assert_close(fast, eager)
    (g_fast,) = torch.autograd.grad(fast.sin().sum(), x)
    (g_eager,) = torch.autograd.grad(eager.sin().sum(), x)
    torch.testing.assert_close(g_fast, g_eager)


def test_update_gate_interpolates() -> None:
    """With b_u very large, u = 1 and the state never moves from zero."""
    cell = GRUCell(2, 3).double()
    weights = cell.paper_weights()
    weights["b_u"] = torch.full((3,), 1e3, dtype=torch.float64)
    cell.load_paper_weights(weights)
    out, _ = cell.scan_eager(torch.randn(1, 4, 2, dtype=torch.float64))
    assert out.abs().max() == 0


def test_gradcheck_lean_loop() -> None:
    cell = GRUCell(2, 2).double()
    x = torch.randn(2, 3, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: cell.scan_fast(v)[0], (x,))
