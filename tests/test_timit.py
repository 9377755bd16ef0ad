"""Tests of tasks/timit.py on a tiny TIMIT-layout corpus (synthetic tones + PHN files, SPHERE and
RIFF audio) built in tmp_path; the real corpus is licensed and never needed here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from test_audio_io import write_riff, write_sphere  # tests/ is on sys.path under pytest

import tasks
from tasks import timit
from tasks.base import DataError

# (usage, dialect, speaker, sentence, riff?) -- FAKS0 is a dev speaker, MDAB0 a core test one,
# MZZZ9 neither; SA sentences are dropped everywhere
LAYOUT = [
    ("TRAIN", "DR1", "FCJF0", "SI1027", False),
    ("TRAIN", "DR1", "FCJF0", "SX127", True),
    ("TRAIN", "DR2", "MAEB0", "SX450", False),
    ("TRAIN", "DR1", "FCJF0", "SA1", False),
    ("TEST", "DR1", "FAKS0", "SI943", True),
    ("TEST", "DR1", "FAKS0", "SA2", True),
    ("TEST", "DR1", "MDAB0", "SX139", False),
    ("TEST", "DR3", "MZZZ9", "SI100", False),
]
PHN = "0 3000 h#\n3000 6400 aa\n6400 8000 s\n8000 8400 h#\n"


def tone(seed: int, n: int = 8400) -> np.ndarray:
    """Three tones (one per phone segment) plus a little noise, int16."""
    t = np.arange(n) / 16000
    freq = np.where(t < 3000 / 16000, 300, np.where(t < 6400 / 16000, 800, 3000))
    noise = np.random.default_rng(seed).normal(size=n) * 50
    return (3000 * np.sin(2 * np.pi * freq * t) + noise).astype(np.int16)


def build_corpus(root: Path) -> Path:
    for i, (usage, dr, spk, sent, riff) in enumerate(LAYOUT):
        folder = root / usage / dr / spk
        folder.mkdir(parents=True, exist_ok=True)
        (write_riff if riff else write_sphere)(folder / f"{sent}.WAV", tone(i))
        (folder / f"{sent}.PHN").write_text(PHN)
    return root


def test_find_and_select(tmp_path: Path) -> None:
    utts = timit.find_utterances(build_corpus(tmp_path / "timit"))
    assert len(utts) == len(LAYOUT)
    splits = timit.select_splits(utts)
    assert [u.uid for u in splits["train"]] == [
        "TRAIN/DR1/FCJF0/SI1027",
        "TRAIN/DR1/FCJF0/SX127",
        "TRAIN/DR2/MAEB0/SX450",
    ]
    assert [u.uid for u in splits["valid"]] == ["TEST/DR1/FAKS0/SI943"]
    assert [u.uid for u in splits["test"]] == ["TEST/DR1/MDAB0/SX139"]
    custom = timit.select_splits(utts, dev_speakers=["mzzz9"], core_test_speakers=["FAKS0"])
    assert [u.speaker for u in custom["valid"]] == ["MZZZ9"]
    with pytest.raises(ValueError, match="both"):
        timit.select_splits(utts, dev_speakers=["FAKS0"], core_test_speakers=["FAKS0"])


def test_speaker_lists() -> None:
    assert len(timit.PHONES) == len(set(timit.PHONES)) == 61
    assert len(set(timit.CORE_TEST_SPEAKERS)) == 24 and len(set(timit.DEV_SPEAKERS)) == 50
    assert not set(timit.CORE_TEST_SPEAKERS) & set(timit.DEV_SPEAKERS)
    # the core test set has 2 men and 1 woman from each of the 8 dialect regions
    assert sum(s.startswith("F") for s in timit.CORE_TEST_SPEAKERS) == 8


def test_frame_labels_majority_rule() -> None:
    h, aa, s = (timit.PHONE_INDEX[p] for p in ("h#", "aa", "s"))
    segments = [(0, 3000, h), (3000, 6400, aa), (6400, 8000, s), (8000, 8400, h)]
    labels = timit.frame_labels(segments, 51)
    # frame 17 = samples [2720, 3120): 280 of h#, 120 of aa; frame 18 = [2880, 3280): 120 / 280
    assert labels[17] == h and labels[18] == aa
    # frame 38 = [6080, 6480): 320 aa, 80 s; frame 39 = [6240, 6640): 160 aa, 240 s
    assert labels[38] == aa and labels[39] == s
    assert labels[0] == h and labels[50] == h  # [8000, 8400)
    # a 200/200 tie goes to the phone listed first (aa before s)
    assert timit.frame_labels([(0, 200, s), (200, 400, aa)], 1).tolist() == [aa]
    # samples before the first segment are h#; a gap repeats the previous phone
    assert timit.frame_labels([(300, 400, s)], 1).tolist() == [h]
    assert timit.frame_labels([(0, 100, s), (300, 400, aa)], 1).tolist() == [s]


def test_read_phn_errors(tmp_path: Path) -> None:
    (tmp_path / "a.PHN").write_text("0 10 xx\n")
    with pytest.raises(DataError, match="61 phones"):
        timit.read_phn(tmp_path / "a.PHN")
    (tmp_path / "b.PHN").write_text("10 10 aa\n")
    with pytest.raises(DataError, match="end <= start"):
        timit.read_phn(tmp_path / "b.PHN")


def test_task_features_labels_cache_and_metric(tmp_path: Path) -> None:
    root = build_corpus(tmp_path / "timit")
    cache = tmp_path / "cache"
    task = tasks.get("timit", data_path=root, cache_dir=cache, expected_sizes=None)
    assert (task.input_size, task.output_size, task.bidirectional) == (39, 61, True)
    sizes = {s: len(task.split(s)) for s in ("train", "valid", "test")}
    assert sizes == {"train": 3, "valid": 1, "test": 1}
    ex = task.split("train")[0]
    assert ex.x.shape == (51, 39) and ex.x.dtype == np.float32  # 1 + (8400 - 400) // 160
    labels = timit.frame_labels(timit.read_phn(root / "TRAIN/DR1/FCJF0/SI1027.PHN"), 51)
    np.testing.assert_array_equal(ex.y, labels)
    train = np.concatenate([e.x for e in task.split("train")])  # z-scored with train statistics
    np.testing.assert_allclose(train.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(train.std(axis=0), 1.0, atol=1e-3)
    # features equal the direct computation, normalised with the training statistics
    utt = {u.uid: u for u in timit.find_utterances(root)}["TEST/DR1/FAKS0/SI943"]  # RIFF audio
    x, _ = timit.utterance_arrays(utt)
    mean, std = np.array(task.normalisation["mean"]), np.array(task.normalisation["std"])
    np.testing.assert_allclose(task.split("valid")[0].x, (x - mean) / std, rtol=1e-4, atol=1e-4)
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].suffix == ".npz"
    # a second task reads the cache (the corpus can be gone)
    for p in sorted(root.rglob("*.WAV")):
        p.unlink()
    again = timit.TimitTask(data_path=root, cache_dir=cache, expected_sizes=None)
    np.testing.assert_array_equal(again.split("test")[0].x, task.split("test")[0].x)
    # framewise error: right on the first 10 frames of the test utterance only
    batch = task.collate(task.split("test"))
    logits = torch.zeros(1, 51, 61)
    logits[0, torch.arange(10), batch.y[0, :10]] = 1.0
    logits[0, 10:, (batch.y[0, 10:] + 1) % 61] = 1.0
    num, den = task.score(logits, batch)["error"]
    assert (num, den) == (41.0, 51.0)


def test_absent_or_incomplete_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ODYSSEY_TIMIT", raising=False)
    with pytest.raises(DataError, match="LDC") as err:
        timit.TimitTask(cache_dir=tmp_path).split("train")
    assert "\n" not in str(err.value)
    root = build_corpus(tmp_path / "timit")
    with pytest.raises(DataError, match="expected"):  # default sizes 3696/400/192
        timit.TimitTask(data_path=root, cache_dir=tmp_path / "c").split("train")
    assert not (tmp_path / "c").exists() or not list((tmp_path / "c").iterdir())
    (root / "TRAIN/DR1/FCJF0/SX127.WAV").unlink()
    with pytest.raises(DataError, match="missing"):
        timit.find_utterances(root)
