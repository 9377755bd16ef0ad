"""Fuzzy front end (variants.fuzzy)."""

from __future__ import annotations

import math

import pytest
import torch

from variants.fuzzy import FuzzyFrontend


def test_gaussian_memberships() -> None:
    front = FuzzyFrontend(2, memberships=3)
    x = torch.tensor([[[0.0, 1.0]]])
    out = front(x)
    assert out.shape == (1, 1, 6)
    # centres -1, 0, 1, width 1: feature 0 at 0 -> e^-0.5, 1, e^-0.5; feature 1 at 1 -> e^-2, ...
    half, two = math.exp(-0.5), math.exp(-2.0)
    torch.testing.assert_close(out[0, 0], torch.tensor([half, 1.0, half, two, half, 1.0]))


def test_centres_and_widths_learn() -> None:
    front = FuzzyFrontend(3, memberships=2, low=-2.0, high=2.0)
    front(torch.randn(2, 4, 3)).sum().backward()
    assert front.centres.grad.abs().sum() > 0
    assert front.log_widths.grad.abs().sum() > 0
    torch.testing.assert_close(front.centres[0], torch.tensor([-2.0, 2.0]))


def test_single_membership() -> None:
    assert FuzzyFrontend(4, memberships=1)(torch.zeros(1, 2, 4)).shape == (1, 2, 4)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"memberships": 0}, "memberships"), ({"low": 1.0, "high": 1.0}, "high > low")],
)
def test_bad_options(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        FuzzyFrontend(2, **kwargs)
