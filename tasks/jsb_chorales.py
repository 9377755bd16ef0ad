"""JSB Chorales: next-step prediction of quarter-note piano rolls, the paper's third task.

Data: the 382 Bach chorales of Allan & Williams (2005) as prepared by Boulanger-Lewandowski,
Bengio & Vincent (ICML 2012, "Modeling temporal dependencies in high-dimensional sequences"):
one frame per quarter note, transposed to C major / C minor, notes MIDI 21..108, split
229 / 76 / 77 (train / valid / test), as used by Greff et al. (2017) (reference section 2, 6.4).

Accepted files (option ``data_path``, else env var ``ODYSSEY_JSB_CHORALES``, else the shared copy
``<shared data>/jsb_chorales/jsb-chorales-quarter.json``, else a pickle already downloaded into the
cache folder):

- the JSON export ``jsb-chorales-quarter.json`` (public repository czhuang/JSB-Chorales-dataset):
  ``{"train"|"valid"|"test": [[[midi, ...] per step] per chorale]}``; its SHA-256 is checked
  against :data:`JSON_SHA256`;
- the original pickle ``JSB Chorales.pickle`` (Boulanger-Lewandowski's page; the same dict with
  tuples of notes per step). Its SHA-256 is checked when known: pass ``sha256=`` (or set
  :data:`PICKLE_SHA256`); no digest of the original pickle could be observed offline, so by default
  only its structure (split sizes, note range) is verified. It is read with an unpickler that
  refuses every class reference, so a foreign pickle cannot run code.

``allow_download=True`` fetches the pickle from :data:`PICKLE_URL` into the cache folder
(``<repo>/resources/jsb_chorales/`` or ``cache_dir``) when no file is found. That path needs the
internet and is not exercised by the tests.

Task and metric: see :mod:`tasks._pianoroll` (input frame t, target frame t + 1; NLL per time step
in nats over the 88 sigmoid units; one unidirectional layer). The split has 13807 / 4602 / 4725
frames, so 13578 / 4526 / 4648 predicted steps.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from tasks._common_real import (
    download_file,
    resources_dir,
    restricted_pickle_load,
    shared_data_dir,
)
from tasks._pianoroll import PianoRollTask, steps_to_roll
from tasks.base import SPLITS, DataError, verify_sha256

__all__ = ["JSON_SHA256", "PICKLE_URL", "JsbChoralesTask", "load_jsb_rolls"]

log = logging.getLogger(__name__)

JSON_NAME = "jsb-chorales-quarter.json"
JSON_SHA256 = "2db9329f1881a1d3f49703ec556bf1d6f84b4f6c1d702c156536e93cf31e1c91"
PICKLE_NAME = "JSB Chorales.pickle"
PICKLE_URL = "http://www-etud.iro.umontreal.ca/~boulanni/JSB%20Chorales.pickle"
PICKLE_SHA256: str | None = None  # not observable offline; set it once the digest is known
SPLIT_SIZES = {"train": 229, "valid": 76, "test": 77}
FRAMES = {"train": 13807, "valid": 4602, "test": 4725}  # of the JSON export (data README)
ENV_VAR = "ODYSSEY_JSB_CHORALES"

HOW_TO_GET = (
    f"put {JSON_NAME} (czhuang/JSB-Chorales-dataset) or '{PICKLE_NAME}' (Boulanger-Lewandowski) "
    f"there, pass data_path=... or set {ENV_VAR}, or pass allow_download=True"
)


def _parse_splits(data: object, path: Path) -> dict[str, list[np.ndarray]]:
    """Check the dict of splits and turn every chorale into a (L, 88) roll."""
    if not isinstance(data, Mapping) or set(SPLITS) - set(data):
        raise DataError(f"data file {path} is not a dict with train/valid/test; {HOW_TO_GET}")
    rolls: dict[str, list[np.ndarray]] = {}
    for split in SPLITS:
        chorales = data[split]
        if not isinstance(chorales, Sequence) or len(chorales) != SPLIT_SIZES[split]:
            n = len(chorales) if isinstance(chorales, Sequence) else "?"
            raise DataError(
                f"data file {path}: split {split} has {n} chorales, expected "
                f"{SPLIT_SIZES[split]} (the 229/76/77 split); {HOW_TO_GET}"
            )
        try:
            rolls[split] = [steps_to_roll(chorale) for chorale in chorales]
        except (TypeError, ValueError) as exc:
            raise DataError(f"data file {path}: split {split}: {exc}; {HOW_TO_GET}") from exc
        frames = sum(r.shape[0] for r in rolls[split])
        if frames != FRAMES[split]:
            log.warning(
                "%s: split %s has %d frames, the JSON export has %d",
                path,
                split,
                frames,
                FRAMES[split],
            )
    return rolls


def load_jsb_rolls(path: str | Path, sha256: str | None = None) -> dict[str, list[np.ndarray]]:
    """Read and verify a JSB file (JSON export or original pickle) -> split -> (L, 88) rolls.

    ``sha256``: the expected digest; default: :data:`JSON_SHA256` for ``.json`` files,
    :data:`PICKLE_SHA256` (unknown: structure checks only) for pickles.

    Raises:
        DataError: file missing, wrong digest, unreadable, wrong split sizes or notes out of range.
    """
    p = Path(path)
    is_json = p.suffix.lower() == ".json"
    expected = sha256 if sha256 is not None else (JSON_SHA256 if is_json else PICKLE_SHA256)
    if expected is not None:
        verify_sha256(p, expected, HOW_TO_GET)
    elif not p.is_file():
        raise DataError(f"data file {p} is missing; {HOW_TO_GET}")
    if is_json:
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(f"data file {p} is unreadable as JSON ({exc}); {HOW_TO_GET}") from exc
    else:
        data = restricted_pickle_load(p, HOW_TO_GET)
    return _parse_splits(data, p)


class JsbChoralesTask(PianoRollTask):
    """JSB Chorales (229/76/77), next quarter-note frame over 88 keys; NLL per time step (nats).

    Options:
        data_path: a JSON export or the original pickle (default: see the module docstring).
        sha256: expected digest of that file (default: the known digest of its format, if any).
        allow_download: fetch the original pickle from :data:`PICKLE_URL` if no file is found.
        cache_dir: where a downloaded pickle goes (default ``<repo>/resources/jsb_chorales``).
    """

    name = "jsb_chorales"
    data_notes = (
        *PianoRollTask.data_notes,
        f"Data file verified on loading: the JSON export against its SHA-256 "
        f"({JSON_SHA256[:16]}...), the original pickle against a digest given with sha256=; split "
        f"sizes 229/76/77 chorales and 13807/4602/4725 frames (13578/4526/4648 scored steps) "
        f"checked.",
    )
    description = (
        "JSB Chorales (BL2012 split 229/76/77): next quarter-note piano-roll frame, 88 sigmoid "
        "outputs; NLL per time step"
    )

    def __init__(
        self,
        *,
        data_path: str | Path | None = None,
        sha256: str | None = None,
        allow_download: bool = False,
        cache_dir: str | Path | None = None,
    ) -> None:
        super().__init__()
        self.data_path = None if data_path is None else Path(data_path)
        self.sha256 = sha256
        self.allow_download = bool(allow_download)
        self.cache_dir = resources_dir("jsb_chorales", cache_dir)

    def locate(self) -> Path:
        """The file to read (downloading the pickle if allowed and nothing else is found)."""
        if self.data_path is not None:
            return self.data_path
        env = os.environ.get(ENV_VAR)
        if env:
            return Path(env)
        candidates = [
            shared_data_dir() / "jsb_chorales" / JSON_NAME,
            self.cache_dir / JSON_NAME,
            self.cache_dir / PICKLE_NAME,
        ]
        for c in candidates:
            if c.is_file():
                return c
        if self.allow_download:
            digest = self.sha256 if self.sha256 is not None else PICKLE_SHA256
            return download_file(PICKLE_URL, self.cache_dir / PICKLE_NAME, digest)
        raise DataError(f"JSB Chorales not found at {candidates[0]}; {HOW_TO_GET}")

    def _load_rolls(self) -> dict[str, list[np.ndarray]]:
        return load_jsb_rolls(self.locate(), self.sha256)
