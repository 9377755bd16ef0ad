"""Binary piano rolls over the 88 piano keys (MIDI 21..108), the representation of the
polyphonic music datasets of Boulanger-Lewandowski, Bengio & Vincent (ICML 2012), and the
next-step prediction task built on them (Greff et al. 2017, JSB Chorales; reference section 2).

A chorale is a list of time steps; each step lists the MIDI note numbers sounding at that step.
`steps_to_roll` turns that into a (time, 88) array with a 1 at column ``note - 21``.

Task: input frame t, target frame t + 1, so a chorale of L frames gives L - 1 predicted steps.
Sigmoid outputs (88 independent Bernoulli units); loss = the NLL of the next frame (binary
cross-entropy summed over the 88 units) summed over time, averaged over the sequences of a batch;
metric ``nll`` = total NLL / number of predicted steps over the whole split, in nats, so every time
step weighs the same (the Boulanger-Lewandowski convention, reference 6.4). Network: one
unidirectional layer (reference section 2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from tasks.base import SPLITS, Example, Task

__all__ = [
    "HIGHEST_NOTE",
    "LOWEST_NOTE",
    "N_KEYS",
    "PianoRollTask",
    "roll_to_steps",
    "steps_to_roll",
]

LOWEST_NOTE = 21  # A0, the lowest piano key
HIGHEST_NOTE = 108  # C8, the highest piano key
N_KEYS = HIGHEST_NOTE - LOWEST_NOTE + 1  # 88


def steps_to_roll(steps: Sequence[Iterable[float]]) -> np.ndarray:
    """Turn a list of time steps (each an iterable of MIDI numbers) into a piano roll.

    Note numbers may be ints or integral floats (the JSON export stores floats).

    Returns:
        uint8 array of shape (time, 88), 1 where the key sounds.

    Raises:
        ValueError: a note that is not an integer or lies outside MIDI 21..108.
    """
    roll = np.zeros((len(steps), N_KEYS), dtype=np.uint8)  # (time, 88)
    for t, step in enumerate(steps):
        for note in step:
            midi = int(round(float(note)))
            if midi != float(note) or not LOWEST_NOTE <= midi <= HIGHEST_NOTE:
                raise ValueError(f"step {t}: note {note!r} is not a MIDI key in 21..108")
            roll[t, midi - LOWEST_NOTE] = 1
    return roll


def roll_to_steps(roll: np.ndarray) -> list[list[int]]:
    """Inverse of `steps_to_roll`: (time, 88) array -> list of sorted MIDI numbers per step."""
    return [[int(k) + LOWEST_NOTE for k in np.flatnonzero(frame)] for frame in roll]


class PianoRollTask(Task):
    """Next-step prediction of binary piano-roll frames (88 sigmoid outputs, NLL per time step).

    Subclasses load their chorales in ``_load_rolls`` and return a dict split -> list of
    (L_i, 88) uint8 rolls; this class turns each roll into one example
    (x = frames 0..L-2, y = frames 1..L-1).
    """

    input_size = N_KEYS
    output_size = N_KEYS
    output_kind = "sigmoid"
    target_kind = "per_step"
    bidirectional = False
    predicts_next_step = True
    metric_name = "nll"
    metric_direction = "minimize"
    data_notes = (
        "Scored steps: frame t predicts frame t + 1, so a piece of L frames gives L - 1 scored "
        "steps; the first frame is never predicted (no input precedes it).",
    )

    def __init__(self) -> None:
        super().__init__()
        self._rolls: dict[str, list[np.ndarray]] | None = None

    def _load_rolls(self) -> Mapping[str, Sequence[np.ndarray]]:
        """The (L_i, 88) uint8 rolls of every split. Implemented by every piano-roll task."""
        raise NotImplementedError(f"{type(self).__name__} must implement _load_rolls")

    def rolls(self, split: str) -> list[np.ndarray]:
        """The (L_i, 88) uint8 piano rolls of a split (loaded once)."""
        if self._rolls is None:
            loaded = self._load_rolls()
            self._rolls = {s: list(loaded[s]) for s in SPLITS}
        return self._rolls[split]

    def _build_split(self, name: str) -> list[Example]:
        out = []
        for roll in self.rolls(name):
            if roll.shape[0] < 2:
                continue  # nothing to predict in a one-frame piece
            frames = roll.astype(np.float32)  # (L, 88)
            out.append(Example(x=frames[:-1], y=frames[1:]))  # (L-1, 88) each
        return out
