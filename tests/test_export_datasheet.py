"""Tests of odyssey.export.datasheet: the data sheet lists every column, the trials per model
and the licences."""

from __future__ import annotations

from odyssey.export.datasheet import data_licence, render_datasheet
from odyssey.export.schema import COLUMNS, SCHEMA_VERSION

META = {
    "study": "s", "source": "Optuna journal journal.log", "git_commits": ["0123abcdef"],
    "tasks": {"jsb_chorales": {
        "models": ["LSTM", "BiLSTM"], "n_trials": 2, "rows": 3, "task_options": {},
        "sampler": "random", "search_space": {}, "pruner": "none", "seed": 1,
        "budget": {"max_epochs": 150}, "metric_name": "nll", "metric_direction": "minimize",
    }},
}  # fmt: skip
ROWS = [  # two models of one cell: counted by model
    {"task": "jsb_chorales", "model": model, "cell": "V", "wall_time_s": 1800.0}
    for model in ("LSTM", "LSTM", "BiLSTM")
]


def test_sheet_names_every_column_the_version_and_the_counts() -> None:
    text = render_datasheet(META, ROWS)
    assert all(f"| `{c.name}` | {c.type} |" in text for c in COLUMNS)
    assert f"Schema version {SCHEMA_VERSION}" in text and "0123abc," not in text
    assert "rows: 3 finished trials of 2 per model (LSTM 2, BiLSTM 1)" in text
    assert "summed over these trials: 1.50 hours" in text
    assert "public domain" in text and "MIT" in text


def test_synthetic_tasks_are_the_project_s_own_data() -> None:
    assert "MIT" in data_licence("adding")
    assert "LDC" in data_licence("timit")
