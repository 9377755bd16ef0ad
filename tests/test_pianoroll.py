"""Tests of tasks/_pianoroll.py: roll conversion and the next-step example layout."""

from __future__ import annotations

import numpy as np
import pytest

from tasks._pianoroll import N_KEYS, PianoRollTask, roll_to_steps, steps_to_roll


def test_steps_roll_round_trip() -> None:
    steps = [[60.0, 64.0, 67.0], [], [21, 108]]
    roll = steps_to_roll(steps)
    assert roll.shape == (3, N_KEYS) == (3, 88) and roll.dtype == np.uint8
    assert np.flatnonzero(roll[0]).tolist() == [39, 43, 46]  # C4 = MIDI 60 -> column 39
    assert roll_to_steps(roll) == [[60, 64, 67], [], [21, 108]]
    for bad in ([[20]], [[109]], [[60.5]]):
        with pytest.raises(ValueError, match="21..108"):
            steps_to_roll(bad)


class _Toy(PianoRollTask):
    name = "toy_roll"

    def _load_rolls(self):
        rolls = [steps_to_roll([[60], [62], [64]]), steps_to_roll([[60]])]
        return {"train": rolls, "valid": rolls[:1], "test": rolls[:1]}


def test_examples_are_next_step_pairs() -> None:
    task = _Toy()
    train = task.split("train")
    assert len(train) == 1  # a one-frame piece has nothing to predict and is skipped
    assert roll_to_steps(train[0].x) == [[60], [62]]
    assert roll_to_steps(train[0].y) == [[62], [64]]
    assert train[0].x.dtype == np.float32
