"""Tests of odyssey.sweep.heartbeat: heartbeats beside a journal file and in a database."""

from __future__ import annotations

import time
from pathlib import Path

import optuna

from odyssey.study.locations import default_storage_url
from odyssey.sweep.heartbeat import Liveness
from odyssey.sweep.storage import open_storage


def test_heartbeats_beside_a_journal_and_in_a_database(tmp_path: Path) -> None:
    for url in (default_storage_url(tmp_path), f"sqlite:///{tmp_path / 'optuna.db'}"):
        storage = open_storage(url, create=True)
        study = optuna.create_study(storage=storage, study_name="s")
        trial = study.ask()
        liveness = Liveness(storage, url)
        frozen = storage.get_trial(trial._trial_id)
        started = frozen.datetime_start.timestamp()
        assert liveness.last(frozen) == started  # no beat yet: its start counts
        time.sleep(0.05)
        assert liveness.beat(trial._trial_id)
        beat = liveness.last(storage.get_trial(trial._trial_id))
        assert beat > started and abs(beat - time.time()) < 5
        if liveness.folder is not None:
            assert Path(f"{url}.heartbeats", f"trial-{trial._trial_id}").exists()
            assert storage.get_trial(trial._trial_id).system_attrs == {}  # journal untouched
        liveness.clear(trial._trial_id)
        study.tell(trial, 1.0)
        if liveness.folder is None:
            assert not liveness.beat(trial._trial_id)  # finished: the beating stops
