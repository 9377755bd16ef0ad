"""TIMIT framewise phone classification (61 phones), the paper's first task (reference section 2).

Data: the DARPA TIMIT Acoustic-Phonetic Continuous Speech Corpus (Garofolo et al. 1993, LDC93S1),
licensed by the LDC, so never bundled: point the task at a copy with ``data_path`` or env var
``ODYSSEY_TIMIT``. Layout: ``TRAIN|TEST/DR1..DR8/<speaker>/<sentence>.WAV`` + ``.PHN`` (any letter
case). WAV files may be NIST SPHERE (the CD-ROM format, uncompressed 16-bit PCM) or RIFF WAVE
(:mod:`tasks.audio_io`).

Splits (reference sections 2 and 8; Halberstadt 1998, "Heterogeneous acoustic measurements and
multiple classifiers for speech recognition", PhD thesis, MIT), SA sentences dropped everywhere:

- train: every SI/SX utterance of TRAIN (462 speakers x 8 = 3696);
- valid: the 400 SI/SX utterances of the 50 development-set speakers of TEST
  (:data:`DEV_SPEAKERS`; Halberstadt's list as distributed in Kaldi ``egs/timit/s5/conf/
  dev_spk.list``); options ``dev_speakers`` replaces it;
- test: the core test set, 24 speakers (2 men and 1 woman per dialect region) x 8 = 192
  (:data:`CORE_TEST_SPEAKERS`; option ``core_test_speakers``).

Features (:mod:`tasks.audio_features`): 12 MFCC + energy, deltas and delta-deltas = 39 per 10 ms
frame, 25 ms Hamming window, pre-emphasis 0.97, 40 mel bands, FFT size ``n_fft`` (default 2048);
then z-scored with the per-feature mean and standard deviation over all frames of the training
split. Labels: the 61 TIMIT phones (not folded); a frame's label is the phone that covers most of
its 400 samples (a tie goes to the phone listed first in :data:`PHONES`; samples before the first
segment count as ``h#``). Only frames inside both the audio and the last PHN segment are kept.
Metric: framewise classification error (fraction of misclassified frames, every frame of the split
weighted equally); extra metric ``nll`` per frame. Network: bidirectional.

Cache: the unnormalised features and labels of all three splits in one ``.npz`` under
``<repo>/resources/timit/`` (or ``cache_dir``), named by a hash of the feature settings, the data
path and the speaker lists, with a content hash that is re-checked on load (atomic write).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tasks._common_real import load_cache, resources_dir, save_cache
from tasks.audio_features import n_frames, speech_features
from tasks.audio_io import AudioFormatError, read_audio
from tasks.base import SPLITS, DataError, Example, Task

__all__ = [
    "CORE_TEST_SPEAKERS",
    "DEV_SPEAKERS",
    "PHONES",
    "TimitTask",
    "Utterance",
    "find_utterances",
    "frame_labels",
    "read_phn",
    "select_splits",
    "utterance_arrays",
]

log = logging.getLogger(__name__)

PHONES: tuple[str, ...] = (
    "aa", "ae", "ah", "ao", "aw", "ax", "ax-h", "axr", "ay", "b", "bcl", "ch", "d", "dcl", "dh",
    "dx", "eh", "el", "em", "en", "eng", "epi", "er", "ey", "f", "g", "gcl", "h#", "hh", "hv", "ih",
    "ix", "iy", "jh", "k", "kcl", "l", "m", "n", "ng", "nx", "ow", "oy", "p", "pau", "pcl", "q",
    "r", "s", "sh", "t", "tcl", "th", "uh", "uw", "ux", "v", "w", "y", "z", "zh",
)  # fmt: skip
PHONE_INDEX = {p: i for i, p in enumerate(PHONES)}
SILENCE = PHONE_INDEX["h#"]

CORE_TEST_SPEAKERS: tuple[str, ...] = (
    "MDAB0", "MWBT0", "FELC0", "MTAS1", "MWEW0", "FPAS0", "MJMP0", "MLNT0", "FPKT0", "MLLL0",
    "MTLS0", "FJLM0", "MBPM0", "MKLT0", "FNLP0", "MCMJ0", "MJDH0", "FMGD0", "MGRT0", "MNJM0",
    "FDHC0", "MJLN0", "MPAM0", "FMLD0",
)  # fmt: skip
DEV_SPEAKERS: tuple[str, ...] = (
    "FAKS0", "FDAC1", "FJEM0", "MGWT0", "MJAR0", "MMDB1", "MMDM2", "MPDF0", "FCMH0", "FKMS0",
    "MBDG0", "MBWM0", "MCSH0", "FADG0", "FDMS0", "FEDW0", "MGJF0", "MGLB0", "MRTK0", "MTAA0",
    "MTDT0", "MTHC0", "MWJG0", "FNMR0", "FREW0", "FSEM0", "MBNS0", "MMJR0", "MDLS0", "MDLF0",
    "MDVC0", "MERS0", "FMAH0", "FDRW0", "MRCS0", "MRJM4", "FCAL1", "MMWH0", "FJSJ0", "MAJC0",
    "MJSW0", "MREB0", "FGJD0", "FJMG0", "MROA0", "MTEB0", "MJFC0", "MRJR0", "FMML0", "MRWS1",
)  # fmt: skip
EXPECTED_SIZES = {"train": 3696, "valid": 400, "test": 192}
ENV_VAR = "ODYSSEY_TIMIT"
FRAME_LEN, SHIFT, SAMPLE_RATE = 400, 160, 16000
CACHE_VERSION = 1
HOW_TO_GET = (
    f"TIMIT is licensed by the LDC (LDC93S1): pass data_path=<folder with TRAIN/ and TEST/> or set "
    f"{ENV_VAR}"
)


@dataclass(frozen=True)
class Utterance:
    """One TIMIT utterance: usage (TRAIN/TEST), dialect region, speaker, sentence, its files."""

    usage: str
    dialect: str
    speaker: str
    sentence: str
    audio: Path
    phn: Path

    @property
    def uid(self) -> str:
        """``TRAIN/DR1/FCJF0/SI1027``."""
        return f"{self.usage}/{self.dialect}/{self.speaker}/{self.sentence}"


def find_utterances(root: str | Path) -> list[Utterance]:
    """Every utterance under ``root`` with a PHN file and an audio file, sorted by uid."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"TIMIT folder {root} does not exist; {HOW_TO_GET}")
    out = []
    for phn in root.rglob("*"):
        if phn.suffix.lower() != ".phn" or not phn.is_file():
            continue
        audio = next(
            (phn.with_suffix(s) for s in (".WAV", ".wav") if phn.with_suffix(s).is_file()), None
        )
        if audio is None:
            raise DataError(f"audio file {phn.with_suffix('.WAV')} is missing; {HOW_TO_GET}")
        rel = phn.relative_to(root).parts
        if len(rel) < 4:
            raise DataError(f"{phn}: expected <TRAIN|TEST>/<DR>/<speaker>/<file>; {HOW_TO_GET}")
        usage, dialect, speaker = (p.upper() for p in rel[-4:-1])
        out.append(Utterance(usage, dialect, speaker, phn.stem.upper(), audio, phn))
    return sorted(out, key=lambda u: u.uid)


def select_splits(
    utterances: Sequence[Utterance],
    dev_speakers: Sequence[str] = DEV_SPEAKERS,
    core_test_speakers: Sequence[str] = CORE_TEST_SPEAKERS,
) -> dict[str, list[Utterance]]:
    """train = TRAIN without SA; valid / test = TEST utterances of the dev / core speakers.

    SA sentences are dropped from every split.
    """
    dev = {s.upper() for s in dev_speakers}
    core = {s.upper() for s in core_test_speakers}
    if dev & core:
        raise ValueError(f"speakers in both dev and core test lists: {sorted(dev & core)}")
    out: dict[str, list[Utterance]] = {s: [] for s in SPLITS}
    for u in utterances:
        if u.sentence.startswith("SA"):
            continue
        if u.usage == "TRAIN":
            out["train"].append(u)
        elif u.usage == "TEST" and u.speaker in dev:
            out["valid"].append(u)
        elif u.usage == "TEST" and u.speaker in core:
            out["test"].append(u)
    return out


def read_phn(path: str | Path) -> list[tuple[int, int, int]]:
    """PHN lines ``start end phone`` (sample indices) -> [(start, end, phone index)]."""
    segments = []
    for lineno, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3 or parts[2] not in PHONE_INDEX:
            raise DataError(f"{path}: line {lineno} is not '<start> <end> <one of 61 phones>'")
        start, end = int(parts[0]), int(parts[1])
        if end <= start:
            raise DataError(f"{path}: line {lineno} has end <= start")
        segments.append((start, end, PHONE_INDEX[parts[2]]))
    if not segments:
        raise DataError(f"{path}: no phone segments")
    return segments


def frame_labels(
    segments: Sequence[tuple[int, int, int]],
    count: int,
    frame_len: int = FRAME_LEN,
    shift: int = SHIFT,
) -> np.ndarray:
    """Majority phone of every frame: (count,) int64 (ties -> lower phone index).

    Frame i covers samples [i * shift, i * shift + frame_len). Samples not covered by a segment
    before the first one count as ``h#``; later gaps count as the phone of the preceding segment.
    """
    n_samples = (count - 1) * shift + frame_len if count > 0 else 0
    per_sample = np.full(n_samples, -1, dtype=np.int64)  # (N,), -1 = not covered
    for start, end, phone in segments:
        per_sample[start:end] = phone
    # each uncovered sample takes the phone of the last covered sample before it (h# if none)
    last = np.maximum.accumulate(np.where(per_sample >= 0, np.arange(n_samples), 0))  # (N,)
    per_sample = per_sample[last]
    per_sample[per_sample < 0] = SILENCE
    out = np.empty(count, dtype=np.int64)
    for i in range(count):
        window = per_sample[i * shift : i * shift + frame_len]  # (frame_len,)
        out[i] = np.bincount(window, minlength=len(PHONES)).argmax()
    return out


def utterance_arrays(utt: Utterance, **feature_options: Any) -> tuple[np.ndarray, np.ndarray]:
    """(features (F, 39) float32, labels (F,) int64) of one utterance, unnormalised."""
    try:
        audio = read_audio(utt.audio)
    except (AudioFormatError, OSError) as exc:
        raise DataError(f"audio file {utt.audio} is unreadable ({exc}); {HOW_TO_GET}") from exc
    if audio.sample_rate != SAMPLE_RATE:
        raise DataError(f"{utt.audio}: sample rate {audio.sample_rate}, expected {SAMPLE_RATE}")
    segments = read_phn(utt.phn)
    usable = min(len(audio.samples), max(e for _, e, _ in segments))
    count = n_frames(usable, FRAME_LEN, SHIFT)
    feats = speech_features(audio.samples[:usable], SAMPLE_RATE, **feature_options)  # (F, 39)
    assert feats.shape[0] == count
    return feats.astype(np.float32), frame_labels(segments, count)


class TimitTask(Task):
    """TIMIT framewise phone classification: 39 MFCC features, 61 phones; frame error rate.

    Options:
        data_path: the TIMIT root (holding TRAIN/ and TEST/); default env var ``ODYSSEY_TIMIT``.
        cache_dir: feature cache folder (default ``<repo>/resources/timit``).
        n_fft: FFT size (2048 as the authors' code; 512 is common elsewhere).
        energy: ``"log"`` (log frame energy) or ``"c0"`` (0-th cepstral coefficient).
        dev_speakers, core_test_speakers: speaker lists of the validation and test splits.
        expected_sizes: utterance counts to insist on (default 3696/400/192; None: no check).
    """

    name = "timit"
    description = "TIMIT framewise phone classification (61 phones), 39 MFCC features; error"
    input_size = 39
    output_size = len(PHONES)
    output_kind = "softmax"
    target_kind = "per_step"
    bidirectional = True
    metric_name = "error"
    metric_direction = "minimize"

    def __init__(
        self,
        *,
        data_path: str | Path | None = None,
        cache_dir: str | Path | None = None,
        n_fft: int = 2048,
        energy: str = "log",
        dev_speakers: Sequence[str] | None = None,
        core_test_speakers: Sequence[str] | None = None,
        expected_sizes: Mapping[str, int] | None = EXPECTED_SIZES,
    ) -> None:
        super().__init__()
        if energy not in ("log", "c0") or n_fft < FRAME_LEN:
            raise ValueError(f"timit: energy must be log or c0 and n_fft >= {FRAME_LEN}")
        env = os.environ.get(ENV_VAR)
        self.data_path = Path(data_path) if data_path is not None else (Path(env) if env else None)
        self.cache_dir = resources_dir("timit", cache_dir)
        self.feature_options: dict[str, Any] = {"n_fft": int(n_fft), "energy": energy}
        self.dev_speakers = tuple(s.upper() for s in (dev_speakers or DEV_SPEAKERS))
        self.core_test_speakers = tuple(
            s.upper() for s in (core_test_speakers or CORE_TEST_SPEAKERS)
        )
        self.expected_sizes = None if expected_sizes is None else dict(expected_sizes)
        self._data: dict[str, list[Example]] | None = None
        self.normalisation: dict[str, list[float]] = {}

    def cache_path(self) -> Path:
        """The cache file for these settings and this data path."""
        key = json.dumps(
            [
                CACHE_VERSION,
                self.feature_options,
                str(self.data_path.resolve()) if self.data_path else None,
                self.dev_speakers,
                self.core_test_speakers,
            ]
        )
        return self.cache_dir / f"timit-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"

    def _extract(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        if self.data_path is None:
            raise DataError(f"no TIMIT copy configured; {HOW_TO_GET}")
        splits = select_splits(
            find_utterances(self.data_path), self.dev_speakers, self.core_test_speakers
        )
        sizes = {s: len(v) for s, v in splits.items()}
        if self.expected_sizes is not None and sizes != self.expected_sizes:
            raise DataError(
                f"TIMIT at {self.data_path}: {sizes} utterances, expected {self.expected_sizes} "
                f"(incomplete copy?); {HOW_TO_GET}"
            )
        feats, labels, lengths, uids, split_ids = [], [], [], [], []
        start, done, total = time.monotonic(), 0, sum(sizes.values())
        for i, split in enumerate(SPLITS):
            for utt in splits[split]:
                x, y = utterance_arrays(utt, **self.feature_options)
                feats.append(x)
                labels.append(y)
                lengths.append(len(y))
                uids.append(utt.uid)
                split_ids.append(i)
                done += 1
                if done % 200 == 0 or done == total:
                    log.info(
                        "timit: %d/%d utterances (%.0f s)", done, total, time.monotonic() - start
                    )
        arrays = {
            "features": np.concatenate(feats, axis=0),  # (N, 39) float32, unnormalised
            "labels": np.concatenate(labels).astype(np.int8),  # (N,)
            "lengths": np.array(lengths, dtype=np.int64),  # (U,)
            "uids": np.array(uids, dtype=str),  # (U,)
            "split": np.array(split_ids, dtype=np.int8),  # (U,)
        }
        return arrays, {"sizes": sizes, "features": self.feature_options}

    def _load_arrays(self) -> dict[str, np.ndarray]:
        path = self.cache_path()
        cached = load_cache(path)
        if cached is not None:
            return cached[0]
        arrays, manifest = self._extract()
        save_cache(path, arrays, manifest)
        return arrays

    def _build_split(self, name: str) -> list[Example]:
        if self._data is None:
            arrays = self._load_arrays()
            offsets = np.concatenate([[0], np.cumsum(arrays["lengths"])])  # (U + 1,)
            feats = arrays["features"].astype(np.float64)  # (N, 39)
            labels = arrays["labels"].astype(np.int64)  # (N,)
            rows = [
                np.arange(offsets[u], offsets[u + 1]) for u in np.flatnonzero(arrays["split"] == 0)
            ]
            train_frames = feats[np.concatenate(rows)]  # (N_train, 39)
            mean, std = train_frames.mean(axis=0), train_frames.std(axis=0)
            std = np.where(std > 1e-8, std, 1.0)
            self.normalisation = {"mean": mean.tolist(), "std": std.tolist()}
            data: dict[str, list[Example]] = {s: [] for s in SPLITS}
            for u, s in enumerate(arrays["split"].tolist()):
                a, b = offsets[u], offsets[u + 1]
                x = ((feats[a:b] - mean) / std).astype(np.float32)  # (T, 39)
                data[SPLITS[s]].append(Example(x=x, y=labels[a:b]))
            self._data = data
        return self._data[name]
