"""The ``odyssey`` command line (also ``python -m odyssey``).

Subcommands: ``variants`` and ``tasks`` (list them), ``train`` (one trial, the record as JSON on
stdout), ``init`` (create the studies and the MLflow store of a config, once), ``worker`` (run
trials of one (task, variant) study), ``collect`` (write a task's trials table), ``export`` (a
study as a dataset, :mod:`odyssey.export`), ``progress``
(trial counts per study); the report's ``analyse``, ``report`` and ``gradients`` come from
:mod:`odyssey.cli_report`. Bad input ends with one line ``odyssey: error: ...`` and status 2; a
file that cannot be written (a full or read-only disk) with one such line naming it, status 1.
Heavy modules are imported inside the handlers so ``odyssey --help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from odyssey import cli_report
from odyssey.study.budget import LOSS_SCALES, OPTIMIZERS, PAPER_BUDGET

PROG = "odyssey"


def _setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("alembic", "mlflow", "urllib3", "sqlalchemy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
    except ImportError:  # pragma: no cover - optuna is a dependency
        pass


def _parse_option(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with VALUE read as JSON when it parses (numbers, lists, dicts), else text."""
    if "=" not in text:
        raise ValueError(f"--task-option {text!r} must look like KEY=VALUE, e.g. lag=50")
    key, value = text.split("=", 1)
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


# ---- handlers -----------------------------------------------------------------------------------


def _cmd_variants(args: argparse.Namespace) -> int:
    import variants

    infos = variants.describe()
    width = max(len(i.name) for i in infos)
    for info in infos:
        print(f"{info.name:<{width}}  {info.param_formula:<16}  {info.description}")
    print("K = N(M + N + 1); N hidden units, M inputs (per layer and direction)")
    return 0


def _cmd_tasks(args: argparse.Namespace) -> int:
    import tasks

    infos = tasks.describe()
    width = max(len(i.name) for i in infos)
    for info in infos:
        metric = f"{info.metric_name} ({info.direction})"
        print(f"{info.name:<{width}}  {metric:<22}  {info.description}")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    import tasks
    from odyssey.study.budget import Budget
    from odyssey.training.progress import Progress
    from odyssey.training.trial import train_trial

    options = dict(_parse_option(o) for o in args.task_option)
    task = tasks.get(args.task, **options)
    budget = Budget(
        batch_size=args.batch_size,
        max_epochs=args.max_epochs,
        patience=args.patience,
        time_limit_s=args.time_limit,
        optimizer=args.optimizer,
        clip_gradient=args.clip_gradient,
        loss_scale=args.loss_scale,
        init=args.init,
        amp=args.amp,
    )
    params = {
        "hidden_size": args.hidden_size,
        "learning_rate": args.learning_rate,
        "momentum": args.momentum,
        "input_noise": args.input_noise,
    }
    progress = Progress(prefix=f"{args.task}/{args.variant}", stream=sys.stderr)
    record = train_trial(
        task,
        args.variant,
        params,
        args.seed,
        budget,
        device=args.device,
        threads=args.threads,
        callback=lambda result: progress.epoch(f"seed {args.seed}", result),
    )
    progress.trial_done(f"seed {args.seed}", record)
    print(json.dumps(record.to_dict(), indent=None if args.compact else 2))
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from odyssey.study.config import load
    from odyssey.study.locations import Locations, redact
    from odyssey.study.servers import unreachable
    from odyssey.study.spec import specs_from_config
    from odyssey.sweep.studies import init_storage

    cfg = load(args.config)
    down = unreachable(cfg, os.environ)
    if down:
        raise ValueError(f"server not reachable: {down}")
    specs, where = specs_from_config(cfg), Locations.from_config(cfg)
    init_storage(specs, where)
    logging.getLogger("odyssey").info(
        "initialised %d studies in %s; tracking %s",
        len(specs),
        redact(where.storage_url),
        redact(where.tracking_uri) if where.tracking_uri else "off",
    )
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    from odyssey.study.config import load
    from odyssey.study.locations import Locations
    from odyssey.study.spec import StudySpec
    from odyssey.sweep.worker import run_worker

    cfg = load(args.config)
    ran = run_worker(
        StudySpec.from_config(cfg, args.task, args.variant),
        Locations.from_config(cfg),
        device=args.device if args.device is not None else cfg["device"],
        threads=args.threads if args.threads is not None else cfg["threads_per_worker"],
        max_trials=args.max_trials,
        worker_index=args.worker_index,
    )
    logging.getLogger("odyssey").info("worker %d ran %d trial(s)", args.worker_index, ran)
    args.exit_now = True  # all written: main may skip the interpreter's slow teardown
    return 0


def _cmd_collect(args: argparse.Namespace) -> int:
    from odyssey.study.config import load
    from odyssey.study.locations import Locations
    from odyssey.study.spec import task_specs
    from odyssey.sweep.collect import collect_task

    cfg = load(args.config)
    frame = collect_task(task_specs(cfg, args.task), Locations.from_config(cfg), args.out)
    print(json.dumps({"out": str(args.out), "rows": len(frame)}))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from odyssey.export.dataset import export_study
    from odyssey.export.read import read_metadata
    from odyssey.study.config import load
    from odyssey.study.locations import Locations
    from odyssey.study.spec import specs_from_config

    cfg = load(args.config)
    out = export_study(specs_from_config(cfg), Locations.from_config(cfg), args.out)
    rows = {task: entry["rows"] for task, entry in read_metadata(out)["tasks"].items()}
    print(json.dumps({"out": str(out), "rows": rows}))
    return 0


def _cmd_progress(args: argparse.Namespace) -> int:
    from odyssey.study.config import load
    from odyssey.study.locations import Locations
    from odyssey.study.spec import specs_from_config
    from odyssey.sweep.collect import progress

    cfg = load(args.config)
    frame = progress(specs_from_config(cfg), Locations.from_config(cfg))
    if args.json:
        print(frame.to_json(orient="records"))
        return 0
    if frame.empty:
        print("no studies in this config")
        return 0
    shown = frame[
        [
            "task",
            "variant",
            "finished",
            "n_trials",
            "running",
            "waiting",
            "failed",
            "diverged",
            "best_valid_metric",
        ]
    ]
    print(shown.to_string(index=False))
    total, goal = int(frame["finished"].sum()), int(frame["n_trials"].sum())
    print(f"total: {total}/{goal} finished trials ({100.0 * total / max(goal, 1):.0f}%)")
    return 0


# ---- parser -------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``odyssey`` with every subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="LSTM Odyssey: reproduce Greff et al. 2017 (variants, tasks, sweeps, report).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug log lines")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("variants", help="list the recurrent variants and parameter formulas")
    p.set_defaults(func=_cmd_variants)
    p = sub.add_parser("tasks", help="list the tasks with their metric and direction")
    p.set_defaults(func=_cmd_tasks)
    _add_train(sub)
    _add_sweep_commands(sub)
    cli_report.register(sub)
    return parser


def _add_train(sub: argparse._SubParsersAction) -> None:
    """``odyssey train``: one trial; the budget options default to the paper's budget."""
    p = sub.add_parser(
        "train",
        help="train one trial and print its record as JSON",
        description="Train one (task, variant, hyperparameters, seed) with the paper's setup "
        "(Greff et al. 2017, Sec. IV-B) unless told otherwise; the record goes to stdout as JSON, "
        "a live progress line to stderr when it is a terminal.",
    )
    paper = PAPER_BUDGET
    p.add_argument("--task", required=True, help="task name (see `odyssey tasks`)")
    p.add_argument(
        "--task-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="task option (repeatable), VALUE as JSON when it parses, e.g. lag=50",
    )
    p.add_argument("--variant", required=True, help="variant name (see `odyssey variants`)")
    p.add_argument("--hidden-size", type=int, required=True, help="cells per layer and direction")
    p.add_argument("--learning-rate", type=float, required=True, help="before the (1-mu) scaling")
    p.add_argument("--momentum", type=float, default=0.9, help="momentum mu (default 0.9)")
    p.add_argument("--input-noise", type=float, default=0.0, help="input noise std (default 0)")
    p.add_argument("--seed", type=int, default=0, help="trial seed (default 0)")
    p.add_argument(
        "--batch-size",
        type=int,
        default=paper.batch_size,
        help=f"sequences per update (paper: {paper.batch_size})",
    )
    p.add_argument(
        "--max-epochs",
        type=int,
        default=paper.max_epochs,
        help=f"epoch limit (paper: {paper.max_epochs})",
    )
    p.add_argument(
        "--patience",
        type=int,
        default=paper.patience,
        help=f"early-stopping patience (paper: {paper.patience})",
    )
    p.add_argument(
        "--time-limit", type=float, default=paper.time_limit_s, help="wall-clock limit in seconds"
    )
    p.add_argument(
        "--optimizer", default=paper.optimizer, choices=OPTIMIZERS, help="default: the paper's"
    )
    p.add_argument(
        "--clip-gradient", type=float, default=paper.clip_gradient, help="clip to [-c, c] (off)"
    )
    p.add_argument(
        "--loss-scale",
        default=paper.loss_scale,
        choices=LOSS_SCALES,
        help=f"paper: {paper.loss_scale}",
    )
    p.add_argument("--init", default=paper.init, help="weight init (paper: N(0, 0.1))")
    p.add_argument("--amp", action="store_true", help="bfloat16 autocast (CUDA only)")
    p.add_argument("--device", default="cpu", help="auto, cpu, cuda or cuda:N (default cpu)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    p.add_argument("--compact", action="store_true", help="JSON on one line")
    p.set_defaults(func=_cmd_train)


def add_config_command(
    sub: argparse._SubParsersAction, name: str, handler: Any, help_text: str, description: str
) -> argparse.ArgumentParser:
    """A subcommand that reads a study config (``--config``); its handler gets the namespace."""
    p = sub.add_parser(name, help=help_text, description=description)
    p.add_argument("--config", required=True, help="config YAML (see config/README.md)")
    p.set_defaults(func=handler)
    return p


def _add_sweep_commands(sub: argparse._SubParsersAction) -> None:
    """``init``, ``worker``, ``collect`` and ``progress``: a config's studies."""
    add_config_command(
        sub,
        "init",
        _cmd_init,
        "create every study and the MLflow store of a config (once, before workers)",
        "Create the Optuna studies (enqueue their trials) and the MLflow experiments and parent "
        "runs of a config. Safe to re-run; raising n_trials enqueues the new trials.",
    )
    p = add_config_command(
        sub,
        "worker",
        _cmd_worker,
        "run trials of one (task, variant) study until it has n_trials finished trials",
        "Claim and run trials of one study; any number of workers may share it.",
    )
    p.add_argument("--task", required=True, help="task of the study")
    p.add_argument("--variant", required=True, help="variant of the study")
    p.add_argument("--worker-index", type=int, default=0, help="picks the GPU on multi-GPU nodes")
    p.add_argument("--max-trials", type=int, default=None, help="stop after this many trials")
    p.add_argument("--device", default=None, help="override the config's device")
    p.add_argument("--threads", type=int, default=None, help="override threads_per_worker")
    p = add_config_command(
        sub,
        "collect",
        _cmd_collect,
        "write the trials table of one task (CSV and Parquet)",
        "One row per finished trial of every variant (docs/contracts.md).",
    )
    p.add_argument("--task", required=True, help="task to collect")
    p.add_argument("--out", required=True, help="CSV path; the Parquet file goes beside it")
    p = add_config_command(
        sub,
        "export",
        _cmd_export,
        "export every finished trial of a config's studies as a dataset (Parquet + data sheet)",
        "One row per finished trial with its curves, metrics, cost and provenance: "
        "OUT/trials.parquet and OUT/DATASHEET.md (schema in odyssey/export/schema.py).",
    )
    p.add_argument("--out", required=True, help="folder for trials.parquet and DATASHEET.md")
    p = add_config_command(
        sub,
        "progress",
        _cmd_progress,
        "finished, running, waiting and failed trials of every study of a config",
        "Trial counts by state, diverged trials and the best validation metric per study.",
    )
    p.add_argument("--json", action="store_true", help="print JSON records instead of a table")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``odyssey`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    try:
        code = int(args.func(args) or 0)
    except ValueError as exc:  # bad input: one line (ConfigError, DataError are ValueErrors)
        text = " ".join(str(exc).split()) or type(exc).__name__
        print(f"{PROG}: error: {text}", file=sys.stderr)
        return 2
    except OSError as exc:  # the disk: full, read-only, gone; one line naming the file
        where = f": {exc.filename}" if exc.filename else ""
        print(f"{PROG}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    if argv is None and getattr(args, "exit_now", False):
        # the process's own command line (console script, python -m odyssey), not a caller's
        # main([...]): a finished worker ends here without the interpreter's teardown
        from odyssey.fast_exit import exit_now

        exit_now(code)
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
