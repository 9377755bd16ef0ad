"""The schema of the trials dataset: one definition of its columns, units and version.

A study exported by :mod:`odyssey.export.dataset` is one Parquet file, one row per finished trial
(the rows of the trials table, docs/contracts.md, plus what the table leaves out: the per-epoch
curves, every final metric, the budget and the full provenance). This module names every column
with its Arrow type, unit and meaning; the data sheet (:mod:`odyssey.export.datasheet`) prints the
same list, and :func:`odyssey.export.read.read_dataset` refuses a file of another major version.

Versioning (semantic): a new optional column raises the minor version; removing or changing the
meaning or type of a column raises the major version, which readers refuse. 1.1.0 added ``model``
and ``architecture`` (:data:`ADDED`; :mod:`odyssey.export.read` fills them in a 1.0 file) and made
``cell`` the cell a model trains: 1.0 wrote the model's name there, which is the cell's for a plain
``variants`` study, the only kind 1.0 was published for.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

SCHEMA_VERSION = "1.1.0"
"""The version written into every file's metadata (``odyssey.dataset`` key)."""

METADATA_KEY = b"odyssey.dataset"
"""The Parquet key-value metadata entry that holds the dataset's provenance as JSON."""

MAP = pa.map_(pa.string(), pa.float64())
CURVE = pa.list_(pa.float64())


@dataclass(frozen=True)
class Column:
    """One column of the dataset: name, Arrow type, unit ("" when none) and meaning."""

    name: str
    type: pa.DataType
    unit: str
    description: str
    group: str


def _c(group: str, rows: list[tuple[str, pa.DataType, str, str]]) -> list[Column]:
    return [Column(name, kind, unit, text, group) for name, kind, unit, text in rows]


COLUMNS: tuple[Column, ...] = (
    *_c(
        "identity",
        [
            ("study", pa.string(), "", "the config's `study` name"),
            ("task", pa.string(), "", "task name (`tasks.get`)"),
            (
                "task_options",
                pa.string(),
                "",
                "task options, canonical JSON (no paths)",
            ),
            (
                "model",
                pa.string(),
                "",
                "the study's model on the architecture axis (a `models` name, e.g. LSTM, BiLSTM; "
                "for plain `variants`, the cell's name)",
            ),
            (
                "cell",
                pa.string(),
                "",
                "recurrent cell the model trains (a `variants` name, e.g. V, CIFG, GRU; two "
                "models can share one)",
            ),
            (
                "architecture",
                pa.string(),
                "",
                "the shape trained, canonical JSON: cell, bidirectional, num_layers, frontend, "
                "init (the trial record's; records older than the models axis: the model on "
                "the task's declared shape)",
            ),
            ("trial", pa.int64(), "", "parameter-set index k (the slot; same k, same draw)"),
            ("optuna_number", pa.int64(), "", "the Optuna trial number that ran the slot"),
            ("state", pa.string(), "", "COMPLETE or PRUNED"),
        ],
    ),
    *_c(
        "hyperparameters",
        [
            ("hidden_size", pa.int64(), "cells", "cells per layer and direction"),
            (
                "learning_rate",
                pa.float64(),
                "",
                "SGD rate before the (1 - momentum) scaling",
            ),
            ("momentum", pa.float64(), "", "Nesterov momentum"),
            ("input_noise", pa.float64(), "input units", "std of the Gaussian input noise"),
            ("seed", pa.int64(), "", "the trial's seed (weights, data order, noise)"),
        ],
    ),
    *_c(
        "final metrics",
        [
            ("metric_name", pa.string(), "", "the task's main metric (e.g. nll)"),
            ("metric_direction", pa.string(), "", "minimize or maximize"),
            ("valid_metric", pa.float64(), "metric", "best validation metric over the epochs"),
            ("test_metric", pa.float64(), "metric", "test metric at the best validation epoch"),
            ("valid_metrics", MAP, "metric", "every validation metric at the best epoch"),
            ("test_metrics", MAP, "metric", "every test metric at the best epoch"),
            (
                "best_epoch",
                pa.int64(),
                "epochs",
                "epoch of the best validation metric",
            ),
            ("epochs", pa.int64(), "epochs", "epochs run"),
            (
                "stop_reason",
                pa.string(),
                "",
                "early_stop max_epochs diverged time_limit pruned",
            ),
            ("diverged", pa.bool_(), "", "a loss, weight or metric became NaN or infinite"),
        ],
    ),
    *_c(
        "curves",
        [
            ("curve_valid_metric", CURVE, "metric", "validation metric after epoch 0, 1, ..."),
            ("curve_train_loss", CURVE, "loss", "mean training loss of epoch 0, 1, ... (0: null)"),
            ("curve_time_s", CURVE, "s", "training time elapsed at the end of epoch 0, 1, ..."),
        ],
    ),
    *_c(
        "cost",
        [
            ("wall_time_s", pa.float64(), "s", "training wall time of the trial"),
            ("n_params", pa.int64(), "parameters", "parameters of the whole network"),
            ("threads", pa.int64(), "threads", "CPU threads the trial ran with"),
        ],
    ),
    *_c(
        "provenance",
        [
            (
                "budget",
                pa.string(),
                "",
                "training budget as JSON (batch size, epochs...)",
            ),
            ("device", pa.string(), "", "cpu, cuda, cuda:N"),
            ("device_name", pa.string(), "", "processor or GPU model"),
            ("git_commit", pa.string(), "", "commit of the code that ran the trial"),
            ("torch_version", pa.string(), "", "torch version"),
            ("versions", pa.string(), "", "package versions as JSON (python, numpy, optuna...)"),
        ],
    ),
)
"""Every column in file order."""

NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)

ADDED: dict[str, str] = {"model": "1.1.0", "architecture": "1.1.0"}
"""Columns added after 1.0.0, with the version that added them (an older file lacks them)."""

ARROW_SCHEMA: pa.Schema = pa.schema([pa.field(c.name, c.type) for c in COLUMNS])
"""The Arrow schema of a dataset file (without its metadata)."""


def major(version: str) -> int:
    """The major part of a ``MAJOR.MINOR.PATCH`` version; ValueError (one line) if malformed."""
    head = str(version).split(".", 1)[0]
    if not head.isdigit():
        raise ValueError(f"dataset schema version {version!r} is not MAJOR.MINOR.PATCH")
    return int(head)
