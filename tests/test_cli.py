"""Tests of odyssey.cli: every subcommand's help, listings, a trial, a sweep, one-line errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from engine_support import REPO, clean_env, odyssey_cmd, tiny_config, write_config

from odyssey.cli import build_parser, main

SUBCOMMANDS = ("variants", "tasks", "train", "init", "worker", "collect", "progress")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        odyssey_cmd(*args), capture_output=True, text=True, env=clean_env(), cwd=REPO, timeout=300
    )


def test_every_subcommand_has_help(capsys) -> None:
    parser = build_parser()
    choices = parser._subparsers._group_actions[0].choices  # the registered subcommands
    assert set(SUBCOMMANDS) <= set(choices)
    assert {"analyse", "report", "gradients"} <= set(choices)  # from odyssey.cli_report
    for name in SUBCOMMANDS:
        with pytest.raises(SystemExit) as info:
            main([name, "--help"])
        assert info.value.code == 0
        assert "usage: odyssey" in capsys.readouterr().out


def test_variants_and_tasks_listings(capsys) -> None:
    assert main(["variants"]) == 0
    out = capsys.readouterr().out
    assert "CIFG" in out and "4K + 3N + 9N^2" in out and "K = N(M + N + 1)" in out
    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    assert any(line.startswith("adding") and "mse (minimize)" in line for line in out.splitlines())


def test_train_prints_the_record_as_json(capsys) -> None:
    code = main(
        [
            "train",
            "--task",
            "adding",
            "--task-option",
            "lag=10",
            "--task-option",
            'sizes={"train": 16, "valid": 8, "test": 8}',
            "--variant",
            "NP",
            "--hidden-size",
            "6",
            "--learning-rate",
            "0.01",
            "--input-noise",
            "0.1",
            "--seed",
            "3",
            "--max-epochs",
            "2",
            "--compact",
        ]
    )
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert record["variant"] == "NP" and record["seed"] == 3 and record["epochs"] == 2
    assert record["params"]["hidden_size"] == 6 and record["budget"]["max_epochs"] == 2


def test_bad_input_is_one_line_with_status_2(capsys) -> None:
    def train(*args: str) -> list[str]:
        return ["train", "--hidden-size", "4", "--learning-rate", "0.1", *args]

    cases = [
        (train("--task", "adder", "--variant", "V"), "unknown task 'adder'"),
        (train("--task", "adding", "--variant", "VV"), "unknown variant 'VV'"),
        (train("--task", "adding", "--task-option", "lag", "--variant", "V"), "KEY=VALUE"),
        (["init", "--config", "/nonexistent/config.yaml"], "cannot read"),
    ]
    for argv, message in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("odyssey: error:") and message in err[0], err


@pytest.mark.slow
def test_init_worker_collect_progress(tmp_path: Path, capsys) -> None:
    cfg = tiny_config(tmp_path / "results", n_trials=2, tracking_uri="none")
    config = str(write_config(tmp_path / "config.yaml", cfg))
    for args in (
        ("init", "--config", config),
        ("worker", "--config", config, "--task", "adding", "--variant", "V"),
    ):
        done = _run(*args)  # python -m odyssey, as a pipeline job runs it
        assert done.returncode == 0, done.stderr
    # the worker ends with os._exit after flushing: its last log line still arrives
    assert "worker 0 ran 2 trial(s)" in done.stderr.splitlines()[-1]
    out = tmp_path / "trials" / "adding.csv"
    assert main(["collect", "--config", config, "--task", "adding", "--out", str(out)]) == 0
    assert json.loads(capsys.readouterr().out) == {"out": str(out), "rows": 2}
    assert len(pd.read_parquet(out.with_suffix(".parquet"))) == 2
    assert main(["progress", "--config", config, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["finished"] == 2 and rows[0]["n_trials"] == 2
    assert main(["progress", "--config", config]) == 0
    assert "total: 2/2 finished trials (100%)" in capsys.readouterr().out
    assert main(["worker", "--config", config, "--task", "adding", "--variant", "GRU"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("odyssey: error: variant 'GRU' is not in the config")
