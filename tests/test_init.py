"""Initialisation schemes (variants.init)."""

from __future__ import annotations

import pytest
import torch

import variants
from variants.init import initialize, parse_init


def test_parse_init() -> None:
    assert parse_init("paper") == ("paper", frozenset())
    assert parse_init("orthogonal+forget_bias") == ("paper", {"orthogonal", "forget_bias"})
    assert parse_init("pytorch+orthogonal") == ("pytorch", {"orthogonal"})
    for bad in ("", "paper+pytorch", "orthogonal+orthogonal", "glorot", 3):
        with pytest.raises(ValueError):
            parse_init(bad)


def test_pytorch_init_is_uniform_in_bound() -> None:
    torch.manual_seed(0)
    net = variants.build("V", 30, 64, init="pytorch")
    values = torch.cat([p.detach().flatten() for p in net.parameters()])
    assert values.abs().max() <= 1 / 8
    assert values.abs().max() > 0.12
    assert abs(values.std().item() - (1 / 8) / 3**0.5) < 0.003


@pytest.mark.parametrize("name", ["V", "FGR", "GRU", "RNN"])
def test_orthogonal_recurrent_matrices(name: str) -> None:
    torch.manual_seed(0)
    weights = variants.build(name, 5, 6, init="orthogonal").paper_weights()
    recurrent = [k for k in weights if k.startswith("R_")]
    assert recurrent
    for key in recurrent:
        torch.testing.assert_close(weights[key] @ weights[key].T, torch.eye(6), msg=key)
    assert weights["W_" + recurrent[0][2]].std() < 0.2


@pytest.mark.parametrize(
    ("name", "key", "shift"),
    [("V", "b_f", 1.0), ("FGR", "b_f", 1.0), ("CIFG", "b_i", -1.0), ("GRU", "b_u", 1.0)],
)
def test_forget_bias_shifts_the_remembering_bias(name: str, key: str, shift: float) -> None:
    torch.manual_seed(3)
    plain = variants.build(name, 5, 50).paper_weights()
    torch.manual_seed(3)
    shifted = variants.build(name, 5, 50, init="forget_bias").paper_weights()
    torch.testing.assert_close(shifted[key], plain[key] + shift)
    for other in plain:
        if other != key:
            torch.testing.assert_close(shifted[other], plain[other])


@pytest.mark.parametrize("name", ["NFG", "RNN"])
def test_forget_bias_without_forget_mechanism_is_plain(name: str) -> None:
    torch.manual_seed(4)
    plain = variants.build(name, 3, 4).paper_weights()
    torch.manual_seed(4)
    shifted = variants.build(name, 3, 4, init="forget_bias").paper_weights()
    for key in plain:
        torch.testing.assert_close(shifted[key], plain[key])


def test_initialize_is_seeded_by_torch() -> None:
    net = variants.build("NOG", 3, 4)
    torch.manual_seed(7)
    initialize(net.cells[0], "paper")
    first = net.paper_weights()
    torch.manual_seed(7)
    initialize(net.cells[0], "paper")
    for key, value in net.paper_weights().items():
        torch.testing.assert_close(value, first[key])
