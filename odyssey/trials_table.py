"""The columns of a trials table (docs/contracts.md, "The trials table"): one definition.

:mod:`odyssey.sweep.collect` writes the tables and :mod:`odyssey.analysis.analyse` reads them; this
module imports nothing, so the report can check a table without importing Optuna or torch.
"""

from __future__ import annotations

COLUMNS: tuple[str, ...] = (
    "task",
    "variant",
    "trial",
    "state",
    "hidden_size",
    "learning_rate",
    "momentum",
    "input_noise",
    "valid_metric",
    "test_metric",
    "metric_name",
    "metric_direction",
    "best_epoch",
    "epochs",
    "stop_reason",
    "diverged",
    "n_params",
    "wall_time_s",
    "seed",
    "device",
    "git_commit",
    "torch_version",
)
"""The contract's columns in order; extra metric columns (valid_*, test_*) follow."""

PROVENANCE_COLUMNS: tuple[str, ...] = (
    "best_epoch",
    "epochs",
    "stop_reason",
    "seed",
    "device",
    "git_commit",
    "torch_version",
)
"""Columns the analysis does not need: a table made elsewhere (a fixture, an older export) may
lack them."""

ANALYSIS_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c not in PROVENANCE_COLUMNS)
"""Columns :func:`odyssey.analysis.analyse.load_trials` requires."""
