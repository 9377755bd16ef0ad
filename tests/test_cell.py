"""The shared cell interface (variants.cell): paper weights and final states."""

from __future__ import annotations

import pytest
import torch

from variants.gated import GatedCell
from variants.vanilla import SPEC


def test_paper_weights_are_copies_and_round_trip() -> None:
    cell = GatedCell(SPEC, 3, 4)
    weights = cell.paper_weights()
    weights["W_z"].zero_()
    assert cell.paper_weights()["W_z"].abs().sum() > 0
    other = GatedCell(SPEC, 3, 4)
    other.load_paper_weights(cell.paper_weights())
    for (key, p), q in zip(cell.named_parameters(), other.parameters(), strict=True):
        torch.testing.assert_close(p, q, msg=key)


def test_load_rejects_wrong_keys_and_shapes() -> None:
    cell = GatedCell(SPEC, 3, 4)
    weights = cell.paper_weights()
    with pytest.raises(ValueError, match="shape"):
        cell.load_paper_weights({**weights, "W_i": torch.zeros(4, 4)})
    with pytest.raises(ValueError, match=r"missing \['p_o'\]"):
        cell.load_paper_weights({k: v for k, v in weights.items() if k != "p_o"})
    with pytest.raises(ValueError, match="unexpected"):
        cell.load_paper_weights({**weights, "R_ii": torch.zeros(4, 4)})


def test_final_state_at_each_last_valid_step() -> None:
    torch.manual_seed(0)
    cell = GatedCell(SPEC, 2, 3)
    x = torch.randn(2, 5, 2)
    out, (y_n, c_n) = cell.scan(x, torch.tensor([5, 2]), fast=True)
    torch.testing.assert_close(y_n[0], out[0, 4])
    torch.testing.assert_close(y_n[1], out[1, 1])
    _, (_, c_solo) = cell.scan(x[1:, :2], None, fast=False)
    torch.testing.assert_close(c_n[1:], c_solo)


def test_paper_grads_match_parameter_grads() -> None:
    torch.manual_seed(1)
    cell = GatedCell(SPEC, 2, 3)
    assert all(v.abs().sum() == 0 for v in cell.paper_grads().values())
    out, _ = cell.scan(torch.randn(2, 4, 2), None, fast=True)
    out.sum().backward()
    grads = cell.paper_grads()
    assert set(grads) == set(cell.paper_shapes())
    torch.testing.assert_close(grads["R_f"], cell.weight_hh.grad[3:6])
    torch.testing.assert_close(grads["p_o"], cell.peephole.grad[2])
