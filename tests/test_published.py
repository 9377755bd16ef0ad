"""Tests of odyssey.render.published and of the committed JSB study (report/published/jsb/), and
of the seed study (report/published/seed/) once it is committed.

The published study regenerates byte for byte from its committed trials table, and two of its
trials, re-run from their recorded hyperparameters and seed, retrace their recorded validation
curve (the record is what the code computes, not a copy of numbers from elsewhere).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import optuna
import pandas as pd
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

import tasks
from odyssey.render.published import publish_study, trials_table
from odyssey.study.budget import Budget
from odyssey.study.config import load
from odyssey.training.trial import train_trial

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "config" / "jsb.yaml"
PUBLISHED = REPO / "report" / "published" / "jsb"
TASK = "jsb_chorales"


@pytest.mark.slow
def test_committed_jsb_study_regenerates_byte_for_byte(tmp_path: Path) -> None:
    folder = tmp_path / "jsb"
    shutil.copytree(PUBLISHED / "trials", folder / "trials")
    pdf = publish_study(load(CONFIG), folder)
    assert pdf.read_bytes() == (PUBLISHED / "report" / "odyssey.pdf").read_bytes()
    for name in ("variants_all.csv", "variants_top10.csv", "fanova_shares.csv"):
        got = (folder / "analysis" / TASK / name).read_bytes()
        assert got == (PUBLISHED / "analysis" / TASK / name).read_bytes(), name
    got, want = (
        json.loads((f / "analysis" / TASK / "analysis.json").read_text())
        for f in (
            folder,
            PUBLISHED,
        )
    )
    assert got.pop("trials_csv") != want.pop("trials_csv")  # where each run read its table
    assert got == want


SEED = REPO / "report" / "published" / "seed"


@pytest.mark.slow
@pytest.mark.skipif(
    not (SEED / "report" / "odyssey.pdf").is_file(),
    reason="the seed study is not published yet (config/seed.yaml, README: the seed study)",
)
def test_committed_seed_study_regenerates_byte_for_byte(tmp_path: Path) -> None:
    """The seed study (several tasks, a models axis, questions) regenerates like the JSB study."""
    folder = tmp_path / "seed"
    shutil.copytree(SEED / "trials", folder / "trials")
    shutil.copytree(SEED / "gradients", folder / "gradients")  # the long-lag probe's table
    cfg = load(REPO / "config" / "seed.yaml")
    pdf = publish_study(cfg, folder)
    assert pdf.read_bytes() == (SEED / "report" / "odyssey.pdf").read_bytes()
    tables = sorted(p.relative_to(SEED).as_posix() for p in (SEED / "report").rglob("*.csv"))
    assert "report/tables/answers.csv" in tables and len(tables) > 1
    for name in [f"analysis/{task}/variants_all.csv" for task in cfg["tasks"]] + tables:
        assert (folder / name).read_bytes() == (SEED / name).read_bytes(), name


def test_publish_without_a_trials_table_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"trials/jsb_chorales\.csv is missing: collect it"):
        publish_study(load(CONFIG), tmp_path)


def test_publish_of_a_probe_without_its_table_says_what_to_run(tmp_path: Path) -> None:
    """An enabled long-lag probe is part of the record: no table, no PDF, one line."""
    cfg = load(CONFIG)
    cfg["gradients"] = {**cfg["gradients"], "enabled": True}
    shutil.copytree(REPO / "report" / "published" / "jsb" / "trials", tmp_path / "trials")
    with pytest.raises(
        ValueError, match=r"gradients/gradients\.csv is missing: .*odyssey gradients"
    ):
        publish_study(cfg, tmp_path)


def test_committed_trials_table_is_the_journal(tmp_path: Path) -> None:
    """Every finished trial of the journal is a row of the table, with its recorded values."""
    table = pd.read_csv(trials_table(PUBLISHED, TASK))
    storage = JournalStorage(JournalFileBackend(str(PUBLISHED / "journal.log")))
    finished = 0
    for summary in optuna.get_all_study_summaries(storage):
        variant = summary.study_name.rsplit(".", 1)[-1]
        study = optuna.load_study(study_name=summary.study_name, storage=storage)
        for trial in study.get_trials(states=[optuna.trial.TrialState.COMPLETE]):
            slot = trial.user_attrs["slot"]  # the table's "trial": the slot of the paper's draw
            row = table[(table["variant"] == variant) & (table["trial"] == slot)]
            assert len(row) == 1, (variant, slot)
            record = trial.user_attrs["record"]
            assert row["test_metric"].item() == pytest.approx(record["test_metric"], rel=1e-12)
            finished += 1
    assert finished == int((table["state"] == "COMPLETE").sum()) > 0


def _jsb_or_skip() -> tasks.Task:
    task = tasks.get(TASK)
    try:
        task.locate()
    except tasks.DataError as err:
        pytest.skip(f"JSB Chorales data absent ({err}); ../shared/data or $ODYSSEY_JSB_CHORALES")
    return task


def _recorded(variant: str, slot: int) -> dict:
    """The journal's record of the finished trial in ``slot`` of the variant's study."""
    storage = JournalStorage(JournalFileBackend(str(PUBLISHED / "journal.log")))
    study = optuna.load_study(study_name=f"jsb.{TASK}.{variant}", storage=storage)
    (trial,) = [
        t
        for t in study.get_trials(states=[optuna.trial.TrialState.COMPLETE])
        if t.user_attrs["slot"] == slot
    ]
    return trial.user_attrs["record"]


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["V", "NP"])
def test_committed_trial_replays_its_first_epochs(variant: str) -> None:
    """The first finished trial of V and of NP, re-run for 2 epochs from the table's recorded
    hyperparameters and seed with the config's budget, gives the recorded validation curve."""
    task = _jsb_or_skip()
    table = pd.read_csv(trials_table(PUBLISHED, TASK))
    done = table[(table["variant"] == variant) & (table["state"] == "COMPLETE")]
    row = done.sort_values("trial").iloc[0]
    record = _recorded(variant, int(row["trial"]))
    params = {k: row[k].item() for k in ("hidden_size", "learning_rate", "momentum", "input_noise")}
    budget = Budget.from_dict({**record["budget"], "max_epochs": 2})
    replay = train_trial(task, variant, params, int(row["seed"]), budget, threads=1)
    want = record["curves"]["valid_metric"][:3]  # epoch 0 (untrained), 1, 2
    assert replay.curves["valid_metric"] == pytest.approx(want, rel=1e-6)
