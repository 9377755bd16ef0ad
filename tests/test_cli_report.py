"""Tests of odyssey.cli_report: the analyse / report / gradients subcommands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fixtures_trials import make_trials

from odyssey import cli_report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="odyssey")
    cli_report.register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_arguments_are_parsed() -> None:
    parser = _parser()
    args = parser.parse_args(["analyse", "--trials", "t.csv", "--out", "o", "--quick"])
    assert args.func is cli_report._cmd_analyse and args.quick
    args = parser.parse_args(
        [
            "report",
            "--config",
            "c.yaml",
            "--analysis",
            "a",
            "b",
            "--gradients",
            "g.csv",
            "--out",
            "r.pdf",
        ]
    )
    assert args.analysis == ["a", "b"] and args.func is cli_report._cmd_report
    args = parser.parse_args(["gradients", "--config", "c.yaml", "--out", "g.csv"])
    assert args.func is cli_report._cmd_gradients


def test_analyse_subcommand_runs(tmp_path: Path, capsys) -> None:
    make_trials(n=3, variants=("V", "NFG")).to_csv(tmp_path / "t.csv", index=False)
    status = cli_report.main(
        ["analyse", "--trials", str(tmp_path / "t.csv"), "--out", str(tmp_path / "o")]
    )
    assert status == 0
    assert json.loads(capsys.readouterr().out)["trials"] == 6
    assert (tmp_path / "o" / "analysis.json").is_file()


def test_surrogate_writes_the_quality_beside_the_dataset(tmp_path, capsys) -> None:
    from dataset_support import write_exported

    from odyssey.cli import main

    dataset = write_exported(tmp_path, n=10)
    assert main(["surrogate", "--dataset", str(dataset), "--folds", "2"]) == 0
    assert "| all | 20 |" in capsys.readouterr().out
    assert (dataset / "surrogate_adding.json").is_file()
    assert main(["surrogate", "--dataset", str(dataset), "--task", "timit"]) == 2
