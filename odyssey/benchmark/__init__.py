"""A surrogate benchmark of recurrent models and their hyperparameters, fitted on a trials dataset.

A model is a study's member on the architecture axis, the dataset's ``model`` column (a cell plus
the network's shape, e.g. LSTM and BiLSTM, both of cell V; for a study of plain ``variants``, the
cell's name). ``features`` (inputs, best-so-far curves, where the trials lie), ``surrogate``
(random forests: curve, final metric, cost; the out-of-data warning), ``quality`` (held-out rank
correlation and error per model), ``problem`` (:func:`load` and the Optuna objective). Reads
only a dataset written by :mod:`odyssey.export` (never the sweep's storage, never torch)::

    from odyssey.benchmark import load
    problem = load("jsb_chorales")
    study.optimize(problem.objective, n_trials=1000)
"""

from odyssey.benchmark.problem import Problem, load
from odyssey.benchmark.surrogate import OutOfDataWarning, Prediction, Surrogate

__all__ = ["OutOfDataWarning", "Prediction", "Problem", "Surrogate", "load"]
