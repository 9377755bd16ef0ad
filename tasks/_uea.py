"""Sequence classification on a UEA/UCR archive problem read from `.ts` files.

Archives: the UEA & UCR Time Series Classification Repository (https://timeseriesclassification.com;
Dau et al. 2019, "The UCR time series archive", IEEE/CAA J. Autom. Sinica 6(6):1293-1305;
Bagnall et al. 2018, "The UEA multivariate time series classification archive", arXiv 1811.00075).
The files come from the aeon wheel (:mod:`tasks._aeon`) unless ``data_dir`` names a folder holding
``<Problem>_TRAIN.ts`` and ``<Problem>_TEST.ts``.

Splits (deterministic): test = the archive's test set. Validation = a stratified part of the
archive's train set: for every class, its training cases in file order are shuffled by a fixed
generator (``make_rng(0, problem, "valid")``) and the first ``round(valid_fraction * n_class)``
of them (at least one, at most n_class - 1) form the validation set; the rest is the training set.
Default ``valid_fraction`` = 0.2.

Normalisation: per-channel z-score with the mean and standard deviation of all time steps of the
training split (not validation, not test); a missing value (``?``) becomes 0 after scaling (the
training mean). Target: the class at the final valid step (softmax over the declared class labels,
in the order of the ``@classLabel`` header); metric: error rate (fraction of misclassified
sequences). Network: one unidirectional layer (the paper's shape for a task with one output per
sequence is not given; a unidirectional net reads the whole sequence before the last step).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tasks._aeon import ts_files
from tasks._common_real import fit_standardizer
from tasks.base import SPLITS, DataError, Example, Task, make_rng
from tasks.ts_format import TsData, TsFormatError, read_ts

__all__ = ["UeaTask", "stratified_holdout"]


def stratified_holdout(
    labels: np.ndarray, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Split case indices by class: (train indices, valid indices), both sorted.

    Per class, ``round(fraction * n)`` cases (clamped to 1..n-1; none if n == 1) go to validation,
    chosen by a permutation drawn from ``rng`` for that class (classes in sorted order).
    """
    valid: list[int] = []
    for cls in np.unique(labels):
        idx = np.flatnonzero(labels == cls)  # (n_class,) in file order
        if len(idx) < 2:
            continue
        k = min(max(1, int(round(fraction * len(idx)))), len(idx) - 1)
        valid.extend(idx[rng.permutation(len(idx))[:k]].tolist())
    valid_arr = np.array(sorted(valid), dtype=np.int64)
    train_arr = np.setdiff1d(np.arange(len(labels)), valid_arr)
    return train_arr, valid_arr


class UeaTask(Task):
    """A UEA/UCR classification problem: class from the final step, error rate.

    Subclasses set ``problem`` (archive name), ``input_size``, ``output_size`` and
    ``expected_cases`` (train, test) as in the archive; the loader checks them.
    """

    problem: str = ""
    expected_cases: tuple[int, int] = (0, 0)
    output_kind = "softmax"
    target_kind = "final"
    bidirectional = False
    metric_name = "error"
    metric_direction = "minimize"

    @classmethod
    def option_rules(cls) -> dict[str, dict[str, Any]]:
        """The options' rules (:meth:`tasks.base.Task.option_rules`) with this task's bounds."""
        return {
            **super().option_rules(),
            "valid_fraction": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        }

    def __init__(
        self,
        *,
        cache_dir: str | Path | None = None,
        data_dir: str | Path | None = None,
        valid_fraction: float = 0.2,
        allow_download: bool = True,
    ) -> None:
        super().__init__()
        if not 0.0 < float(valid_fraction) < 1.0:
            raise ValueError(
                f"{self.name}: valid_fraction must lie in (0, 1), got {valid_fraction}"
            )
        self.cache_dir = cache_dir
        self.data_dir = None if data_dir is None else Path(data_dir)
        self.valid_fraction = float(valid_fraction)
        self.allow_download = bool(allow_download)
        self._data: dict[str, list[Example]] | None = None
        self.class_labels: list[str] = []
        self.normalisation: dict[str, list[float]] = {}

    def _files(self) -> tuple[Path, Path]:
        if self.data_dir is None:
            return ts_files(self.problem, self.cache_dir, self.allow_download)
        return (
            self.data_dir / f"{self.problem}_TRAIN.ts",
            self.data_dir / f"{self.problem}_TEST.ts",
        )

    def _read(self, path: Path) -> TsData:
        how = "re-extract it from the aeon wheel (tasks._aeon) or fix data_dir"
        if not path.is_file():
            raise DataError(f"data file {path} is missing; {how}")
        try:
            data = read_ts(path)
        except (OSError, UnicodeDecodeError, TsFormatError) as exc:
            raise DataError(f"data file {path} is unreadable ({exc}); {how}") from exc
        if not data.labels or data.n_channels != self.input_size:
            raise DataError(
                f"data file {path}: {data.n_channels} channels with labels {bool(data.labels)}, "
                f"expected {self.input_size} labelled channels; {how}"
            )
        return data

    def _load(self) -> dict[str, list[Example]]:
        train_path, test_path = self._files()
        train, test = self._read(train_path), self._read(test_path)
        cases = (len(train.series), len(test.series))
        if cases != tuple(self.expected_cases):
            raise DataError(
                f"{train_path.name}/{test_path.name}: {cases[0]}/{cases[1]} cases, expected "
                f"{self.expected_cases[0]}/{self.expected_cases[1]}; "
                "the files are not the archive's"
            )
        labels = train.class_labels or sorted(set(train.labels))
        if len(labels) != self.output_size or not set(test.labels) <= set(labels):
            raise DataError(
                f"{train_path.name}: {len(labels)} classes, expected {self.output_size}, or the "
                "test labels differ from the training labels"
            )
        self.class_labels = labels
        index = {lab: i for i, lab in enumerate(labels)}
        y_train = np.array([index[lab] for lab in train.labels], dtype=np.int64)  # (N_train,)
        y_test = np.array([index[lab] for lab in test.labels], dtype=np.int64)  # (N_test,)
        rng = make_rng(0, self.problem, "valid")
        tr_idx, va_idx = stratified_holdout(y_train, self.valid_fraction, rng)
        mean, std = fit_standardizer([train.series[i] for i in tr_idx])  # (C,), (C,)
        self.normalisation = {"mean": mean.tolist(), "std": std.tolist()}

        def example(series: np.ndarray, label: int) -> Example:
            x = (series - mean) / std  # (T, C)
            x = np.nan_to_num(x, nan=0.0).astype(np.float32)
            return Example(x=x, y=np.array(label, dtype=np.int64))

        return {
            "train": [example(train.series[i], int(y_train[i])) for i in tr_idx],
            "valid": [example(train.series[i], int(y_train[i])) for i in va_idx],
            "test": [example(s, int(c)) for s, c in zip(test.series, y_test, strict=True)],
        }

    def _build_split(self, name: str) -> list[Example]:
        if self._data is None:
            self._data = self._load()
        return self._data[name]

    def info(self) -> dict[str, Any]:
        """Base info plus the archive problem, class labels and the class counts per split."""
        out = super().info()
        out["problem"] = self.problem
        out["class_labels"] = self.class_labels
        out["class_counts"] = {
            s: np.bincount([int(e.y) for e in self.split(s)], minlength=self.output_size).tolist()
            for s in SPLITS
        }
        out["valid_fraction"] = self.valid_fraction
        return out
