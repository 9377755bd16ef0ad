"""Throughput of sweep workers: trials per hour with 1 and 2 workers, time outside training.

Runs one (task, variant) study of the quick configuration (``config/config.yaml``, the adding
task by default) from scratch, first with one ``odyssey worker`` process, then with two processes
sharing the study, each time in a fresh results folder with the default storage (Optuna journal
file) and tracking (MLflow SQLite). Every worker is a real ``python -m odyssey worker`` process, so
start-up (imports, opening the stores, building the task) is part of the measurement.

Reported per run:

- trials per hour over the whole run (launch of the first worker to exit of the last), and in
  steady state (first trial start to last trial end, i.e. without process start-up);
- the share of worker time spent outside ``train_trial``: 1 - sum(training time) / sum(worker
  process time), split into start-up (launch to first trial) and the rest (storage, tracking,
  waiting for the last trial of another worker).

    python bench/bench_sweep.py                       # writes bench/sweep.json and bench/sweep.md
    python bench/bench_sweep.py --trials 4 --out /tmp/b
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from odyssey.study import config as config_module  # noqa: E402
from odyssey.study.locations import Locations, default_storage_url  # noqa: E402
from odyssey.study.models import model_names  # noqa: E402
from odyssey.study.spec import specs_from_config  # noqa: E402

SCENARIOS: dict[str, dict[str, Any]] = {
    "quick": {},
    "longer trials": {"max_epochs": 40, "patience": 40, "time_limit_s": None},
}
"""Budget changes per scenario: the quick config as it is, and 4x longer trials."""


def bench_config(
    base: dict[str, Any],
    task: str,
    variant: str,
    trials: int,
    results: Path,
    budget: dict[str, Any] | None = None,
) -> dict:
    """The quick config restricted to one study of ``trials`` trials, results under ``results``."""
    cfg = copy.deepcopy(base)
    if task not in cfg["tasks"]:
        raise SystemExit(f"bench_sweep: task {task!r} is not in the config")
    cfg["tasks"] = {task: cfg["tasks"][task]}
    cfg["tasks"][task]["n_trials"] = trials
    cfg["tasks"][task]["budget"].update(budget or {})
    cfg.update(
        {
            "variants": [variant],
            "results_dir": str(results),
            "storage": None,
            "tracking_uri": None,
            "device": "cpu",
            "threads_per_worker": 1,
        }
    )
    cfg["gradients"]["enabled"] = False
    return config_module.validate(cfg, env={})


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MLFLOW_TRACKING_URI", None)
    env.pop("ODYSSEY_STORAGE", None)
    env.update({"OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)})
    return env


def run_once(cfg: dict[str, Any], workers: int, folder: Path) -> dict[str, Any]:
    """Init the study, run ``workers`` worker processes to completion, return the timings."""
    import optuna

    from odyssey.sweep.studies import init_storage

    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / "config.yaml"
    config_path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    task, variant = next(iter(cfg["tasks"])), model_names(cfg)[0]
    start = time.time()
    init_storage(specs_from_config(cfg), Locations.from_config(cfg))
    init_s = time.time() - start
    launched, processes = {}, []
    for index in range(workers):
        command = [
            sys.executable,
            "-m",
            "odyssey",
            "worker",
            "--config",
            str(config_path),
            "--task",
            task,
            "--variant",
            variant,
            "--worker-index",
            str(index),
        ]
        log = open(folder / f"worker{index}.log", "w")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=_env(), cwd=REPO
        )
        launched[process.pid] = time.time()
        processes.append((process, log))
    ended, cpu = {}, {}
    logs = {process.pid: (process, log) for process, log in processes}
    while len(ended) < len(logs):  # in exit order, with each worker's CPU time
        pid, status, usage = os.wait4(-1, 0)
        if pid not in logs:
            continue
        ended[pid] = time.time()
        cpu[pid] = usage.ru_utime + usage.ru_stime
        process, log = logs[pid]
        process.returncode = os.waitstatus_to_exitcode(status)
        log.close()
        if process.returncode != 0:
            raise SystemExit(f"bench_sweep: a worker failed, see {log.name}")
    wall_s = max(ended.values()) - min(launched.values())

    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(default_storage_url(cfg["results_dir"]))
    )
    study = optuna.load_study(study_name=f"{cfg['study']}.{task}.{variant}", storage=storage)
    trials = [t for t in study.get_trials() if t.state.is_finished() and "record" in t.user_attrs]
    per_worker: dict[int, dict[str, float]] = {
        pid: {
            "process_s": ended[pid] - launched[pid],
            "train_s": 0.0,
            "trials": 0,
            "first_start": float("inf"),
        }
        for pid in launched
    }
    for trial in trials:
        pid = trial.user_attrs["record"]["worker"]["pid"]
        entry = per_worker[pid]
        entry["train_s"] += trial.user_attrs["record"]["wall_time_s"]
        entry["trials"] += 1
        entry["first_start"] = min(entry["first_start"], trial.datetime_start.timestamp())
    process_s = sum(w["process_s"] for w in per_worker.values())
    train_s = sum(w["train_s"] for w in per_worker.values())
    startup_s = sum(
        (w["first_start"] - launched[pid]) if w["trials"] else w["process_s"]
        for pid, w in per_worker.items()
    )
    first = min(t.datetime_start.timestamp() for t in trials)
    last = max(t.datetime_complete.timestamp() for t in trials)
    return {
        "workers": workers,
        "trials": len(trials),
        "init_s": round(init_s, 2),
        "wall_s": round(wall_s, 2),
        "trials_per_hour": round(3600 * len(trials) / wall_s, 1),
        "steady_trials_per_hour": round(3600 * len(trials) / (last - first), 1),
        "mean_trial_train_s": round(train_s / len(trials), 2),
        "worker_process_s": round(process_s, 2),
        "worker_cpu_s": round(sum(cpu.values()), 2),
        "cores_used": round(sum(cpu.values()) / wall_s, 2),
        "worker_train_s": round(train_s, 2),
        "outside_training_share": round(1 - train_s / process_s, 4),
        "startup_share": round(startup_s / process_s, 4),
        "other_share": round(1 - train_s / process_s - startup_s / process_s, 4),
        "trials_by_worker": sorted(int(w["trials"]) for w in per_worker.values()),
    }


def _markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Sweep throughput",
        "",
        f"`python bench/bench_sweep.py --trials {result['trials']}` on {result['machine']}; "
        f"{result['date']}; load average (1, 5, 15 min) before {result['load_before']}, after "
        f"{result['load_after']} (the machine is shared: a load above 2 means other processes "
        "competed for the two cores).",
        "",
        f"One study ({result['task']}, {result['variant']}) of the quick configuration "
        f"(`{result['config']}`), {result['trials']} trials, journal storage and MLflow SQLite "
        "tracking, each worker a `python -m odyssey worker` process with one thread. Scenario "
        "*quick*: the config's budget as it is; *longer trials*: 40 epochs, patience 40, no "
        "time limit.",
        "",
        "| scenario | workers | wall s | cores used | trials/hour | steady trials/hour | "
        "mean trial s | outside training | start-up | storage, tracking, waiting | "
        "trials per worker |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, scenario in result["scenarios"].items():
        for run in scenario["runs"]:
            lines.append(
                f"| {name} | {run['workers']} | {run['wall_s']} | {run['cores_used']} | "
                f"{run['trials_per_hour']} | "
                f"{run['steady_trials_per_hour']} | {run['mean_trial_train_s']} | "
                f"{100 * run['outside_training_share']:.1f}% | "
                f"{100 * run['startup_share']:.1f}% | {100 * run['other_share']:.1f}% | "
                f"{run['trials_by_worker']} |"
            )
    lines.append("")
    for name, scenario in result["scenarios"].items():
        two = scenario["runs"][1]
        note = ""
        if two["cores_used"] < 1.5:
            note = (
                f" The two workers got only {two['cores_used']} cores between them (the machine "
                "was shared), so this run cannot show the speed-up; the mean training time of a "
                f"trial went from {scenario['runs'][0]['mean_trial_train_s']} s to "
                f"{two['mean_trial_train_s']} s."
            )
        lines.append(
            f"- {name}: 2 workers over 1: {scenario['speedup']}x overall, "
            f"{scenario['steady_speedup']}x in steady state (target: at least 1.8x).{note}"
        )
    lines += [
        "",
        "Outside training = 1 - (sum of `train_trial` wall time) / (sum of worker process time); "
        "start-up = launch to the first trial's start (Python, torch, MLflow and Optuna imports, "
        "opening the stores, building the task); the rest is storage and tracking writes, "
        "interpreter exit and a worker waiting for the other's last trial. Steady state = first "
        "trial start to last trial end. Cores used = CPU time of the workers / wall time: two "
        "one-thread workers can use two cores only if nothing else runs on the machine.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write ``sweep.json`` and ``sweep.md``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    parser.add_argument("--task", default="adding")
    parser.add_argument("--variant", default="V")
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--out", default=str(REPO / "bench"))
    parser.add_argument("--scenarios", nargs="+", choices=list(SCENARIOS), default=list(SCENARIOS))
    args = parser.parse_args(argv)

    base = config_module.load(args.config, env={})
    load_before = [round(x, 2) for x in os.getloadavg()]
    scenarios: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        for name in args.scenarios:
            budget = SCENARIOS[name]
            runs = []
            for workers in (1, 2):
                folder = Path(tmp) / f"{name.replace(' ', '-')}-w{workers}"
                cfg = bench_config(
                    base, args.task, args.variant, args.trials, folder / "results", budget
                )
                runs.append(run_once(cfg, workers, folder))
                print(json.dumps({"scenario": name, **runs[-1]}), flush=True)
            scenarios[name] = {
                "budget": {**base["tasks"][args.task]["budget"], **budget},
                "runs": runs,
                "speedup": round(runs[0]["wall_s"] / runs[1]["wall_s"], 2),
                "steady_speedup": round(
                    runs[1]["steady_trials_per_hour"] / runs[0]["steady_trials_per_hour"], 2
                ),
            }
    config_path = Path(args.config).resolve()
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "load_before": load_before,
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "config": str(config_path.relative_to(REPO))
        if config_path.is_relative_to(REPO)
        else str(config_path),
        "task": args.task,
        "variant": args.variant,
        "trials": args.trials,
        "scenarios": scenarios,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "sweep.md").write_text(_markdown(result))
    print(_markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
