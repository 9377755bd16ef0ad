"""Cluster mode on real components: the smoke study through ``snakemake --profile profiles/slurm``
on a single-node SLURM (slurmctld, slurmd, munge), with a password-protected PostgreSQL server as
the Optuna storage and an ``mlflow server`` for tracking, all on 127.0.0.1 and all torn down.

Proves: jobs go through sbatch (SLURM's job ids in the plugin's logs), the workers share the
PostgreSQL studies (exactly n_trials finished per study, no slot or parameter set twice, the
trials tables equal the storage), every finished trial is one finished MLflow child run and none is
left RUNNING, the PDF comes out, and the password appears in no log, tag or report.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from engine_support import assert_exactly_n, mlflow_server
from pg_support import missing as pg_missing
from pg_support import postgres_server
from pipeline_support import check_trials_table, copy_repo, environment, load_config, snakemake
from slurm_support import missing as slurm_missing
from slurm_support import slurm_cluster

pytestmark = pytest.mark.slow

PASSWORD = "Odyssey-s3cret-pw"
SMALL = [f"{rule}:mem_mb=500" for rule in ("prepare_data", "sweep_worker", "gradients", "analyse")]


def _skip_reason() -> str | None:
    return slurm_missing() or pg_missing()


def mlflow_runs(url: str, study: str, tasks: list[str]) -> list[Any]:
    """Every run of the study's experiments on the MLflow server."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=url)
    runs = []
    for task in tasks:
        experiment = client.get_experiment_by_name(f"{study}.{task}")
        assert experiment is not None, task
        runs += client.search_runs([experiment.experiment_id], max_results=1000)
    return runs


def check_consistent(copy: Path, cfg: dict[str, Any], url: str, tracking: str) -> int:
    """The checks every cluster or fault test ends with; returns the finished trials counted."""
    import optuna

    from odyssey.sweep.storage import open_storage

    storage = open_storage(url)
    finished = 0
    for task, entry in cfg["tasks"].items():
        table = pd.read_csv(copy / cfg["results_dir"] / "trials" / f"{task}.csv")
        check_trials_table(table, task, cfg)
        for variant in cfg["variants"]:
            study = optuna.load_study(
                study_name=f"{cfg['study']}.{task}.{variant}", storage=storage
            )
            by_slot = assert_exactly_n(study.get_trials(deepcopy=False), entry["n_trials"])
            rows = table[table["variant"] == variant]
            assert sorted(rows["trial"]) == sorted(by_slot)  # the table is the storage
            finished += len(by_slot)
    children = [r for r in mlflow_runs(tracking, cfg["study"], list(cfg["tasks"])) if
                r.data.tags.get("mlflow.parentRunId")]  # fmt: skip
    assert not [r for r in children if r.info.status == "RUNNING"]
    assert len([r for r in children if r.info.status == "FINISHED"]) == finished
    for run in children:
        assert PASSWORD not in repr(run.data.tags) + repr(run.data.params)
    return finished


@pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason()))
def test_smoke_study_on_slurm_with_postgresql_and_an_mlflow_server(tmp_path: Path) -> None:
    copy = copy_repo(tmp_path / "repo")
    cfg = load_config(copy, "smoke.yaml")
    with (
        postgres_server(password=PASSWORD) as pg,
        mlflow_server(tmp_path) as tracking,
        slurm_cluster() as cluster,
    ):
        env = {
            **environment(copy),
            "ODYSSEY_STORAGE": pg.url,
            "MLFLOW_TRACKING_URI": tracking,
            "SLURM_CONF": str(cluster / "slurm.conf"),
        }
        started = time.monotonic()
        run = snakemake(
            copy,
            "--profile", "profiles/slurm",
            "--configfile", "config/smoke.yaml",
            "--slurm-status-command", "squeue",
            "--slurm-init-seconds-before-status-checks", "3",
            "--slurm-no-account",
            "--set-resources", *SMALL,
            "--latency-wait", "5",
            timeout=500,
            env=env,
        )  # fmt: skip
        wall = time.monotonic() - started
        print(f"SLURM smoke run: {wall:.0f} s")
        assert (copy / "results" / "report" / "odyssey.pdf").stat().st_size > 10_000
        slurm_logs = list((copy / ".snakemake" / "slurm_logs").rglob("*.log"))
        assert any("sweep_worker" in str(p) for p in slurm_logs), "no worker went through sbatch"
        assert "sbatch" in run.stdout or "SLURM" in run.stdout
        finished = check_consistent(copy, {**cfg}, pg.url, tracking)
        assert finished == sum(t["n_trials"] for t in cfg["tasks"].values()) * len(cfg["variants"])
    texts = [run.stdout] + [p.read_text(errors="replace") for p in copy.rglob("*.log")]
    assert not [t for t in texts if PASSWORD in t]
    from pypdf import PdfReader

    pdf = PdfReader(copy / "results" / "report" / "odyssey.pdf")
    assert PASSWORD not in "".join(page.extract_text() for page in pdf.pages)
