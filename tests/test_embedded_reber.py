"""Tests of tasks/embedded_reber.py (H&S 1997 experiment 1)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

import tasks
from tasks.embedded_reber import SYMBOLS, make_embedded_reber_string, successor_sets

# The Reber grammar written independently as a regular expression (derived from the graph):
# node 1 -> T S* X (node 4) | P T* V (node 5); node 4 -> S | X T* V (node 5); node 5 -> V | P (4).
_INNER = r"B(?:(?:TS*X|PT*VP)(?:XT*VP)*(?:S|XT*VV)|PT*VV)E"
_EMBEDDED = re.compile(rf"B(?:T{_INNER}T|P{_INNER}P)E")


def _strings(task, split: str) -> list[str]:
    out = []
    for ex in task.split(split):
        out.append("".join(SYMBOLS[i] for i in ex.x.argmax(axis=1)))
    return out


def test_seeded_generation() -> None:
    a = tasks.get("embedded_reber", seed=4, sizes=(30, 5, 5))
    b = tasks.get("embedded_reber", seed=4, sizes=(30, 5, 5))
    c = tasks.get("embedded_reber", seed=5, sizes=(30, 5, 5))
    assert _strings(a, "train") == _strings(b, "train")
    assert _strings(a, "train") != _strings(c, "train")


def test_strings_accepted_by_grammar() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        s = "".join(make_embedded_reber_string(rng))
        assert _EMBEDDED.fullmatch(s), s
    assert _EMBEDDED.fullmatch("BTBTXSETE") and _EMBEDDED.fullmatch("BPBPVVEPE")
    assert not _EMBEDDED.fullmatch("BPBTXSETE")  # the branch symbol is not remembered
    assert not _EMBEDDED.fullmatch("BTBTSSETE")  # inner T S* must be followed by X
    seconds = {"".join(make_embedded_reber_string(rng))[1] for _ in range(50)}
    assert seconds == {"T", "P"}


def test_successor_sets_hand_checked() -> None:
    s = "BTBTXSETE"
    assert successor_sets(s) == [
        {"T", "P"},  # after B
        {"B"},  # after BT
        {"T", "P"},  # after BTB
        {"S", "X"},  # after BTBT
        {"X", "S"},  # after BTBTX
        {"E"},  # after BTBTXS
        {"T"},  # after ...E: the remembered branch
        {"E"},
    ]
    with pytest.raises(ValueError, match="not an embedded Reber"):
        successor_sets("BTBTXSEPE")


def test_targets_match_successor_sets_and_lengths() -> None:
    task = tasks.get("embedded_reber", sizes=(40, 5, 5))
    assert task.info()["sizes"] == {"train": 40, "valid": 5, "test": 5}
    for ex, s in zip(task.split("train"), _strings(task, "train"), strict=True):
        full = s + "E"  # inputs hold all but the final E
        assert _EMBEDDED.fullmatch(full)
        sets = [{SYMBOLS[i] for i in np.flatnonzero(row)} for row in ex.y]
        assert sets == successor_sets(full)


def test_string_accuracy_hand_made() -> None:
    task = tasks.get("embedded_reber", sizes=(3, 3, 3))
    batch = task.collate(task.split("test"))
    logits = torch.where(batch.y > 0.5, 4.0, -4.0)  # every step right
    logits[~batch.mask] = 4.0  # garbage at padding must not count
    scores = task.score(logits, batch)
    assert scores["string_accuracy"] == (3.0, 3.0)
    logits[1, 0] = -logits[1, 0]  # one wrong step in string 1
    scores = task.score(logits, batch)
    assert scores["string_accuracy"] == (2.0, 3.0)
    n_steps = float(batch.mask.sum())
    assert scores["step_accuracy"] == (n_steps - 1, n_steps)
    # BCE of a right step is 7 * softplus(-4); the wrong step costs 7 * softplus(4)
    expected = ((n_steps - 1) * 7 * math.log1p(math.exp(-4)) + 7 * math.log1p(math.exp(4))) / 3
    assert task.loss(logits, batch).item() == pytest.approx(expected, rel=1e-5)
