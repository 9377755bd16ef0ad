"""The searched hyperparameters: the paper's search space, its ranges and a trial's parameters.

Greff et al. 2017, section IV-D: every trial draws its hidden size, learning rate, momentum and
input noise at random, each from its own range. :data:`PAPER_SPACE` is the one definition of the
paper's ranges in the project: the config schema's defaults are tested equal to it, the sweep
draws from it (through a study's configured space) and the report states it.

Momentum is searched as ``one_minus_momentum`` (log-uniform in [0.01, 1]); :func:`trial_params`
turns a drawn set into the parameters a trial trains with (``momentum = 1 - one_minus_momentum``),
and :func:`check_params` checks such a set.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SPACE_KEYS: tuple[str, ...] = ("hidden_size", "learning_rate", "one_minus_momentum", "input_noise")
"""The searched hyperparameters, in draw order."""

INTEGER_KEYS: tuple[str, ...] = ("hidden_size",)
"""Searched hyperparameters that take integer values."""

PAPER_SPACE: dict[str, dict[str, Any]] = {
    "hidden_size": {"low": 20, "high": 200, "log": True},
    "learning_rate": {"low": 1e-6, "high": 1e-2, "log": True},
    "one_minus_momentum": {"low": 0.01, "high": 1.0, "log": True},
    "input_noise": {"low": 0.0, "high": 1.0, "log": False},
}
"""The paper's search space (Greff et al. 2017, section IV-D)."""


@dataclass(frozen=True)
class Domain:
    """Where a searched hyperparameter's range must lie: above ``low`` (``low_open``: strictly),
    at most ``high`` (None: no upper limit); ``why`` is the rule in words for the message."""

    low: float
    low_open: bool
    high: float | None
    why: str

    def violation(self, rng: Range) -> str | None:
        """The fix, in words, if ``rng`` leaves the domain; else None."""
        below = rng.low <= self.low if self.low_open else rng.low < self.low
        if below:
            relation = ">" if self.low_open else ">="
            fix = f"set low {relation} {self.low:g}"
            return f"low {rng.low:g} is outside the domain ({self.why}): {fix}"
        if self.high is not None and rng.high > self.high:
            return (
                f"high {rng.high:g} is outside the domain ({self.why}): set high <= {self.high:g}"
            )
        return None


DOMAINS: dict[str, Domain] = {
    "hidden_size": Domain(1, False, None, "at least one block"),
    "learning_rate": Domain(0.0, True, None, "learning rate > 0"),
    "one_minus_momentum": Domain(0.0, True, 1.0, "momentum = 1 - value must lie in [0, 1)"),
    "input_noise": Domain(0.0, False, None, "noise std >= 0"),
}
"""The values each searched hyperparameter can take at all (:func:`check_params` at trial time)."""

PARAM_KEYS: tuple[str, ...] = ("hidden_size", "learning_rate", "momentum", "input_noise")
"""The parameters a trial trains with."""


@dataclass(frozen=True)
class Range:
    """One searched range: uniform on [low, high], in log space if ``log``."""

    low: float
    high: float
    log: bool

    def check(self, where: str, integer: bool = False) -> None:
        """One-line ValueError if the range is empty or not positive in log space."""
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError(f"{where}: low and high must be finite numbers")
        if self.low >= self.high:
            raise ValueError(f"{where}: low ({self.low}) must be below high ({self.high})")
        if self.log and self.low <= 0:
            raise ValueError(f"{where}: a log range needs low > 0, got {self.low}")
        if integer and (self.low != int(self.low) or self.high != int(self.high)):
            raise ValueError(f"{where}: bounds must be integers, got {self.low}..{self.high}")

    def draw(self, u: float, integer: bool = False) -> float | int:
        """The value at quantile ``u`` in [0, 1) of the range (Optuna's convention for ints)."""
        low, high = float(self.low), float(self.high)
        if integer:
            low, high = low - 0.5, high + 0.5  # each integer gets its share of the interval
        if self.log:
            value = math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
        else:
            value = low + u * (high - low)
        if integer:
            return int(min(max(round(value), self.low), self.high))
        return float(min(max(value, self.low), self.high))

    def to_dict(self) -> dict[str, Any]:
        """The range in the config's layout."""
        return {"low": self.low, "high": self.high, "log": self.log}


def with_paper_defaults(space: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The config's ``search_space`` with the paper's value for every range or bound left out."""
    given = dict(space or {})
    return {key: {**paper, **(given.get(key) or {})} for key, paper in PAPER_SPACE.items()}


def parse_space(space: Mapping[str, Any] | None, where: str = "search_space") -> dict[str, Range]:
    """The search space from config (missing entries and keys take the paper's values)."""
    space = dict(space or {})
    unknown = sorted(set(space) - set(SPACE_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(SPACE_KEYS)})")
    filled = with_paper_defaults(space)
    out: dict[str, Range] = {}
    for key in SPACE_KEYS:
        extra = sorted(set(space.get(key) or {}) - {"low", "high", "log"})
        if extra:
            raise ValueError(f"{where}.{key}: unknown key {extra[0]!r} (known: low, high, log)")
        values = filled[key]
        try:
            rng = Range(float(values["low"]), float(values["high"]), bool(values["log"]))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}.{key}: low and high must be numbers") from exc
        rng.check(f"{where}.{key}", integer=key in INTEGER_KEYS)
        problem = DOMAINS[key].violation(rng)
        if problem:
            raise ValueError(f"{where}.{key}: {problem}")
        out[key] = rng
    return out


def space_dict(space: Mapping[str, Any]) -> dict[str, Any]:
    """A search space (of :class:`Range` values or config dicts) in the config's layout."""
    return {k: (v.to_dict() if isinstance(v, Range) else v) for k, v in dict(space).items()}


def trial_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Training parameters (``momentum = 1 - one_minus_momentum``) from the searched values."""
    return {
        "hidden_size": int(raw["hidden_size"]),
        "learning_rate": float(raw["learning_rate"]),
        "momentum": 1.0 - float(raw["one_minus_momentum"]),
        "input_noise": float(raw["input_noise"]),
    }


def check_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a trial's hyperparameters; one-line ValueError naming the bad key."""
    missing = [k for k in PARAM_KEYS if k not in params]
    if missing:
        raise ValueError(f"params: missing {', '.join(missing)} (need {', '.join(PARAM_KEYS)})")
    hidden = params["hidden_size"]
    if isinstance(hidden, bool) or int(hidden) != hidden or int(hidden) < 1:
        raise ValueError(f"params.hidden_size must be a positive integer, got {hidden!r}")
    lr = float(params["learning_rate"])
    momentum = float(params["momentum"])
    noise = float(params["input_noise"])
    if not lr > 0:
        raise ValueError(f"params.learning_rate must be > 0, got {lr}")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"params.momentum must be in [0, 1), got {momentum}")
    if not noise >= 0:
        raise ValueError(f"params.input_noise must be >= 0, got {noise}")
    return {
        "hidden_size": int(hidden),
        "learning_rate": lr,
        "momentum": momentum,
        "input_noise": noise,
    }
