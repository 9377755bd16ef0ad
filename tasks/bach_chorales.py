"""Bach chorales from the music21 corpus: the JSB next-step task on data any machine has.

Reported as ``bach_chorales``, never as JSB: the source, the set of chorales and the split differ
from Boulanger-Lewandowski's JSB Chorales, so its NLL values are not comparable to the paper's.

Data: the Bach chorales that music21 bundles (``music21.corpus.chorales.Iterator``; music21 by
Cuthbert & Ariza 2010; the encodings come from the Riemenschneider edition via the music21
corpus). Preparation, once per cache (~45-75 s on one core; progress is logged):

1. the iterator's file names, deduplicated (371 entries -> 350 files), sorted;
2. each score is parsed; its key is estimated by music21's default key analysis
   (``score.analyze("key")``, Krumhansl-Schmuckler) and all notes are shifted by the nearest
   interval that moves the tonic to C (-6..+5 semitones), so major pieces land in C major and minor
   ones in C minor, as in JSB;
3. piano roll at quarter-note steps: frame k holds every pitch of every part (chords included)
   sounding at offset k quarters (onset <= k < onset + duration); grace notes (no duration) never
   sound; a piece has ceil(last note end) frames;
4. notes outside MIDI 21..108 after transposition are dropped and counted (none in music21
   10.5.1); pieces with identical rolls are kept once (the first in sorted order);
5. split by BWV number: the integer after ``bwv`` in the file name (``bach/bwv248.12-2`` -> 248),
   so every setting from one work lands in the same split. Bucket = first 8 bytes of
   SHA-256(``"bwv<number>"``) as a big-endian integer, modulo 100: < 60 train, < 80 valid, else
   test. A hash keeps each chorale's split fixed if the corpus gains or loses files.

The cache is one ``.npz`` file (``<repo>/resources/bach_chorales/bach_chorales.npz`` or
``cache_dir``) written by an atomic rename, so parallel preparations cannot leave a half-written
file; it holds the bit-packed frames, the per-chorale offsets, names, splits, key shifts, and a
JSON manifest with a SHA-256 content hash of the arrays, re-checked on every load. The cache is
rebuilt if the manifest's music21 version or preparation rule differ.

Task and metric: :mod:`tasks._pianoroll` (next frame, 88 sigmoid units, NLL per time step).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tasks._common_real import load_cache, resources_dir, save_cache
from tasks._pianoroll import HIGHEST_NOTE, LOWEST_NOTE, N_KEYS, PianoRollTask, steps_to_roll
from tasks.base import SPLITS, DataError

__all__ = [
    "BachChoralesTask",
    "build_cache",
    "bwv_number",
    "chorale_names",
    "score_to_steps",
    "split_of",
    "subset_names",
    "tonic_shift",
]

log = logging.getLogger(__name__)

RULE_VERSION = 1  # bump when the preparation rule changes: old caches are then rebuilt
HOW_TO_GET = "it is rebuilt from music21's bundled corpus (pip install music21==10.5.1)"


def chorale_names() -> list[str]:
    """The unique corpus names of music21's Bach chorales (e.g. ``bach/bwv269``), sorted."""
    from music21 import corpus

    return sorted(set(corpus.chorales.Iterator(returnType="filename")))


def bwv_number(name: str) -> int:
    """The BWV work number of a corpus name: ``bach/bwv248.12-2`` -> 248."""
    m = re.search(r"bwv(\d+)", name)
    if m is None:
        raise ValueError(f"no BWV number in chorale name {name!r}")
    return int(m.group(1))


def split_of(bwv: int) -> str:
    """The split of BWV work ``bwv`` (hash bucket modulo 100: <60 train, <80 valid, else test)."""
    digest = hashlib.sha256(f"bwv{bwv}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % 100
    return "train" if bucket < 60 else "valid" if bucket < 80 else "test"


def tonic_shift(tonic_pitch_class: int) -> int:
    """Semitones in -6..+5 that move a tonic of this pitch class (C = 0) to C."""
    return ((-tonic_pitch_class + 6) % 12) - 6


def score_to_steps(score: Any) -> tuple[list[list[int]], dict[str, Any]]:
    """Quarter-note piano-roll steps of a music21 score, transposed so the tonic is C.

    Returns:
        (steps, facts): steps = sorted MIDI numbers sounding at each quarter-note offset (all
        parts), facts = {"tonic", "mode", "shift", "out_of_range"} where out_of_range counts the
        (note, step) pairs outside 21..108 that were dropped.
    """
    key = score.analyze("key")
    shift = tonic_shift(key.tonic.pitchClass)
    spans: list[tuple[float, float, int]] = []
    for element in score.flatten().notes:  # Note and Chord objects of every part
        start = float(element.offset)
        end = start + float(element.duration.quarterLength)
        for pitch in element.pitches:
            spans.append((start, end, int(pitch.midi) + shift))
    n_steps = math.ceil(max((end for _, end, _ in spans), default=0.0))
    steps: list[set[int]] = [set() for _ in range(n_steps)]
    out_of_range = 0
    for start, end, midi in spans:
        for k in range(math.ceil(start), math.ceil(end)):  # start <= k < end
            if LOWEST_NOTE <= midi <= HIGHEST_NOTE:
                steps[k].add(midi)
            else:
                out_of_range += 1
    facts = {
        "tonic": key.tonic.name,
        "mode": key.mode,
        "shift": shift,
        "out_of_range": out_of_range,
    }
    return [sorted(s) for s in steps], facts


def subset_names(names: Sequence[str], n: int) -> list[str]:
    """``n`` chorales for a quick run, in the proportions of the split rule: the first
    ``max(1, round(0.2 n))`` validation and test chorales and the first ``n`` minus those
    training chorales, each in sorted name order (the split of every chorale is unchanged)."""
    by_split: dict[str, list[str]] = {s: [] for s in SPLITS}
    for name in sorted(names):
        by_split[split_of(bwv_number(name))].append(name)
    n_held = max(1, round(0.2 * n))
    counts = {"train": n - 2 * n_held, "valid": n_held, "test": n_held}
    return sorted(name for s in SPLITS for name in by_split[s][: counts[s]])


def _prepare_arrays(names: Sequence[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Parse, transpose, roll, dedupe and split the named chorales (the slow part)."""
    import music21
    from music21 import corpus

    rolls: list[np.ndarray] = []
    kept: list[str] = []
    shifts: list[int] = []
    modes: list[str] = []
    seen: dict[bytes, str] = {}
    duplicates: list[str] = []
    out_of_range = 0
    start = time.monotonic()
    for i, name in enumerate(names):
        steps, facts = score_to_steps(corpus.parse(name))
        out_of_range += facts["out_of_range"]
        roll = steps_to_roll(steps)  # (L, 88)
        fingerprint = hashlib.sha256(roll.tobytes()).digest()
        if fingerprint in seen:
            duplicates.append(f"{name}={seen[fingerprint]}")
        elif roll.shape[0] >= 2:
            seen[fingerprint] = name
            rolls.append(roll)
            kept.append(name)
            shifts.append(facts["shift"])
            modes.append(facts["mode"])
        if (i + 1) % 25 == 0 or i + 1 == len(names):
            log.info(
                "bach_chorales: parsed %d/%d chorales (%.0f s)",
                i + 1,
                len(names),
                time.monotonic() - start,
            )
    if out_of_range:
        log.warning("bach_chorales: dropped %d notes outside MIDI 21..108", out_of_range)
    lengths = np.array([r.shape[0] for r in rolls], dtype=np.int64)  # (n,)
    split = np.array([SPLITS.index(split_of(bwv_number(n))) for n in kept], dtype=np.int8)
    manifest = {
        "source": "music21.corpus.chorales.Iterator",
        "music21_version": music21.__version__,
        "rule_version": RULE_VERSION,
        "requested": len(names),
        "kept": len(kept),
        "duplicates_dropped": duplicates,
        "notes_out_of_range_dropped": out_of_range,
        "sizes": {s: int((split == i).sum()) for i, s in enumerate(SPLITS)},
        "frames": {s: int(lengths[split == i].sum()) for i, s in enumerate(SPLITS)},
        "prepare_seconds": round(time.monotonic() - start, 1),
    }
    arrays = {
        "frames_packed": np.packbits(np.concatenate(rolls, axis=0), axis=1),  # (N, 11) uint8
        "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),  # (n + 1,)
        "names": np.array(kept, dtype=str),  # (n,)
        "split": split,  # (n,) index into SPLITS
        "shift": np.array(shifts, dtype=np.int8),  # (n,) semitones applied
        "mode": np.array(modes, dtype=str),  # (n,) major / minor
    }
    return arrays, manifest


def build_cache(path: str | Path, names: Sequence[str] | None = None) -> Path:
    """Prepare the chorales (default: all of music21's) into the ``.npz`` cache at ``path``."""
    arrays, manifest = _prepare_arrays(chorale_names() if names is None else list(names))
    save_cache(path, arrays, manifest)
    log.info("bach_chorales: wrote %s", path)
    return Path(path)


def _read_cache(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """The cache's arrays and manifest if the file exists, is intact and current; else None."""
    import music21

    cached = load_cache(path)
    if cached is None:
        return None
    arrays, manifest = cached
    if (manifest.get("rule_version"), manifest.get("music21_version")) != (
        RULE_VERSION,
        music21.__version__,
    ):
        log.info("bach_chorales: cache %s is from another rule/music21 version; rebuilding", path)
        return None
    return arrays, manifest


class BachChoralesTask(PianoRollTask):
    """Bach chorales of music21, quarter-note piano roll in C, split by BWV (~60/20/20).

    Options:
        cache_dir: folder of the ``.npz`` cache (default ``<repo>/resources/bach_chorales``).
        max_chorales: use only N chorales (quick tests and smoke runs; see `subset_names`),
            cached in its own file ``bach_chorales-n<N>.npz``.
    """

    name = "bach_chorales"
    description = (
        "Bach chorales of music21 (not JSB): next quarter-note piano-roll frame in C, 88 sigmoid "
        "outputs, split by BWV; NLL per time step"
    )

    @classmethod
    def option_rules(cls) -> dict[str, dict[str, Any]]:
        """The options' rules (:meth:`tasks.base.Task.option_rules`) with this task's bounds."""
        return {
            **super().option_rules(),
            "max_chorales": {"type": ["integer", "null"], "minimum": 3},
        }

    def __init__(
        self, *, cache_dir: str | Path | None = None, max_chorales: int | None = None
    ) -> None:
        super().__init__()
        if max_chorales is not None and (
            isinstance(max_chorales, bool) or not isinstance(max_chorales, int) or max_chorales < 3
        ):
            raise ValueError(f"bach_chorales: max_chorales must be an int >= 3, got {max_chorales}")
        self.max_chorales = max_chorales
        folder = resources_dir("bach_chorales", cache_dir)
        stem = "bach_chorales" if max_chorales is None else f"bach_chorales-n{max_chorales}"
        self.cache_path = folder / f"{stem}.npz"
        self.manifest: dict[str, Any] = {}

    def prepare(self) -> Path:
        """Build the cache if it is missing, corrupt or stale; return its path."""
        if _read_cache(self.cache_path) is None:
            names = chorale_names()
            if self.max_chorales is not None:
                names = subset_names(names, self.max_chorales)
            build_cache(self.cache_path, names)
        return self.cache_path

    def _load_rolls(self) -> dict[str, list[np.ndarray]]:
        cached = _read_cache(self.cache_path)
        if cached is None:
            self.prepare()
            cached = _read_cache(self.cache_path)
            if cached is None:
                raise DataError(f"cache {self.cache_path} could not be built; {HOW_TO_GET}")
        arrays, self.manifest = cached
        frames = np.unpackbits(arrays["frames_packed"], axis=1, count=N_KEYS)  # (N, 88) uint8
        offsets = arrays["offsets"]
        out: dict[str, list[np.ndarray]] = {s: [] for s in SPLITS}
        for i, s in enumerate(arrays["split"].tolist()):
            out[SPLITS[s]].append(frames[offsets[i] : offsets[i + 1]])
        empty = [s for s in SPLITS if not out[s]]
        if empty:
            raise ValueError(
                f"bach_chorales: split(s) {', '.join(empty)} empty with max_chorales="
                f"{self.max_chorales}; use more chorales"
            )
        return out

    def info(self) -> dict[str, Any]:
        """Base info plus the preparation facts (music21 version, duplicates, dropped notes)."""
        out = super().info()
        out["preparation"] = {k: v for k, v in self.manifest.items() if k != "content_sha256"}
        return out
