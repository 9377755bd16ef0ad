"""Tanh RNN cell (variants.rnn); the comparison with torch.nn.RNN lives in test_fused.py."""

from __future__ import annotations

import torch

from variants.rnn import TanhRNNCell


def test_equation_by_hand() -> None:
    cell = TanhRNNCell(1, 1).double()
    cell.load_paper_weights(
        {"W_y": torch.tensor([[2.0]]), "R_y": torch.tensor([[0.5]]), "b_y": torch.tensor([0.1])}
    )
    out, (ys,) = cell.scan_fast(torch.tensor([[[1.0], [-1.0]]], dtype=torch.float64))
    y1 = torch.tanh(torch.tensor(2.1, dtype=torch.float64))
    y2 = torch.tanh(-2.0 + 0.5 * y1 + 0.1)
    torch.testing.assert_close(out[0, :, 0], torch.stack([y1, y2]))
    assert len(ys) == 2


def test_lean_loop_equals_eager_and_gradcheck() -> None:
    torch.manual_seed(0)
    cell = TanhRNNCell(3, 4).double()
    x = torch.randn(2, 5, 3, dtype=torch.float64, requires_grad=True)
    torch.testing.assert_close(cell.scan_fast(x)[0], cell.scan_eager(x)[0])
    small = TanhRNNCell(2, 2).double()
    x2 = torch.randn(2, 3, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: small.scan_fast(v)[0], (x2,))
