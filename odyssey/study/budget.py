"""The training budget of a trial: epochs, early stopping, optimiser (``tasks.<task>.budget``).

:class:`Budget`'s field defaults are the paper's setup (Greff et al. 2017, section IV-B) and the one
definition of the budget defaults in the project: the config schema's defaults and the ``odyssey
train`` options are tested equal to them or read from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

OPTIMIZERS: tuple[str, ...] = ("sgd_nesterov", "sgd_momentum", "sgd", "adam")
"""Optimiser names accepted in a budget (``sgd_nesterov`` is the paper's); built by
:func:`odyssey.training.optim.make_optimizer`."""

LOSS_SCALES: tuple[str, ...] = ("sum", "mean")
"""How a sequence's loss is scaled over its time steps (``sum`` is the paper's)."""


@dataclass(frozen=True)
class Budget:
    """Training budget and optimiser of a trial (config ``tasks.<task>.budget``).

    ``batch_size`` sequences per update (paper: 1); ``max_epochs`` (150) and ``patience`` (15) of
    early stopping; ``time_limit_s`` wall-clock limit (None: none); ``optimizer`` one of
    :data:`OPTIMIZERS` (paper: ``sgd_nesterov``); ``clip_gradient`` clips every gradient element
    to [-c, c] (None: no clipping, the paper); ``loss_scale`` ``sum`` over time steps (the paper)
    or ``mean``; ``init`` the weight initialisation passed to ``variants.build`` (paper:
    N(0, 0.1)); ``amp`` bfloat16 autocast on CUDA; ``eval_batch_size`` sequences per batch when
    evaluating (does not change the metric).
    """

    batch_size: int = 1
    max_epochs: int = 150
    patience: int = 15
    time_limit_s: float | None = None
    optimizer: str = "sgd_nesterov"
    clip_gradient: float | None = None
    loss_scale: str = "sum"
    init: str = "paper"
    amp: bool = False
    eval_batch_size: int = 64

    def __post_init__(self) -> None:
        for name in ("batch_size", "max_epochs", "patience", "eval_batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"budget.{name} must be an integer >= 1, got {value!r}")
        if self.time_limit_s is not None and not self.time_limit_s > 0:
            raise ValueError(f"budget.time_limit_s must be > 0 or null, got {self.time_limit_s!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"budget.optimizer {self.optimizer!r} is not one of {', '.join(OPTIMIZERS)}"
            )
        if self.clip_gradient is not None and not self.clip_gradient > 0:
            raise ValueError(f"budget.clip_gradient must be > 0 or null, got {self.clip_gradient}")
        if self.loss_scale not in LOSS_SCALES:
            raise ValueError(
                f"budget.loss_scale {self.loss_scale!r} is not one of {', '.join(LOSS_SCALES)}"
            )

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None) -> Budget:
        """A budget from a config dict; keys left out take the paper's defaults."""
        values = dict(values or {})
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"budget: unknown key {unknown[0]!r} (known: {', '.join(known)})")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The budget as a plain dict."""
        return asdict(self)


PAPER_BUDGET = Budget()
"""The paper's budget: every default of :class:`Budget`."""
