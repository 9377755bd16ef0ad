"""Bad input of every kind is refused at the door: one line naming the key and the fix, a non-zero
exit, and nothing left behind (no results folder, no Snakemake metadata).

Each row is what a new user might type. The doors: ``snakemake -n`` (planning; the cases that used
to pass it and fail inside a job), ``odyssey init`` (the config check plus the server check, fast),
and ``odyssey train`` (command-line flags and data files).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from engine_support import free_port, odyssey_cmd
from pipeline_support import REPO, SNAKEMAKE, environment

pytestmark = pytest.mark.slow

TRAIN = ["--variant", "V", "--hidden-size", "4", "--learning-rate", "0.01", "--max-epochs", "1"]
CLOSED = free_port()  # nothing listens there during the test


def adding(**entry: Any) -> dict[str, Any]:
    """A config of one adding-task study with ``entry`` merged into the task's entry."""
    return {"results_dir": "results", "variants": ["V"], "tasks": {"adding": entry}}


def space(**ranges: Any) -> dict[str, Any]:
    return adding(search_space=ranges)


# (id, door, config or flags, what the one line must hold)
CASES: list[tuple[str, str, Any, str]] = [
    # used to pass `snakemake -n` and fail at run time
    ("noise<0", "snakemake", space(input_noise={"low": -1.0}), "search_space.input_noise: low -1"),
    ("momentum<0", "snakemake", space(one_minus_momentum={"high": 5.0}), "set high <= 1"),
    (
        "lag<4",
        "snakemake",
        adding(options={"lag": -5}),
        "tasks.adding.options.lag: -5 must be >= 4",
    ),
    ("scheme", "snakemake", {**adding(), "storage": "postgress://u:pw@h/db"}, "unknown scheme"),
    (
        "no server",
        "snakemake",
        {**adding(), "storage": f"postgresql+psycopg2://u:pw@127.0.0.1:{CLOSED}/db"},
        "does not answer",
    ),
    # the config check
    ("lr=0", "init", space(learning_rate={"low": 0.0, "log": False}), "set low > 0"),
    ("momentum=1", "init", space(one_minus_momentum={"low": 0.0, "log": False}), "set low > 0"),
    ("low>high", "init", space(hidden_size={"low": 50, "high": 10}), "must be below high"),
    ("1e-4", "init", space(learning_rate={"low": "1e-4"}), "write 1.0e-4"),
    ("n_trial", "init", adding(n_trial=3), "did you mean 'n_trials'"),
    ("n_trials=0", "init", adding(n_trials=0), "tasks.adding.n_trials: 0 must be >= 1"),
    ("sizes", "init", adding(options={"sizes": {"train": 0}}), "options.sizes.train: 0 must be"),
    ("option", "init", adding(options={"lags": 5}), "did you mean 'lag'"),
    ("variant", "init", {**adding(), "variants": ["LSTM"]}, "variants[0]: unknown variant 'LSTM'"),
    ("task", "init", {"tasks": {"addin": {}}}, "unknown task 'addin'"),
    ("sampler", "init", {**adding(), "sweep": {"sampler": "grid"}}, "sweep.sampler: 'grid'"),
    ("tracking", "init", {**adding(), "tracking_uri": "htp://h:5000"}, "tracking_uri: unknown"),
    (
        "no mlflow",
        "init",
        {**adding(), "tracking_uri": f"http://127.0.0.1:{CLOSED}"},
        "tracking_uri: the server of http://127.0.0.1",
    ),
    (
        "data_path",
        "init",
        {"tasks": {"jsb_chorales": {"options": {"data_path": "nowhere.json"}}}},
        "'nowhere.json' does not exist",
    ),
    ("yaml", "init", "tasks: [adding\n", "is not valid YAML"),
    # flags and data files
    ("--momentum", "train", ["--task", "adding", *TRAIN, "--momentum", "1.5"], "[0, 1)"),
    ("--task-option", "train", ["--task", "adding", *TRAIN, "--task-option", "lag=-5"], "lag"),
    ("checksum", "train", "checksum", "has sha256"),
    ("shape", "train", "shape", "split train has 1 chorales, expected 229"),
]


def run_door(door: str, given: Any, folder: Path) -> subprocess.CompletedProcess[str]:
    """Run ``door`` on ``given`` in ``folder`` (stdout and stderr merged)."""
    env = {**environment(REPO), "PYTHONPATH": str(REPO)}
    if door == "train" and isinstance(given, str):
        data = folder / "jsb.json"
        data.write_text(json.dumps({"train": [[[60, 64]]], "valid": [], "test": []}))
        option = [f"data_path={data}"]
        if given == "shape":  # the checksum matches the file: its content is checked next
            option = [
                f"data_path={data}",
                f"sha256={hashlib.sha256(data.read_bytes()).hexdigest()}",
            ]
        given = ["--task", "jsb_chorales", *TRAIN]
        for item in option:
            given += ["--task-option", item]
    if door == "train":
        command = odyssey_cmd("train", *given)
    else:
        config = folder / "bad.yaml"
        config.write_text(given if isinstance(given, str) else yaml.safe_dump(given))
        if door == "init":
            command = odyssey_cmd("init", "--config", str(config))
        else:
            command = [
                str(SNAKEMAKE),
                "-n",
                "-s",
                str(REPO / "Snakefile"),
                "--configfile",
                "bad.yaml",
            ]
    return subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(
    ("door", "given", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_one_line_a_failure_and_leaves_nothing(
    door: str, given: Any, expected: str, tmp_path: Path
) -> None:
    before = set(os.listdir(tmp_path))
    done = run_door(door, given, tmp_path)
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert done.returncode != 0
    assert len(lines) == 1, lines
    assert expected in lines[0], lines[0]
    assert "pw@" not in lines[0]  # a password never reaches the message
    left = set(os.listdir(tmp_path)) - before - {"bad.yaml", "jsb.json"}
    assert not left, left


def test_the_table_holds_at_least_twenty_cases() -> None:
    assert len(CASES) >= 20
