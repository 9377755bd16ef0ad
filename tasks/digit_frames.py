"""Digit frames: a long-lag sequence task over images, for a CNN front end (CNN-LSTM).

Images: the 1797 8x8 handwritten digits that scikit-learn bundles (``sklearn.datasets.
load_digits``: the UCI "Optical Recognition of Handwritten Digits" test set, Alpaydin & Kaynak
1998), scaled from 0..16 to [0, 1]. A sequence has ``lag + 1`` frames, one image per step: the
first frame is a random image, the other ``lag`` frames are random distractor images; the target
(softmax over 10 classes, read at the last step) is the digit of the FIRST frame, so the network
must carry what the front end saw across ``lag`` frames.

Split by image: image i belongs to train if i % 5 in {0, 1, 2}, valid if i % 5 == 3, test if
i % 5 == 4 (1079 / 359 / 359 images; fixed, independent of the seed). Every frame of a split's
sequences comes from that split's images, so no test image is seen in training. Frames arrive
flattened (64 values, row-major); the suggested front end is ``"cnn"`` with frame_shape (1, 8, 8).

Metric: ``error`` (fraction of misclassified sequences, minimize).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from tasks.base import SPLITS, DataError, Example, GeneratedTask, check_int

SPLIT_OF_REMAINDER = {0: "train", 1: "train", 2: "train", 3: "valid", 4: "test"}


@lru_cache(maxsize=1)
def load_digit_images() -> tuple[np.ndarray, np.ndarray]:
    """All bundled digits: images (1797, 64) float32 in [0, 1] and labels (1797,) int64."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - scikit-learn is a pinned dependency
        raise DataError("digit_frames needs scikit-learn: pip install scikit-learn==1.9.1") from exc
    digits = load_digits()
    images = (np.asarray(digits.data, dtype=np.float32) / 16.0).reshape(-1, 64)  # (N, 64)
    return images, np.asarray(digits.target, dtype=np.int64)


def split_indices(name: str, n_images: int) -> np.ndarray:
    """Indices of the images of split ``name`` (by index modulo 5, see the module docstring)."""
    if name not in SPLITS:
        raise ValueError(f"unknown split {name!r}; use one of {', '.join(SPLITS)}")
    idx = np.arange(n_images)
    keep = np.array([SPLIT_OF_REMAINDER[i % 5] == name for i in idx])
    return idx[keep]


class DigitFramesTask(GeneratedTask):
    """Digit frames (CNN-LSTM): name the digit of the first of ``lag + 1`` 8x8 frames."""

    name = "digit_frames"
    description = "digit frames: digit of the first of lag+1 8x8 images (CNN front end); error"
    input_size = 64
    output_size = 10
    output_kind = "softmax"
    target_kind = "final"
    frontend = "cnn"
    frontend_options = {"frame_shape": (1, 8, 8)}
    frames = True
    metric_name = "error"
    metric_direction = "minimize"

    @classmethod
    def option_rules(cls) -> dict[str, dict[str, Any]]:
        """The options' rules (:meth:`tasks.base.Task.option_rules`) with this task's bounds."""
        return {**super().option_rules(), "lag": {"type": "integer", "minimum": 0}}

    def __init__(
        self,
        *,
        seed: int = 0,
        lag: int = 10,
        sizes: Mapping[str, int] | Sequence[int] | None = None,
    ) -> None:
        super().__init__(seed=seed, sizes=sizes)
        self.lag = check_int("digit_frames: lag", lag, 0)
        self.frontend_options = {"frame_shape": (1, 8, 8)}

    def _generate(self, rng: np.random.Generator, n: int, split: str) -> list[Example]:
        images, labels = load_digit_images()
        pool = split_indices(split, len(images))
        out = []
        for _ in range(n):
            frames = pool[rng.integers(0, len(pool), size=self.lag + 1)]  # (lag + 1,)
            out.append(
                Example(
                    x=images[frames],  # (lag + 1, 64)
                    y=np.array(labels[frames[0]], dtype=np.int64),
                    extra={"image_index": frames},
                )
            )
        return out
