"""Optimisers of the paper's training setup (Greff et al. 2017, section IV-B; reference section 3).

The authors' Nesterov step (pylstm ``NesterovStep``, with the learning rate scaled by ``1 - mu``)::

    v <- mu v;  theta <- theta + v;  g = grad L(theta);  dv = (1 - mu) lr g;  v <- v - dv;
    theta <- theta - dv

:class:`PaperNesterov` implements exactly this rule. The gradient is taken at the look-ahead point,
so the step needs a closure that recomputes the loss (``optimizer.step(closure)``); between steps
the parameters hold ``theta``, the point the authors evaluated on the validation set.

Relation to ``torch.optim.SGD(nesterov=True, lr=lr * (1 - mu), momentum=mu)``: with the same
gradients, torch's parameters follow the look-ahead point ``phi = theta + mu v`` of this rule
exactly (torch's buffer ``b`` is ``-v / (lr (1 - mu))``): the two produce the *same sequence of
gradient evaluations*, but torch's parameters between steps are ``phi``, not ``theta``, so
validation metrics would be measured ``mu v`` away from the authors' weights. The tests check
both facts; the training loop uses :class:`PaperNesterov` so evaluation happens at ``theta``.

:class:`PaperMomentum` is the authors' classical-momentum step (pylstm ``MomentumStep``):
``v <- mu v - (1 - mu) lr g;  theta <- theta + v``. ``sgd`` is plain SGD; ``adam`` is
``torch.optim.Adam`` with the learning rate as given (momentum unused; betas torch's defaults).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from odyssey.study.budget import OPTIMIZERS

Closure = Callable[[], torch.Tensor]


class _PaperStep:
    """Common part of the authors' momentum steps: parameters, velocities, ``zero_grad``.

    A plain class rather than a ``torch.optim.Optimizer``: torch's base class imports
    ``torch._dynamo`` on first use, which costs a worker about two seconds of start-up.
    """

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float, momentum: float) -> None:
        _check_hyper(lr, momentum)
        self.params = [p for p in params if p.requires_grad]
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        self.lr, self.momentum = float(lr), float(momentum)
        self.velocity = [torch.zeros_like(p) for p in self.params]

    @property
    def state(self) -> dict[torch.Tensor, dict[str, torch.Tensor]]:
        """Per-parameter state (``velocity``), keyed by parameter like torch's optimisers."""
        return {p: {"velocity": v} for p, v in zip(self.params, self.velocity, strict=True)}

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter."""
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()


class PaperNesterov(_PaperStep):
    """SGD with the authors' Nesterov momentum and the ``(1 - momentum)`` learning-rate scaling.

    ``step(closure)`` runs the whole rule; ``closure`` must zero the gradients, compute the loss at
    the current (look-ahead) parameters, call ``backward`` and return the loss.
    """

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> torch.Tensor:
        """One update: look ahead by ``mu v``, evaluate ``closure`` there, then descend."""
        if closure is None:
            raise ValueError("PaperNesterov.step needs a closure that returns the loss")
        mu = self.momentum
        for p, v in zip(self.params, self.velocity, strict=True):
            v.mul_(mu)  # v <- mu v
            p.add_(v)  # theta <- theta + v
        with torch.enable_grad():
            loss = closure()  # g = grad L(theta) at the look-ahead point
        scale = (1.0 - mu) * self.lr
        for p, v in zip(self.params, self.velocity, strict=True):
            if p.grad is None:
                continue
            dv = p.grad * scale  # dv = (1 - mu) lr g
            v.sub_(dv)  # v <- v - dv
            p.sub_(dv)  # theta <- theta - dv
        return loss


class PaperMomentum(_PaperStep):
    """The authors' classical momentum step: ``v <- mu v - (1 - mu) lr g; theta <- theta + v``."""

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> torch.Tensor | None:
        """One update with the gradients left by ``closure`` (or by a previous ``backward``)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        mu = self.momentum
        scale = (1.0 - mu) * self.lr
        for p, v in zip(self.params, self.velocity, strict=True):
            if p.grad is None:
                continue
            v.mul_(mu).sub_(p.grad * scale)  # v <- mu v - (1 - mu) lr g
            p.add_(v)  # theta <- theta + v
        return loss


def _check_hyper(lr: float, momentum: float) -> None:
    if not lr > 0:
        raise ValueError(f"learning_rate must be > 0, got {lr}")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")


Optimizer = PaperNesterov | PaperMomentum | torch.optim.Optimizer


def make_optimizer(
    name: str, params: Iterable[torch.nn.Parameter], lr: float, momentum: float
) -> Optimizer:
    """The optimiser ``name`` (one of :data:`OPTIMIZERS`) over ``params``.

    Every optimiser here is stepped as ``optimizer.step(closure)``.
    """
    if name == "sgd_nesterov":
        return PaperNesterov(params, lr=lr, momentum=momentum)
    if name == "sgd_momentum":
        return PaperMomentum(params, lr=lr, momentum=momentum)
    if name == "sgd":
        _check_hyper(lr, 0.0)
        return torch.optim.SGD(params, lr=lr)
    if name == "adam":
        _check_hyper(lr, 0.0)
        return torch.optim.Adam(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}")
