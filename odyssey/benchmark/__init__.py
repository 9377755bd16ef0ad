"""A surrogate benchmark of recurrent cells and their hyperparameters, fitted on a trials dataset.

``features`` (inputs, best-so-far curves, where the trials lie), ``surrogate`` (random forests:
curve, final metric, cost; the out-of-data warning), ``quality`` (held-out rank correlation and
error per cell), ``problem`` (:func:`load` and the Optuna objective). Reads only a dataset written
by :mod:`odyssey.export` (never the sweep's storage, never torch)::

    from odyssey.benchmark import load
    problem = load("jsb_chorales")
    study.optimize(problem.objective, n_trials=1000)
"""

from odyssey.benchmark.problem import Problem, load
from odyssey.benchmark.surrogate import OutOfDataWarning, Prediction, Surrogate

__all__ = ["OutOfDataWarning", "Prediction", "Problem", "Surrogate", "load"]
