"""Tests of odyssey.sweep.slots: a slot that keeps raising is not retried forever."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from engine_support import (
    TINY_TASK,
)
from optuna.trial import TrialState

from odyssey.study.locations import Locations, default_storage_url
from odyssey.study.spec import StudySpec
from odyssey.sweep.slots import repair_slots
from odyssey.sweep.storage import open_storage
from odyssey.sweep.studies import init_storage


def test_a_slot_that_keeps_raising_is_not_retried_forever(tmp_path: Path) -> None:
    spec = StudySpec("adding", dict(TINY_TASK), "V", 2, {}, budget={"max_epochs": 1})
    url = default_storage_url(tmp_path)
    init_storage([spec], Locations(url))
    storage = open_storage(url)
    study = optuna.load_study(study_name=spec.name, storage=storage)
    reasons = [
        "stale heartbeat",
        "_Interrupted: signal 15",
        "RuntimeError: boom 1",
        "RuntimeError: boom 2",
        "RuntimeError: boom 3",
    ]
    for attempt, reason in enumerate(reasons):
        if attempt:  # kills and interrupts do not count: slot 0 is enqueued again
            assert repair_slots(study, spec, study.get_trials()) == 1
        waiting = [t for t in study.get_trials() if t.state == TrialState.WAITING]
        slot0 = next(t for t in waiting if t.user_attrs["slot"] == 0)
        storage.set_trial_state_values(slot0._trial_id, TrialState.RUNNING)
        storage.set_trial_user_attr(slot0._trial_id, "fail_reason", reason)
        storage.set_trial_state_values(slot0._trial_id, TrialState.FAIL)
    with pytest.raises(ValueError, match=r"trial 0 failed 3 times \(last: RuntimeError: boom 3\)"):
        repair_slots(study, spec, study.get_trials())
