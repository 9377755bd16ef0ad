"""Mackey-Glass chaotic time series prediction (Mackey & Glass 1977, Science 197:287).

The classic benchmark of fuzzy neural networks (e.g. Jang 1993, ANFIS) and the natural task for a
fuzzy front end. The delay differential equation

    dx/dt = beta * x(t - tau) / (1 + x(t - tau)**n) - gamma * x(t),
    tau = 17, beta = 0.2, gamma = 0.1, n = 10  (chaotic regime)

is integrated with the classical 4th-order Runge-Kutta method at step dt = 0.1 from the constant
history x(t) = x0 for t <= 0 (x0 = 1.2, the usual choice). The delayed term at the RK4 half
step, x(t - tau + dt/2), lies between two grid points (tau / dt = 170 steps) and is their linear
interpolation (their mean). The solution is sampled every 1.0 time unit, and the first 500 samples
(the transient) are discarded.

Task: from the window of the last ``window`` samples (default 24; one value per step) predict
x(t + horizon) (default horizon 6, the classic setting), see :mod:`tasks._forecast`. Chronological
split: ``sizes`` samples of the series for train / valid / test, in this order (default
1200 / 400 / 400), standardised with the training segment's mean and std. Metric: ``nrmse`` =
RMSE / standard deviation of the whole (post-transient) series, minimize; ``rmse`` too.
``seed`` 0 uses x0 = 1.2; any other seed draws x0 from U[0.5, 1.5] (another trajectory on the
same attractor).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np

from tasks._forecast import WindowForecastTask
from tasks.base import make_rng, resolve_sizes


@lru_cache(maxsize=8)
def mackey_glass_series(
    n_samples: int,
    *,
    x0: float = 1.2,
    tau: float = 17.0,
    beta: float = 0.2,
    gamma: float = 0.1,
    n: float = 10.0,
    dt: float = 0.1,
    sample_every: float = 1.0,
    transient: int = 500,
) -> np.ndarray:
    """The Mackey-Glass series sampled every ``sample_every`` after ``transient`` samples: (N,)."""
    delay = round(tau / dt)
    every = round(sample_every / dt)
    if abs(delay * dt - tau) > 1e-9 or abs(every * dt - sample_every) > 1e-9:
        raise ValueError("mackey_glass: tau and sample_every must be multiples of dt")
    steps = (transient + n_samples) * every
    x = np.empty(steps + 1)  # x[k] = x(k * dt)
    x[0] = x0

    def past(k: int) -> float:
        return x[k] if k >= 0 else x0

    def f(xt: float, xd: float) -> float:
        return beta * xd / (1.0 + xd**n) - gamma * xt

    for k in range(steps):
        d0, d1 = past(k - delay), past(k - delay + 1)
        dm = 0.5 * (d0 + d1)  # x(t - tau + dt/2) by linear interpolation
        xk = x[k]
        k1 = f(xk, d0)
        k2 = f(xk + 0.5 * dt * k1, dm)
        k3 = f(xk + 0.5 * dt * k2, dm)
        k4 = f(xk + dt * k3, d1)
        x[k + 1] = xk + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    sampled = x[::every]  # (transient + n_samples + 1,)
    out = sampled[transient : transient + n_samples].copy()
    out.setflags(write=False)
    return out


class MackeyGlassTask(WindowForecastTask):
    """Mackey-Glass (tau 17): predict x(t + horizon) from a window of the past; NRMSE."""

    name = "mackey_glass"
    description = "Mackey-Glass chaotic series (tau 17): predict x(t+6) from the past; NRMSE"
    metric_name = "nrmse"
    metric_direction = "minimize"
    default_sizes = {"train": 1200, "valid": 400, "test": 400}

    def __init__(
        self,
        *,
        seed: int = 0,
        horizon: int = 6,
        window: int = 24,
        stride: int = 1,
        sizes: Mapping[str, int] | Sequence[int] | None = None,
    ) -> None:
        rng = make_rng(seed, "mackey_glass", "x0")
        x0 = 1.2 if seed == 0 else float(rng.uniform(0.5, 1.5))
        self.seed, self.sizes = int(seed), resolve_sizes(sizes, self.default_sizes)
        total = sum(self.sizes.values())
        series = mackey_glass_series(total, x0=x0)
        b1 = self.sizes["train"]
        b2 = b1 + self.sizes["valid"]
        super().__init__(
            series,
            (b1, b2),
            window=window,
            horizon=horizon,
            stride=stride,
            reference_std=float(series.std()),
        )
