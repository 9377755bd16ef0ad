"""Helpers of the tests of the compiled loops (test_gated_scan, test_gru_scan)."""

from __future__ import annotations

import pytest
import torch

import variants
from variants import native
from variants.cell import RecurrentCell

needs_compiled = pytest.mark.skipif(
    native.load() is None, reason="compiled cell loops unavailable (no C++ compiler here)"
)


def python_loops_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the cells run their pure-PyTorch loops (as on a machine without a compiler)."""
    monkeypatch.setattr(native, "load", lambda name="loops": None)


def assert_close_to_scale(got: torch.Tensor, want: torch.Tensor, tol: float) -> None:
    """max |got - want| <= tol * max |want|: float32 rounding, whatever the tensor's scale."""
    err = (got - want).abs().max().item()
    scale = want.abs().max().item()
    assert err <= tol * scale + 1e-7, f"max error {err:.3g} against scale {scale:.3g}"


def check_compiled_cell(
    cell: RecurrentCell, monkeypatch: pytest.MonkeyPatch, batch: int, steps: int = 12
) -> None:
    """float32: the compiled and the Python loop agree tightly (outputs, final state, gradients
    of x and every parameter), and both agree with the float64 run of the same cell."""
    torch.manual_seed(3)
    with torch.no_grad():
        for p in cell.parameters():
            p.normal_(0.0, 0.3)  # saturating enough to exercise both tails of σ and tanh
    x = torch.randn(batch, steps, cell.input_size)
    probe = torch.randn(batch, steps, cell.hidden_size)

    def run(x: torch.Tensor, probe: torch.Tensor) -> list[torch.Tensor]:
        x = x.clone().requires_grad_(True)
        cell.zero_grad()
        out, final = cell.scan(x, None, True)
        ((out * probe).sum() + final[-1].pow(2).sum()).backward()
        return [out.detach(), final[-1].detach(), x.grad, *(p.grad for p in cell.parameters())]

    compiled = [t.clone() for t in run(x, probe)]
    cell.double()
    reference = [t.float() for t in run(x.double(), probe.double())]
    cell.float()
    python_loops_only(monkeypatch)
    python = run(x, probe)
    for got, loop, ref in zip(compiled, python, reference, strict=True):
        assert_close_to_scale(got, loop, 1e-5)
        assert_close_to_scale(got, ref, 1e-5)


def check_compiled_network(name: str) -> None:
    """Two layers, both directions, a padded batch: float32 compiled against float64 eager."""
    torch.manual_seed(4)
    net = variants.build(name, 3, 8, num_layers=2, bidirectional=True)
    eager = variants.build(name, 3, 8, num_layers=2, bidirectional=True, fast=False).double()
    eager.load_state_dict(net.state_dict())
    x = torch.randn(4, 7, 3)
    lengths = torch.tensor([7, 2, 5, 1])
    out, _ = net(x, lengths)
    out_e, _ = eager(x.double(), lengths)
    assert_close_to_scale(out, out_e.float(), 1e-5)
    out.pow(2).sum().backward()
    out_e.pow(2).sum().backward()
    for p, q in zip(net.parameters(), eager.parameters(), strict=True):
        assert_close_to_scale(p.grad, q.grad.float(), 1e-5)


def check_evaluation_equals_training(name: str, dtype: torch.dtype) -> None:
    """Under no_grad the loop keeps nothing for backward; its outputs are bitwise the same."""
    torch.manual_seed(5)
    net = variants.build(name, 4, 10, num_layers=2, bidirectional=True).to(dtype)
    x = torch.randn(3, 9, 4, dtype=dtype)
    lengths = torch.tensor([9, 4, 6])
    train_out, train_state = net(x, lengths)
    with torch.no_grad():
        eval_out, eval_state = net(x, lengths)
    assert train_out.requires_grad and not eval_out.requires_grad
    assert torch.equal(train_out.detach(), eval_out)
    states = zip(
        train_state if isinstance(train_state, tuple) else (train_state,),
        eval_state if isinstance(eval_state, tuple) else (eval_state,),
        strict=True,
    )
    for a, b in states:
        assert torch.equal(a.detach(), b)
