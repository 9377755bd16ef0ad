"""End to end: a tiny study of two architectures (config ``models``) through the Snakemake
pipeline, in a temporary copy of the repository, from an empty results folder to the PDF.

The models' names reach every place a variant's name did: the Optuna study names, the MLflow runs
(run names, and the model's shape as tags and params), the trials table's ``variant`` column, and
the report; the task is an alias (``mg_short: {task: mackey_glass, ...}``), which every rule
builds as its task with the alias's options.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from pipeline_support import check_trials_table, copy_repo, job_count, load_config, snakemake

pytestmark = pytest.mark.slow

CONFIG = {
    "study": "models",
    "quick": True,
    "results_dir": "results",
    "device": "cpu",
    "models": {
        "BiLSTM": {"cell": "V", "bidirectional": True},
        "Fuzzy-LSTM": {"cell": "V", "frontend": "fuzzy", "init": "forget_bias"},
    },
    "sweep": {"sampler": "random", "heartbeat_s": 2},
    "tasks": {
        "mg_short": {  # an alias: Mackey-Glass on short windows
            "task": "mackey_glass",
            "options": {"window": 8, "sizes": {"train": 96, "valid": 32, "test": 32}},
            "n_trials": 2,
            "search_space": {"hidden_size": {"low": 4, "high": 8, "log": True}},
            "budget": {"batch_size": 16, "max_epochs": 2, "patience": 2},
        }
    },
    "gradients": {"enabled": False},
}


def test_two_architectures_run_from_the_config_to_the_report(tmp_path: Path) -> None:
    copy = copy_repo(tmp_path / "repo")
    (copy / "config" / "two_models.yaml").write_text(yaml.safe_dump(CONFIG, sort_keys=False))
    cfg = load_config(copy, "two_models.yaml")
    started = time.monotonic()
    run = snakemake(copy, "--cores", "2", "--configfile", "config/two_models.yaml", timeout=300)
    print(f"two-model pipeline: {time.monotonic() - started:.1f} s")
    counts = job_count(run.stdout)
    assert counts["sweep_worker"] == 2 and counts["render_report"] == 1, counts
    results = copy / "results"
    table = pd.read_csv(results / "trials" / "mg_short.csv")
    check_trials_table(table, "mg_short", cfg)
    params = table.groupby("variant")["n_params"].min()
    assert params["BiLSTM"] != params["Fuzzy-LSTM"]  # two networks, not one under two names

    import optuna

    from odyssey.sweep.storage import open_storage

    storage = open_storage(str(results / "optuna" / "journal.log"))
    assert sorted(optuna.get_all_study_names(storage)) == [
        "models.mg_short.BiLSTM",
        "models.mg_short.Fuzzy-LSTM",
    ]
    check_mlflow_runs(f"sqlite:///{results / 'mlflow.db'}")

    from pypdf import PdfReader

    text = " ".join(
        page.extract_text() or "" for page in PdfReader(results / "report/odyssey.pdf").pages
    )
    for name in [*CONFIG["models"], "mg_short", "front end fuzzy"]:
        assert name in text, name


def check_mlflow_runs(uri: str) -> None:
    """Each trial's run is named after its model and carries the model's shape as it trained."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("models.mg_short")
    runs = client.search_runs([experiment.experiment_id], "tags.trial != ''")
    assert len(runs) == 4
    for found in runs:
        tags, params = found.data.tags, found.data.params
        assert found.info.run_name.startswith(f"{tags['model']}-trial-")
        assert tags["cell"] == params["model.cell"] == "V"
        if tags["model"] == "BiLSTM":
            assert (tags["bidirectional"], tags["frontend"], tags["init"]) == (
                "True",
                "none",
                "paper",
            )
        else:
            assert (tags["bidirectional"], tags["frontend"]) == ("False", "fuzzy")
            assert params["model.init"] == "forget_bias"
