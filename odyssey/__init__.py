"""LSTM Odyssey engine: trials, sweeps, tracking, collection, analysis and the report.

Reproduces Greff et al., "LSTM: A Search Space Odyssey" (TNNLS 2017). Modules (docs/contracts.md):
``trial`` (one training run), ``sweep`` (Optuna studies and workers), ``tracking`` (MLflow),
``collect`` (trials tables), ``seeds``, ``devices``, ``provenance``, ``model``, ``optim`` and the
command line ``cli`` (``odyssey ...``). Submodules are imported on demand, so ``import odyssey`` is
cheap.
"""

__version__ = "0.1.0"
