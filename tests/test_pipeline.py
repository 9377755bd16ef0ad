"""End-to-end tests of the Snakemake pipeline, each in a temporary copy of the repository.

- the smoke study (config/smoke.yaml) runs from an empty results folder to the PDF; its trials
  tables, logs, benchmarks and report are checked; a second run has nothing to do; raising
  n_trials extends the studies without re-running finished trials;
- an interrupted run (SIGKILL to a worker in the middle of a trial, then SIGINT to Snakemake;
  resumed, then SIGKILL to Snakemake's whole process group in a trial) is resumed and ends with
  exactly n_trials finished trials per study, none run twice, the same trials as the
  uninterrupted run, and the fault tests' common checks (``faults_support``);
- dry runs of the quick, paper and open studies plan a few hundred jobs at most, in seconds;
- a bad configuration stops Snakemake with one line naming the key, before any job;
- `snakemake --lint` passes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from faults_support import assert_study_intact
from pipeline_support import (
    PARAM_COLUMNS,
    REPO,
    check_trials_table,
    copy_repo,
    environment,
    job_count,
    load_config,
    snakemake,
    sorted_trials,
    start_snakemake,
    states,
    study_trials,
    worker_processes,
)

pytestmark = pytest.mark.slow


# ---- helpers ----------------------------------------------------------------------------------


def expected_jobs(cfg: dict[str, Any]) -> dict[str, int]:
    """The job counts the DAG must have for ``cfg`` (every job of a fresh run)."""
    n_tasks = len(cfg["tasks"])
    counts = {
        "prepare_data": n_tasks,
        "init_storage": 1,
        "init_task": n_tasks,
        "sweep_worker": n_tasks * len(cfg["variants"]) * cfg["workers_per_study"],
        "collect": n_tasks,
        "analyse": n_tasks,
        "render_report": 1,
        "all": 1,
    }
    if cfg["gradients"]["enabled"]:
        counts["gradients"] = 1
    counts["total"] = sum(counts.values())
    return counts


# ---- the smoke study, uninterrupted -----------------------------------------------------------


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any], str]]:
    """A copy of the repository after a full smoke run: (copy, validated config, log of the run)."""
    copy = copy_repo(tmp_path_factory.mktemp("smoke"))
    cfg = load_config(copy, "smoke.yaml")
    started = time.monotonic()
    run = snakemake(copy, "--cores", "2", "--configfile", "config/smoke.yaml", timeout=400)
    print(f"smoke pipeline: {time.monotonic() - started:.1f} s")
    yield copy, cfg, run.stdout


def test_smoke_pipeline_writes_tables_logs_and_the_report(
    smoke: tuple[Path, dict[str, Any], str],
) -> None:
    copy, cfg, output = smoke
    results = copy / "results"
    assert job_count(output) == expected_jobs(cfg)
    for task in cfg["tasks"]:
        table = pd.read_csv(results / "trials" / f"{task}.csv")
        check_trials_table(table, task, cfg)
        assert (results / "data" / f"{task}.json").is_file()
        assert any((results / "analysis" / task).iterdir())
        assert (results / "logs" / "prepare_data" / f"{task}.log").is_file()
        assert (results / "logs" / "collect" / f"{task}.log").is_file()
        assert (results / "logs" / "analyse" / f"{task}.log").is_file()
        for variant in cfg["variants"]:
            for worker in range(cfg["workers_per_study"]):
                stem = f"{task}/{variant}/worker{worker}"
                assert (results / "sweep" / f"{stem}.done").is_file()
                assert (results / "logs" / "sweep" / f"{stem}.log").is_file()
                bench = pd.read_csv(results / "benchmarks" / "sweep" / f"{stem}.tsv", sep="\t")
                assert bench["s"].iloc[0] > 0
    assert (results / "logs" / "init_storage.log").is_file()
    assert (results / "logs" / "report.log").is_file()
    gradients = pd.read_csv(results / "gradients" / "gradients.csv")
    assert len(gradients) > 0
    pdf = results / "report" / "odyssey.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    assert len(reader.pages) >= 2
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    for variant in cfg["variants"]:
        assert variant in text


def test_a_finished_run_has_nothing_left_to_do(smoke: tuple[Path, dict[str, Any], str]) -> None:
    copy, _, _ = smoke
    dry = snakemake(copy, "-n", "--configfile", "config/smoke.yaml")
    assert "Nothing to be done" in dry.stdout, dry.stdout[-3000:]


def test_more_trials_extend_the_studies(smoke: tuple[Path, dict[str, Any], str]) -> None:
    copy, cfg, _ = smoke
    task = next(iter(cfg["tasks"]))
    before = pd.read_csv(copy / "results" / "trials" / f"{task}.csv")
    raw = yaml.safe_load((copy / "config" / "smoke.yaml").read_text())
    raw["tasks"][task]["n_trials"] += 1
    (copy / "config" / "more.yaml").write_text(yaml.safe_dump(raw))
    dry = snakemake(copy, "-n", "--configfile", "config/more.yaml")
    counts = job_count(dry.stdout)
    # the task's studies get the new trials; only its workers, table, analysis and report re-run
    workers = len(cfg["variants"]) * cfg["workers_per_study"]
    assert counts == {
        "init_task": 1,
        "sweep_worker": workers,
        "collect": 1,
        "analyse": 1,
        "render_report": 1,
        "all": 1,
        "total": workers + 5,
    }
    table = f"results/trials/{task}.csv"
    snakemake(copy, table, "--cores", "2", "--configfile", "config/more.yaml", timeout=300)
    for variant in cfg["variants"]:
        marker = copy / "results" / "sweep" / task / variant / "worker0.done"
        assert json.loads(marker.read_text())["trials_run"] == 1
    more = load_config(copy, "more.yaml")
    after = pd.read_csv(copy / "results" / "trials" / f"{task}.csv")
    check_trials_table(after, task, more)
    # the finished trials are kept as they were: the same parameters, the same results
    kept = after.merge(before, on=["variant", *PARAM_COLUMNS], suffixes=("", "_before"))
    assert len(kept) == len(before)
    assert (kept["valid_metric"] == kept["valid_metric_before"]).all()
    assert (kept["wall_time_s"] == kept["wall_time_s_before"]).all()
    for (name, _), trials in study_trials(copy, more).items():
        assert states(trials).count("COMPLETE") == more["tasks"][name]["n_trials"]


# ---- interruption and resumption --------------------------------------------------------------


def test_interrupted_run_resumes_without_losing_or_repeating_trials(
    tmp_path: Path, smoke: tuple[Path, dict[str, Any], str]
) -> None:
    reference_copy, _, _ = smoke
    copy = copy_repo(tmp_path / "interrupted")
    # the smoke study's synthetic task alone, up to its trials table: the sweep is what matters
    raw = yaml.safe_load((copy / "config" / "smoke.yaml").read_text())
    raw["tasks"] = {"adding": raw["tasks"]["adding"]}
    raw["gradients"]["enabled"] = False
    (copy / "config" / "interrupt.yaml").write_text(yaml.safe_dump(raw))
    cfg = load_config(copy, "interrupt.yaml")
    args = ["results/trials/adding.csv", "--cores", "2", "--configfile", "config/interrupt.yaml"]
    process = start_snakemake(copy, *args)
    killed: tuple[str, str] | None = None
    try:
        deadline = time.monotonic() + 240
        while killed is None and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
            for pid, log in worker_processes(copy):
                # SIGKILL a worker in the middle of a trial, after its study finished another one
                study = (Path(log).parts[-3], Path(log).parts[-2])
                try:
                    running = states(study_trials(copy, cfg).get(study, []))
                except Exception:  # the storage is being created or written: look again
                    continue
                if "COMPLETE" in running and "RUNNING" in running:
                    os.kill(pid, signal.SIGKILL)
                    killed = study
                    break
        assert killed is not None, "no worker was caught in the middle of a trial"
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode != 0, output[-3000:]
    assert not (copy / "results" / "trials" / "adding.csv").exists()
    interrupted = study_trials(copy, cfg)
    # the killed worker's trial is left RUNNING: only its stale heartbeat can tell it is dead
    assert "RUNNING" in states(interrupted[killed])
    complete = sum(states(trials).count("COMPLETE") for trials in interrupted.values())
    n_total = sum(entry["n_trials"] for entry in cfg["tasks"].values()) * len(cfg["variants"])
    assert complete < n_total

    # resumed, then SIGKILLed as a whole (Snakemake and its jobs, one process group) in a trial
    before = {(key, t.number) for key, trials in interrupted.items() for t in trials}
    process = start_snakemake(copy, *args, "--rerun-incomplete")
    try:
        assert wait_for_new_training(copy, cfg, process, before), "no worker was caught running"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the resumed run ended before it was killed"
    assert not worker_processes(copy), "a sweep worker outlived its Snakemake"
    snakemake(copy, "--unlock", "--configfile", "config/interrupt.yaml")  # its lock stayed behind
    resumed = snakemake(copy, *args, "--rerun-incomplete", timeout=400)
    assert "Job stats:" in resumed.stdout
    studies = study_trials(copy, cfg)
    assert len(studies) == len(cfg["tasks"]) * len(cfg["variants"])
    for (task, variant), trials in studies.items():
        assert "RUNNING" not in states(trials) and "WAITING" not in states(trials)
        complete = [t for t in trials if t.state.name == "COMPLETE"]
        assert len(complete) == cfg["tasks"][task]["n_trials"], (task, variant)
        params = [tuple(sorted(t.params.items())) for t in complete]
        assert len(set(params)) == len(params), f"{task}/{variant} ran a trial twice"
        slots = sorted(t.user_attrs["slot"] for t in complete)
        assert slots == list(range(cfg["tasks"][task]["n_trials"])), slots
    assert "FAIL" in states(studies[killed])  # the killed trial, failed and run again
    for task in cfg["tasks"]:
        table = pd.read_csv(copy / "results" / "trials" / f"{task}.csv")
        check_trials_table(table, task, cfg)
        reference = pd.read_csv(reference_copy / "results" / "trials" / f"{task}.csv")
        reference = reference[reference["trial"] < cfg["tasks"][task]["n_trials"]]
        pd.testing.assert_frame_equal(sorted_trials(table), sorted_trials(reference))
    checked = {**cfg, "results_dir": str(copy / "results")}
    for variant in cfg["variants"]:  # the common checks of the fault tests, the report once
        last = variant == cfg["variants"][-1]
        assert_study_intact(checked, tmp_path / variant, variant=variant, report=last)


def wait_for_new_training(
    copy: Path, cfg: dict[str, Any], process: subprocess.Popen, before: set[tuple[Any, int]]
) -> bool:
    """Wait until a sweep worker runs and a trial that was not in the storage before is RUNNING.

    Tiny trials can end between two looks at the storage, so a running worker of the resumed run
    is enough after a grace of a few looks: the SIGKILL then lands inside a worker either way."""
    deadline = time.monotonic() + 240
    seen_workers = 0
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
        try:
            studies = study_trials(copy, cfg)
        except Exception:  # the storage is being written: look again
            continue
        if any(
            t.state.name == "RUNNING" and (key, t.number) not in before
            for key, trials in studies.items()
            for t in trials
        ):
            return True
        if worker_processes(copy):
            seen_workers += 1
            if seen_workers >= 10:
                return True
    return False


# ---- planning: dry runs, bad configurations, lint ------------------------------------------------


@pytest.fixture(scope="module")
def planning_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository with stand-in data folders for the licensed corpora."""
    copy = copy_repo(tmp_path_factory.mktemp("planning"))
    for name in ("paper.yaml", "open.yaml"):
        raw = yaml.safe_load((copy / "config" / name).read_text())
        for entry in raw["tasks"].values():
            path = (entry.get("options") or {}).get("data_path")
            if path:
                (copy / path).mkdir(parents=True, exist_ok=True)
    return copy


@pytest.mark.parametrize("name", ["config.yaml", "paper.yaml", "open.yaml"])
def test_dry_run_plans_a_few_hundred_jobs_at_most(planning_copy: Path, name: str) -> None:
    started = time.monotonic()
    dry = snakemake(planning_copy, "-n", "--configfile", f"config/{name}", timeout=120)
    seconds = time.monotonic() - started
    counts = job_count(dry.stdout)
    cfg = load_config(planning_copy, name)
    assert counts == expected_jobs(cfg)
    assert counts["total"] <= 400
    assert seconds < 60
    print(f"{name}: {counts['total']} jobs planned in {seconds:.1f} s")
    assert not (planning_copy / "results").exists()


def test_planning_imports_neither_torch_nor_optuna(planning_copy: Path, tmp_path: Path) -> None:
    # Parsing the Snakefile validates the config and builds every study's fingerprint: the light
    # odyssey.study package. The registries' names come from the catalogue's cache (warmed first).
    env = {**environment(planning_copy), "XDG_CACHE_HOME": str(tmp_path)}
    warm = "from odyssey.study.catalogue import catalogue; catalogue()"
    subprocess.run([sys.executable, "-c", warm], cwd=planning_copy, env=env, check=True)
    plan = (
        "import json, sys\n"
        "from snakemake.cli import main\n"
        "try:\n"
        "    main(['-n', '--quiet', '--nolock', '--configfile', 'config/open.yaml'])\n"
        "except SystemExit as end:\n"
        "    assert not end.code, end.code\n"
        "heavy = ('torch', 'optuna', 'mlflow', 'variants', 'tasks')\n"
        "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", plan],
        cwd=planning_copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_slurm_profile_plans_the_same_jobs(planning_copy: Path) -> None:
    dry = snakemake(
        planning_copy, "-n", "--profile", "profiles/slurm", "--configfile", "config/paper.yaml"
    )
    assert job_count(dry.stdout) == expected_jobs(load_config(planning_copy, "paper.yaml"))
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    assert profile["executor"] == "slurm"
    worker = profile["set-resources"]["sweep_worker"]
    assert worker["gpu"] == 1 and worker["slurm_partition"]


def test_bad_config_stops_before_any_job_with_one_line(planning_copy: Path) -> None:
    bad = planning_copy / "bad.yaml"
    bad.write_text("tasks:\n  adding:\n    n_trial: 3\n")
    run = snakemake(planning_copy, "--cores", "1", "--configfile", "bad.yaml", check=False)
    assert run.returncode != 0
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert lines == [
        "invalid configuration: tasks.adding.n_trial: unknown key (did you mean 'n_trials'?)"
    ]
    assert not (planning_copy / "results").exists()


def test_snakemake_lint_passes(planning_copy: Path) -> None:
    lint = snakemake(planning_copy, "--lint", check=False)
    assert lint.returncode == 0, lint.stdout[-4000:]
