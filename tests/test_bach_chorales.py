"""Tests of tasks/bach_chorales.py: the roll of a known chorale, transposition, the BWV split and
the cache (a few chorales only: parsing the whole corpus takes a minute)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("music21")

from music21 import chord, corpus, note, stream  # noqa: E402

from tasks import bach_chorales as bc  # noqa: E402
from tasks._pianoroll import roll_to_steps  # noqa: E402

PITCH_CLASS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def midi_of(name: str) -> int:
    """Hand conversion of a note name such as 'F#3' to MIDI (C4 = 60), independent of music21."""
    letter, rest = name[0], name[1:]
    accidental = rest.count("#") - rest.count("-")
    octave = int(rest.lstrip("#-"))
    return 12 * (octave + 1) + PITCH_CLASS[letter] + accidental


def test_known_chorale_bwv269() -> None:
    """BWV 269, G major. First four beats of the score (soprano, alto, tenor, bass):
    beat 0: G4 D4 B3 G2 | beat 1: G4 (half note, held) D4 B3 G3 | beat 2: G4 (held) E4 C4 (eighth,
    then B3) E3 | beat 3: D5 D4 A3 F#3. Transposed G -> C: up 5 semitones."""
    score = corpus.parse("bach/bwv269")
    firsts = [[n.nameWithOctave for n in p.flatten().notes[:5]] for p in score.parts]
    assert firsts[0][:3] == ["G4", "G4", "D5"]  # the excerpt really is the score's notes
    assert firsts[1][:4] == ["D4", "D4", "E4", "D4"]
    assert firsts[2][:5] == ["B3", "B3", "C4", "B3", "A3"]
    assert firsts[3][:4] == ["G2", "G3", "E3", "F#3"]
    beats = [
        ["G4", "D4", "B3", "G2"],
        ["G4", "D4", "B3", "G3"],
        ["G4", "E4", "C4", "E3"],
        ["D5", "D4", "A3", "F#3"],
    ]
    expected = [sorted(midi_of(n) + 5 for n in beat) for beat in beats]
    assert expected[0] == [48, 64, 67, 72]  # C3 E4 G4 C5
    steps, facts = bc.score_to_steps(score)
    assert (facts["tonic"], facts["mode"], facts["shift"]) == ("G", "major", 5)
    assert steps[:4] == expected
    assert len(steps) == 63  # the score lasts 63 quarter notes
    roll = bc.steps_to_roll(steps)
    assert roll_to_steps(roll[:4]) == expected


def _stream(chords: list[list[str]]) -> stream.Score:
    part = stream.Part()
    for names in chords:
        part.append(chord.Chord(names, quarterLength=1.0))
    score = stream.Score()
    score.insert(0, part)
    return score


def test_transposition_minor_major_and_range() -> None:
    a_minor = _stream([["A3", "C4", "E4"], ["E3", "G#3", "B3"], ["A3", "C4", "E4"]] * 3)
    steps, facts = bc.score_to_steps(a_minor)
    assert (facts["tonic"], facts["mode"], facts["shift"]) == ("A", "minor", 3)
    assert steps[0] == [60, 63, 67]  # A C E -> C Eb G
    d_major = _stream([["D4", "F#4", "A4"], ["G3", "B3", "D4"], ["A3", "C#4", "E4"]] * 3)
    steps, facts = bc.score_to_steps(d_major)
    assert (facts["tonic"], facts["mode"], facts["shift"]) == ("D", "major", -2)
    assert steps[0] == [60, 64, 67]
    low = _stream([["C4", "E4", "G4"], ["F3", "A3", "C4"], ["G3", "B3", "D4"]] * 3)
    low.parts[0].insert(0, note.Note("C0", quarterLength=2.0))  # MIDI 12: below the piano
    steps, facts = bc.score_to_steps(low)
    assert facts["shift"] == 0 and facts["out_of_range"] == 2  # two frames of C0 dropped
    assert steps[0] == [60, 64, 67]


def test_tonic_shift_all_pitch_classes() -> None:
    for pc in range(12):
        shift = bc.tonic_shift(pc)
        assert -6 <= shift <= 5 and (pc + shift) % 12 == 0


def test_bwv_split_rule() -> None:
    assert bc.bwv_number("bach/bwv248.12-2") == 248
    assert bc.bwv_number("bach/bwv145-a") == 145
    with pytest.raises(ValueError):
        bc.bwv_number("bach/chorale")
    names = bc.chorale_names()
    assert len(names) == len(set(names)) == 350  # 371 iterator entries, deduplicated
    splits = [bc.split_of(bc.bwv_number(n)) for n in names]
    fractions = {s: splits.count(s) / len(names) for s in ("train", "valid", "test")}
    assert 0.5 < fractions["train"] < 0.7
    assert 0.12 < fractions["valid"] < 0.28 and 0.12 < fractions["test"] < 0.28
    by_work: dict[int, set[str]] = {}
    for n, s in zip(names, splits, strict=True):
        by_work.setdefault(bc.bwv_number(n), set()).add(s)
    assert all(len(v) == 1 for v in by_work.values())  # one split per BWV work
    subset = bc.subset_names(names, 8)
    assert len(subset) == 8 and subset == sorted(subset)
    assert [bc.split_of(bc.bwv_number(n)) for n in subset].count("train") == 4


def test_cache_build_reload_and_repair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    task = bc.BachChoralesTask(cache_dir=tmp_path, max_chorales=10)
    info = task.info()
    assert task.cache_path == tmp_path / "bach_chorales-n10.npz"
    assert info["sizes"] == {"train": 6, "valid": 2, "test": 2}  # subset in split proportions
    assert info["preparation"]["music21_version"]
    assert [p.name for p in tmp_path.iterdir()] == ["bach_chorales-n10.npz"]  # no temp left
    rolls = {s: [r.copy() for r in task.rolls(s)] for s in ("train", "valid", "test")}
    ex = task.split("train")[0]
    np.testing.assert_array_equal(ex.x[1:], ex.y[:-1])  # y is x shifted by one frame

    def no_rebuild(*args, **kwargs):
        raise AssertionError("a valid cache must not be rebuilt")

    monkeypatch.setattr(bc, "build_cache", no_rebuild)
    again = bc.BachChoralesTask(cache_dir=tmp_path, max_chorales=10)
    for s, rs in rolls.items():
        assert all(np.array_equal(a, b) for a, b in zip(rs, again.rolls(s), strict=True))
    monkeypatch.undo()
    # corrupt the cache: it fails its content hash and is rebuilt, with the same content
    arrays = dict(np.load(task.cache_path))
    arrays["frames_packed"] = arrays["frames_packed"].copy()
    arrays["frames_packed"][0, 0] ^= 0xFF
    np.savez(task.cache_path, **arrays)
    repaired = bc.BachChoralesTask(cache_dir=tmp_path, max_chorales=10)
    assert np.array_equal(repaired.rolls("train")[0], rolls["train"][0])


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="max_chorales"):
        bc.BachChoralesTask(max_chorales=1)
