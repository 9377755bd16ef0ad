"""Report subcommands of the ``odyssey`` command line: ``analyse``, ``report``, ``publish``,
``surrogate``, ``gradients``.

The engine's ``odyssey/cli.py`` calls :func:`register` with its ``argparse`` sub-parsers. Each
subcommand is a thin wrapper around one pipeline-facing function (docs/contracts.md):

- ``odyssey analyse --trials results/trials/adding.csv --out results/analysis/adding [--quick]``
  -> :func:`odyssey.analysis.analyse.analyse_task` (the statistics of the paper's Figs. 3-6, Greff
  et al. 2017 Sec. V);
- ``odyssey report --config config/config.yaml --analysis DIR [DIR ...] --gradients CSV --out PDF``
  -> :func:`odyssey.render.report.build_report`;
- ``odyssey publish --config config/jsb.yaml --out report/published/jsb``
  -> :func:`odyssey.render.published.publish_study` (a committed study's analysis and PDF);
- ``odyssey surrogate --dataset report/published/jsb/dataset``
  -> :func:`odyssey.benchmark.quality.measure` (the surrogate benchmark's held-out quality);
- ``odyssey gradients --config config/config.yaml --out results/gradients.csv``
  -> :func:`odyssey.training.gradients.run_probe`.

The heavy modules are imported inside the handlers so that ``odyssey --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _cmd_analyse(args: argparse.Namespace) -> int:
    """Run :func:`odyssey.analysis.analyse.analyse_task` on one trials table."""
    import pandas as pd

    from odyssey.analysis.analyse import analyse_task
    from odyssey.study.config import load
    from odyssey.study.questions import DEFAULT_REFERENCE, reference

    search_space, ref = None, DEFAULT_REFERENCE
    if args.config:
        task = str(pd.read_csv(args.trials, usecols=["task"], nrows=1)["task"].iloc[0])
        cfg = load(args.config)
        search_space = ((cfg.get("tasks") or {}).get(task) or {}).get("search_space")
        ref = reference(cfg)
    result = analyse_task(
        Path(args.trials),
        Path(args.out),
        quick=args.quick,
        search_space=search_space,
        reference=ref,
    )
    print(
        json.dumps(
            {
                "task": result.get("task"),
                "out": str(args.out),
                "trials": result.get("n_trials"),
                "variants": result.get("variants"),
            }
        )
    )
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    """Run :func:`odyssey.render.report.build_report` and print the PDF path."""
    from odyssey.render.report import build_report
    from odyssey.study.config import load
    from odyssey.study.locations import redacted_config

    cfg = redacted_config(load(args.config))  # the report prints the config: no passwords
    gradients = Path(args.gradients) if args.gradients else None
    pdf = build_report(cfg, [Path(p) for p in args.analysis], gradients, Path(args.out))
    print(pdf)
    return 0


def _cmd_publish(args: argparse.Namespace) -> int:
    """Run :func:`odyssey.render.published.publish_study` and print the PDF path."""
    from odyssey.render.published import publish_study
    from odyssey.study.config import load

    pdf = publish_study(load(args.config), Path(args.out))  # a ValueError: one line, exit 2
    print(pdf)
    return 0


def _cmd_surrogate(args: argparse.Namespace) -> int:
    """Measure :mod:`odyssey.benchmark`'s held-out quality; write it beside the dataset."""
    from odyssey.benchmark.quality import measure, render, write
    from odyssey.export.read import dataset_path, read_dataset

    found = dataset_path(args.dataset)
    frame = read_dataset(found)
    for task in args.task or sorted(set(frame["task"])):
        rows = frame[frame["task"] == task].reset_index(drop=True)
        if rows.empty:
            raise ValueError(f"{found} has no trials of task {task!r}")
        quality = measure(rows, folds=args.folds)
        print(f"{write(quality, found.parent)}\n{render(quality)}")
    return 0


def _cmd_gradients(args: argparse.Namespace) -> int:
    """Run :func:`odyssey.training.gradients.run_probe` and print the number of rows written."""
    from odyssey.study.config import load
    from odyssey.study.probe import ProbeSpec
    from odyssey.training.gradients import run_probe

    cfg = load(args.config)
    frame = run_probe(
        ProbeSpec.from_config(cfg),
        Path(args.out),
        device=cfg["device"],
        threads=cfg["threads_per_worker"],
    )
    print(json.dumps({"out": str(args.out), "rows": len(frame)}))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``analyse``, ``report`` and ``gradients`` subcommands to ``subparsers``.

    Each sub-parser sets ``func`` (called with the parsed namespace, returns an exit status).
    """
    p_analyse = subparsers.add_parser(
        "analyse",
        help="statistics of one collected trials table (box plots, Welch tests, fANOVA)",
        description="Analyse results/trials/{task}.csv: tables (CSV) and analysis.json in --out.",
    )
    p_analyse.add_argument("--trials", required=True, help="trials table CSV (docs/contracts.md)")
    p_analyse.add_argument("--out", required=True, help="output folder for tables and JSON")
    p_analyse.add_argument(
        "--quick", action="store_true", help="mark the analysis as a quick study (caveats)"
    )
    p_analyse.add_argument(
        "--config",
        default=None,
        help="optional config YAML: its search space of the task bounds the fANOVA",
    )
    p_analyse.set_defaults(func=_cmd_analyse)

    p_report = subparsers.add_parser(
        "report",
        help="render the PDF report from analysis folders and the gradient probe",
        description="Figures (SVG/PDF), tables and the typst PDF beside --out.",
    )
    p_report.add_argument("--config", required=True, help="the study's config YAML")
    p_report.add_argument(
        "--analysis", required=True, nargs="+", help="analysis folders written by `analyse`"
    )
    p_report.add_argument(
        "--gradients", default=None, help="gradient-probe CSV (optional; section omitted if absent)"
    )
    p_report.add_argument("--out", required=True, help="path of the PDF to write")
    p_report.set_defaults(func=_cmd_report)

    p_pub = subparsers.add_parser(
        "publish",
        help="regenerate a published study's analysis and PDF from its committed record",
        description="From OUT/trials/<task>.csv: OUT/analysis/<task>/ and OUT/report/odyssey.pdf "
        "(no training; the same record gives the same bytes).",
    )
    p_pub.add_argument("--config", required=True, help="the config that ran the study")
    p_pub.add_argument("--out", required=True, help="the published study's folder")
    p_pub.set_defaults(func=_cmd_publish)

    p_sur = subparsers.add_parser(
        "surrogate",
        help="held-out quality of the surrogate benchmark of an exported dataset",
        description="k-fold Spearman and MAE per model of odyssey.benchmark's surrogate; writes "
        "surrogate_<task>.json and .md beside the dataset (load() reads them).",
    )
    p_sur.add_argument("--dataset", required=True, help="folder or file written by `export`")
    p_sur.add_argument("--task", action="append", help="task (repeatable; default: every task)")
    p_sur.add_argument("--folds", type=int, default=5, help="cross-validation folds (5)")
    p_sur.set_defaults(func=_cmd_surrogate)

    p_grad = subparsers.add_parser(
        "gradients",
        help="vanishing-gradient probe and success rate against the lag",
        description="Gradient norms d loss(T) / d step T-k; success rate against the lag.",
    )
    p_grad.add_argument("--config", required=True, help="the study's config YAML")
    p_grad.add_argument("--out", required=True, help="CSV to write")
    p_grad.set_defaults(func=_cmd_gradients)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m odyssey.cli_report``) with only the report commands."""
    parser = argparse.ArgumentParser(prog="odyssey-report", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
