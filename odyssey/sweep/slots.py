"""The slots of a study: enqueued, claimed, finished, repaired (Greff et al. 2017, IV-D).

**Slots.** A study of ``n_trials`` trials has slots ``0 .. n_trials - 1`` (see
:mod:`odyssey.study.spec`). Every slot is enqueued as an Optuna WAITING trial with user attribute
``slot``; in the paper's mode with its parameters fixed, with ``tpe`` or ``qmc`` empty (the sampler
picks them when a worker claims it). The Optuna trial number equals the slot unless the slot had
to be run again; it is kept in the record and in MLflow.

**Exactly N.** Workers never create trials: they only claim WAITING slots (an atomic WAITING ->
RUNNING transition in the storage), so a study never gets more than ``n_trials`` finished trials,
however many workers run. A slot whose trial FAILED (its worker was killed or interrupted) is
enqueued again with the same parameters ("repair"); if two workers repair the same slot at once,
the claimer of a higher-numbered duplicate sees the lower one and fails its own copy.

**Finished** means COMPLETE or PRUNED; a diverged trial is COMPLETE with ``stop_reason:
diverged`` in its record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from odyssey.study.space import SPACE_KEYS
from odyssey.study.spec import StudySpec

FINISHED: tuple[TrialState, ...] = (TrialState.COMPLETE, TrialState.PRUNED)
LIVE: tuple[TrialState, ...] = (TrialState.WAITING, TrialState.RUNNING, *FINISHED)
MAX_ERRORS = 3
"""A slot whose trials raised this many errors is not run again (a kill does not count)."""
KILLS: tuple[str, ...] = ("stale heartbeat", "_Interrupted", "KeyboardInterrupt")
"""Fail reasons of trials that were stopped, not broken (they do not count as errors)."""


def slot_of(trial: FrozenTrial) -> int | None:
    """The slot a trial belongs to (None for a trial this project did not enqueue)."""
    value = trial.user_attrs.get("slot")
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def live_by_slot(trials: Sequence[FrozenTrial]) -> dict[int, list[FrozenTrial]]:
    """Slot -> its waiting, running and finished trials, by trial number."""
    out: dict[int, list[FrozenTrial]] = {}
    for trial in trials:
        slot = slot_of(trial)
        if slot is not None and trial.state in LIVE:
            out.setdefault(slot, []).append(trial)
    for group in out.values():
        group.sort(key=lambda t: t.number)
    return out


def finished_slots(trials: Sequence[FrozenTrial], n_trials: int) -> dict[int, FrozenTrial]:
    """Slot -> its finished trial, for slots below ``n_trials`` (the lowest number if several)."""
    out: dict[int, FrozenTrial] = {}
    for trial in sorted(trials, key=lambda t: t.number):
        slot = slot_of(trial)
        if slot is not None and slot < n_trials and trial.state in FINISHED and slot not in out:
            out[slot] = trial
    return out


def repair_params(spec: StudySpec, slot: int, trials: Sequence[FrozenTrial]) -> dict[str, Any]:
    """The parameters a slot is enqueued with again: its draw, or those its sampler chose."""
    if spec.sampler == "random":
        return spec.draw_params(slot)
    failed = [t for t in trials if slot_of(t) == slot and set(SPACE_KEYS) <= set(t.params)]
    return dict(max(failed, key=lambda t: t.number).params) if failed else {}


def slot_errors(trials: Sequence[FrozenTrial], slot: int) -> list[str]:
    """Why the slot's trials failed, for failures that are errors (not kills or interrupts)."""
    reasons = [
        str(t.user_attrs.get("fail_reason", "unknown error"))
        for t in trials
        if slot_of(t) == slot and t.state == TrialState.FAIL and "duplicate_of" not in t.user_attrs
    ]
    return [r for r in reasons if not r.startswith(KILLS)]


def repair_slots(study: optuna.Study, spec: StudySpec, trials: Sequence[FrozenTrial]) -> int:
    """Enqueue every slot below ``n_trials`` that has no live trial; return how many.

    A slot whose trials failed :data:`MAX_ERRORS` times with an error (not a kill) is not retried:
    a one-line ValueError names it and the last error.
    """
    live = live_by_slot(trials)
    added = 0
    for slot in range(spec.n_trials):
        if slot in live:
            continue
        errors = slot_errors(trials, slot)
        if len(errors) >= MAX_ERRORS:
            raise ValueError(
                f"study {spec.name!r} trial {slot} failed {len(errors)} times (last: "
                f"{errors[-1]}); fix the cause, then run the worker again"
            )
        study.enqueue_trial(repair_params(spec, slot, trials), user_attrs={"slot": slot})
        added += 1
    return added


def claim_slot(
    storage: BaseStorage, study: optuna.Study, spec: StudySpec, trials: Sequence[FrozenTrial]
) -> FrozenTrial | None:
    """Atomically take a WAITING slot (lowest slot first); None if there is none."""
    waiting = [
        t for t in trials if t.state == TrialState.WAITING and (slot_of(t) or 0) < spec.n_trials
    ]
    waiting = [t for t in waiting if slot_of(t) is not None]
    for trial in sorted(waiting, key=lambda t: (slot_of(t), t.number)):
        try:
            if not storage.set_trial_state_values(trial._trial_id, TrialState.RUNNING):
                continue
        except UpdateFinishedTrialError:
            continue
        now = study.get_trials(deepcopy=False)
        rivals = [
            t
            for t in now
            if slot_of(t) == slot_of(trial) and t.number < trial.number and t.state in LIVE
        ]
        if rivals:
            storage.set_trial_user_attr(trial._trial_id, "duplicate_of", rivals[0].number)
            storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
            continue
        return storage.get_trial(trial._trial_id)
    return None
