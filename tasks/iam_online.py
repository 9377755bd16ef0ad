"""IAM-OnDB online handwriting recognition with CTC, the paper's second task (reference section 2).

Data: the IAM On-Line Handwriting Database (Liwicki & Bunke 2005, "IAM-OnDB - an on-line English
sentence database acquired from handwritten text on a whiteboard", ICDAR), free after registration
at the FKI (University of Bern), so never bundled: point the task at a copy with ``data_path`` or
env var ``ODYSSEY_IAM_ONDB``. Layout:

- ``lineStrokes/a01/a01-000/a01-000u-01.xml``: one text line; ``<StrokeSet><Stroke ...>
  <Point x=".." y=".." time=".."/>...</Stroke>...</StrokeSet>``;
- ``ascii/a01/a01-000/a01-000u.txt``: the form's transcription; line NN of the section after the
  ``CSR:`` line belongs to ``a01-000u-NN.xml``;
- the task lists of the IAM-OnDB-t1 protocol, ``trainset.txt``, ``testset_v.txt``,
  ``testset_t.txt``, ``testset_f.txt`` (one form id per line, e.g. ``a01-000u``; an id without
  the writer letter matches all its forms), in ``data_path`` or the folder ``split_dir``.

Splits as in the paper: train = trainset; valid = testset_v + testset_t merged; test = testset_f;
board ``a08-551z`` is removed (a line of '%' characters with no strokes). Expected line counts
5355 / 2956 / 3859 (option ``expected_sizes``; None disables the check).

Inputs per point (4): Δx, Δy (change of pen position from the previous kept point; 0 at the first
point of a line), t (seconds since the start of the current stroke), pen-lift flag (1 at the last
point of a stroke, else 0). Subsampling to half: within each stroke the points 0, 2, 4, ... are
kept, plus always the stroke's last point, so no pen lift is lost. The paper names no input
normalisation (reference section 8); by default (``normalize=True``) each of the 4 inputs is
z-scored with the training split's statistics; ``normalize=False`` gives the raw values.

Targets: the transcription over the paper's 81 characters (a-z, A-Z, 0-9, space and
``! " # & ' ( ) * + , - . / [ ] : ; ?``), label k+1 for character k, 0 = CTC blank: 82 softmax
outputs. Other characters are dropped from the target and counted (``info()["dropped_chars"]``).
Loss: CTC; metric: character error rate (edit distance of the best-path decoding to the target,
summed over the split, divided by the summed target length). Network: bidirectional.

Cache: features and labels in one ``.npz`` under ``<repo>/resources/iam_online/`` (or
``cache_dir``), keyed by the data path, with a content hash checked on load (atomic write).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tasks._common_real import fit_standardizer, load_cache, resources_dir, save_cache
from tasks.base import SPLITS, DataError, Example, Task

__all__ = [
    "CHARACTERS",
    "IamOnlineTask",
    "encode_text",
    "line_features",
    "read_csr_lines",
    "read_strokes",
]

log = logging.getLogger(__name__)

CHARACTERS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 " + "!\"#&'()*+,-./[]:;?"
)
CHAR_INDEX = {c: i + 1 for i, c in enumerate(CHARACTERS)}  # 0 is the CTC blank
SPLIT_FILES = {"train": ("trainset.txt",), "valid": ("testset_v.txt", "testset_t.txt"),
               "test": ("testset_f.txt",)}  # fmt: skip
EXPECTED_SIZES = {"train": 5355, "valid": 2956, "test": 3859}
EXCLUDED_BOARDS = ("a08-551z",)
ENV_VAR = "ODYSSEY_IAM_ONDB"
CACHE_VERSION = 1
HOW_TO_GET = (
    "IAM-OnDB needs a registration at the FKI, University of Bern: pass data_path=<folder with "
    f"lineStrokes/, ascii/ and the t1 task lists> or set {ENV_VAR}"
)


def read_strokes(path: str | Path) -> list[np.ndarray]:
    """The strokes of a lineStrokes XML file: one (P, 3) float64 array [x, y, time] each."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise DataError(f"stroke file {path} is unreadable ({exc}); {HOW_TO_GET}") from exc
    strokes = []
    for stroke in root.iter("Stroke"):
        pts = [
            (float(p.get("x", "nan")), float(p.get("y", "nan")), float(p.get("time", "nan")))
            for p in stroke.iter("Point")
        ]
        if pts:
            strokes.append(np.array(pts, dtype=np.float64))  # (P, 3)
    if any(np.isnan(s).any() for s in strokes):
        raise DataError(f"stroke file {path} has a Point without x, y or time")
    return strokes


def line_features(strokes: Sequence[np.ndarray]) -> np.ndarray:
    """Subsampled per-point inputs [dx, dy, t since stroke start, pen lift]: (N, 4) float64."""
    rows = []
    for stroke in strokes:
        keep = list(range(0, len(stroke), 2))
        if keep[-1] != len(stroke) - 1:
            keep.append(len(stroke) - 1)  # always keep the stroke's last point (the pen lift)
        pts = stroke[keep]  # (K, 3)
        lift = np.zeros(len(keep))
        lift[-1] = 1.0
        rows.append(np.column_stack([pts[:, 0], pts[:, 1], pts[:, 2] - stroke[0, 2], lift]))
    if not rows:
        return np.zeros((0, 4))
    pts = np.concatenate(rows, axis=0)  # (N, 4): x, y, t, lift
    delta = np.diff(pts[:, :2], axis=0, prepend=pts[:1, :2])  # (N, 2), 0 at the first point
    return np.column_stack([delta, pts[:, 2:]])


def read_csr_lines(path: str | Path) -> list[str]:
    """The transcription lines after the ``CSR:`` line of an ascii file (blank lines skipped)."""
    try:
        text = Path(path).read_text(encoding="latin-1")
    except OSError as exc:
        raise DataError(f"transcription {path} is missing ({exc}); {HOW_TO_GET}") from exc
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "CSR:")
    except StopIteration:
        raise DataError(f"transcription {path} has no CSR: section; {HOW_TO_GET}") from None
    return [line.strip() for line in lines[start + 1 :] if line.strip()]


def encode_text(text: str) -> tuple[np.ndarray, int]:
    """Label sequence (L,) int64 over the 81 characters (blank = 0), and the dropped count."""
    labels = [CHAR_INDEX[c] for c in text if c in CHAR_INDEX]
    return np.array(labels, dtype=np.int64), len(text) - len(labels)


def _read_split_list(folder: Path, names: Sequence[str]) -> list[str]:
    ids: list[str] = []
    for name in names:
        path = folder / name
        if not path.is_file():
            raise DataError(f"task list {path} is missing (IAM-OnDB-t1 protocol); {HOW_TO_GET}")
        ids.extend(line.strip() for line in path.read_text().splitlines() if line.strip())
    return sorted(set(ids))


def _line_files(root: Path, form_id: str) -> list[Path]:
    """The lineStrokes files of a form id (or of every form of a board id without a letter)."""
    folder = root / "lineStrokes" / form_id[:3] / form_id[:7]
    pattern = re.compile(re.escape(form_id) + r"[a-z]?-\d+\.xml$")
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if pattern.match(p.name))


class IamOnlineTask(Task):
    """IAM-OnDB (t1 split): pen-trajectory lines to characters, CTC over 82 outputs; CER.

    Options:
        data_path: the IAM-OnDB root (lineStrokes/, ascii/); default env var ``ODYSSEY_IAM_ONDB``.
        split_dir: folder of the t1 task lists (default: data_path).
        cache_dir: cache folder (default ``<repo>/resources/iam_online``).
        normalize: z-score the 4 inputs with training statistics (default True).
        expected_sizes: line counts to insist on (default 5355/2956/3859; None: no check).
    """

    name = "iam_online"
    description = "IAM-OnDB online handwriting (t1 split): 4 pen features -> characters, CTC; CER"
    input_size = 4
    output_size = len(CHARACTERS) + 1  # 82
    output_kind = "ctc"
    target_kind = "per_step"
    bidirectional = True
    metric_name = "cer"
    metric_direction = "minimize"
    blank = 0

    def __init__(
        self,
        *,
        data_path: str | Path | None = None,
        split_dir: str | Path | None = None,
        cache_dir: str | Path | None = None,
        normalize: bool = True,
        expected_sizes: Mapping[str, int] | None = EXPECTED_SIZES,
    ) -> None:
        super().__init__()
        env = os.environ.get(ENV_VAR)
        self.data_path = Path(data_path) if data_path is not None else (Path(env) if env else None)
        self.split_dir = Path(split_dir) if split_dir is not None else self.data_path
        self.cache_dir = resources_dir("iam_online", cache_dir)
        self.normalize = bool(normalize)
        self.expected_sizes = None if expected_sizes is None else dict(expected_sizes)
        self._data: dict[str, list[Example]] | None = None
        self.normalisation: dict[str, list[float]] = {}
        self.manifest: dict[str, Any] = {}

    def cache_path(self) -> Path:
        """The cache file for this data path and split folder."""
        key = json.dumps(
            [CACHE_VERSION, str(self.data_path and self.data_path.resolve()), str(self.split_dir)]
        )
        return self.cache_dir / f"iam_online-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"

    def _extract(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        if self.data_path is None or self.split_dir is None:
            raise DataError(f"no IAM-OnDB copy configured; {HOW_TO_GET}")
        root = self.data_path
        feats, labels, n_points, n_labels, ids, split_ids = [], [], [], [], [], []
        dropped_chars, missing_lines = 0, 0
        start = time.monotonic()
        for si, split in enumerate(SPLITS):
            forms = _read_split_list(self.split_dir, SPLIT_FILES[split])
            forms = [f for f in forms if not any(f.startswith(b) for b in EXCLUDED_BOARDS)]
            for form_id in forms:
                files = _line_files(root, form_id)
                if not files:
                    raise DataError(f"no lineStrokes files for form {form_id}; {HOW_TO_GET}")
                transcripts: dict[str, list[str]] = {}
                for xml in files:
                    stem = xml.stem  # a01-000u-01
                    form, number = stem.rsplit("-", 1)
                    if form not in transcripts:
                        txt = root / "ascii" / form[:3] / form[:7] / f"{form}.txt"
                        transcripts[form] = read_csr_lines(txt)
                    lines = transcripts[form]
                    if int(number) > len(lines):
                        missing_lines += 1
                        continue
                    x = line_features(read_strokes(xml))  # (N, 4)
                    if len(x) == 0:
                        missing_lines += 1
                        continue
                    y, dropped = encode_text(lines[int(number) - 1])
                    dropped_chars += dropped
                    feats.append(x.astype(np.float32))
                    labels.append(y)
                    n_points.append(len(x))
                    n_labels.append(len(y))
                    ids.append(stem)
                    split_ids.append(si)
            log.info("iam_online: %s done (%.0f s)", split, time.monotonic() - start)
        if not feats:
            raise DataError(f"IAM-OnDB at {root}: no lines found for the task lists; {HOW_TO_GET}")
        split_arr = np.array(split_ids, dtype=np.int8)
        sizes = {s: int((split_arr == i).sum()) for i, s in enumerate(SPLITS)}
        if self.expected_sizes is not None and sizes != self.expected_sizes:
            raise DataError(
                f"IAM-OnDB at {root}: {sizes} lines, expected {self.expected_sizes} "
                f"(incomplete copy or other task lists?); {HOW_TO_GET}"
            )
        arrays = {
            "features": np.concatenate(feats, axis=0),  # (N, 4) float32, unnormalised
            "labels": np.concatenate(labels).astype(np.int8),  # (L_total,)
            "n_points": np.array(n_points, dtype=np.int64),  # (lines,)
            "n_labels": np.array(n_labels, dtype=np.int64),  # (lines,)
            "ids": np.array(ids, dtype=str),  # (lines,)
            "split": split_arr,  # (lines,)
        }
        manifest = {
            "sizes": sizes,
            "dropped_chars": dropped_chars,
            "lines_without_strokes_or_text": missing_lines,
        }
        return arrays, manifest

    def _load_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        path = self.cache_path()
        cached = load_cache(path)
        if cached is None:
            arrays, manifest = self._extract()
            cached = arrays, save_cache(path, arrays, manifest)
        return cached

    def _build_split(self, name: str) -> list[Example]:
        if self._data is None:
            arrays, self.manifest = self._load_arrays()
            p_off = np.concatenate([[0], np.cumsum(arrays["n_points"])])  # (lines + 1,)
            l_off = np.concatenate([[0], np.cumsum(arrays["n_labels"])])  # (lines + 1,)
            feats = arrays["features"].astype(np.float64)  # (N, 4)
            split = arrays["split"]
            seqs = [feats[p_off[i] : p_off[i + 1]] for i in range(len(split))]
            mean, std = np.zeros(4), np.ones(4)
            if self.normalize:
                mean, std = fit_standardizer(
                    [s for s, k in zip(seqs, split, strict=True) if k == 0]
                )
            self.normalisation = {"mean": mean.tolist(), "std": std.tolist()}
            data: dict[str, list[Example]] = {s: [] for s in SPLITS}
            labels = arrays["labels"].astype(np.int64)
            for i, k in enumerate(split.tolist()):
                x = ((seqs[i] - mean) / std).astype(np.float32)  # (T, 4)
                data[SPLITS[k]].append(Example(x=x, y=labels[l_off[i] : l_off[i + 1]]))
            self._data = data
        return self._data[name]

    def info(self) -> dict[str, Any]:
        """Base info plus the dropped characters and lines of the preparation."""
        out = super().info()
        out["dropped_chars"] = self.manifest.get("dropped_chars")
        out["lines_without_strokes_or_text"] = self.manifest.get("lines_without_strokes_or_text")
        return out
