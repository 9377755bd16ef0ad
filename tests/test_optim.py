"""Tests of odyssey.training.optim against direct implementations of the authors' update rules.

Reference: pylstm ``NesterovStep`` / ``MomentumStep`` (reference section 3):
``v <- mu v; theta <- theta + v; g = grad L(theta); dv = (1-mu) lr g; v <- v - dv;
theta <- theta - dv``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from odyssey.study.budget import OPTIMIZERS
from odyssey.training.optim import PaperMomentum, PaperNesterov, make_optimizer

LR, MU, STEPS = 0.05, 0.9, 25


def _problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(12, 5))  # (samples, features)
    b = rng.normal(size=12)
    theta0 = rng.normal(size=5)
    return a, b, theta0


def _grad(a: np.ndarray, b: np.ndarray, theta: np.ndarray) -> np.ndarray:
    # L = 0.5 * sum((a theta - b)^2) + 0.1 * sum(theta^4): non-quadratic so look-ahead matters
    return a.T @ (a @ theta - b) + 0.4 * theta**3


def _torch_loss(a: torch.Tensor, b: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((a @ p - b) ** 2).sum() + 0.1 * (p**4).sum()


def _authors_nesterov(a, b, theta0, lr, mu, steps):
    theta, v = theta0.copy(), np.zeros_like(theta0)
    thetas = []
    for _ in range(steps):
        v *= mu
        theta += v
        g = _grad(a, b, theta)
        dv = (1 - mu) * lr * g
        v -= dv
        theta -= dv
        thetas.append((theta.copy(), v.copy()))
    return thetas


def _run_torch(optimizer_cls, a, b, theta0, **kwargs):
    at, bt = torch.tensor(a), torch.tensor(b)
    p = torch.nn.Parameter(torch.tensor(theta0.copy()))
    opt = optimizer_cls([p], **kwargs)
    states = []
    for _ in range(STEPS):

        def closure():
            opt.zero_grad()
            loss = _torch_loss(at, bt, p)
            loss.backward()
            return loss

        opt.step(closure)
        state = opt.state[p]
        buf = state.get("velocity", state.get("momentum_buffer"))
        states.append((p.detach().numpy().copy(), None if buf is None else buf.numpy().copy()))
    return states


def test_paper_nesterov_equals_the_authors_rule() -> None:
    a, b, theta0 = _problem()
    expected = _authors_nesterov(a, b, theta0, LR, MU, STEPS)
    got = _run_torch(PaperNesterov, a, b, theta0, lr=LR, momentum=MU)
    for (theta, v), (p, vel) in zip(expected, got, strict=True):
        np.testing.assert_allclose(p, theta, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(vel, v, rtol=1e-12, atol=1e-12)


def test_torch_sgd_nesterov_tracks_the_look_ahead_point_not_theta() -> None:
    """torch.optim.SGD(nesterov, lr*(1-mu)) holds phi = theta + mu v of the authors' rule."""
    a, b, theta0 = _problem(1)
    expected = _authors_nesterov(a, b, theta0, LR, MU, STEPS)
    got = _run_torch(torch.optim.SGD, a, b, theta0, lr=LR * (1 - MU), momentum=MU, nesterov=True)
    gaps = []
    for (theta, v), (p, _) in zip(expected, got, strict=True):
        np.testing.assert_allclose(p, theta + MU * v, rtol=1e-10, atol=1e-12)
        gaps.append(np.abs(p - theta).max())
    assert max(gaps) > 1e-4  # so the two are *not* interchangeable for evaluation


def test_paper_momentum_equals_the_authors_rule() -> None:
    a, b, theta0 = _problem(2)
    theta, v = theta0.copy(), np.zeros_like(theta0)
    got = _run_torch(PaperMomentum, a, b, theta0, lr=LR, momentum=MU)
    for p, vel in got:
        g = _grad(a, b, theta)
        v = MU * v - (1 - MU) * LR * g
        theta = theta + v
        np.testing.assert_allclose(p, theta, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(vel, v, rtol=1e-12, atol=1e-12)


def test_zero_momentum_nesterov_is_plain_sgd() -> None:
    a, b, theta0 = _problem(3)
    nesterov = _run_torch(PaperNesterov, a, b, theta0, lr=LR, momentum=0.0)
    sgd = _run_torch(torch.optim.SGD, a, b, theta0, lr=LR)
    for (p, _), (q, _) in zip(nesterov, sgd, strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-12)


def test_make_optimizer_knows_every_name_and_rejects_bad_input() -> None:
    p = torch.nn.Parameter(torch.zeros(3))
    kinds = {name: type(make_optimizer(name, [p], 0.1, 0.5)) for name in OPTIMIZERS}
    assert kinds["sgd_nesterov"] is PaperNesterov and kinds["adam"] is torch.optim.Adam
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        make_optimizer("rmsprop", [p], 0.1, 0.5)
    with pytest.raises(ValueError, match="momentum must be in"):
        PaperNesterov([p], lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        PaperNesterov([p], lr=0.0, momentum=0.5)
    with pytest.raises(ValueError, match="needs a closure"):
        PaperNesterov([p], lr=0.1, momentum=0.5).step()
