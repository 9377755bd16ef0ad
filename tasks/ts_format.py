"""A small reader for the `.ts` time-series file format of the UEA & UCR archives.

The format (Bagnall et al. 2018, "The UEA multivariate time series classification archive";
Dau et al. 2019, "The UCR time series archive", IEEE/CAA J. Autom. Sinica 6(6)) is plain text:

- lines starting with ``#`` are comments;
- header lines start with ``@``: ``@problemName``, ``@timeStamps``, ``@missing``, ``@univariate``,
  ``@dimensions``, ``@equalLength``, ``@seriesLength``, ``@classLabel true <labels...>`` or
  ``@classLabel false``, ``@targetLabel true|false`` (regression), then ``@data``;
- after ``@data`` every non-empty line is one case: the channels separated by ``:``, the values of a
  channel separated by ``,``, and (if the header declares class or target labels) the label last,
  after a final ``:``. ``?`` (or ``NaN``) marks a missing value. Cases may differ in length.

Only what the archives' classification files use is supported; ``@timeStamps true`` (values written
as ``(time,value)`` pairs) is rejected with a clear error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["TsData", "TsFormatError", "parse_ts", "read_ts"]


class TsFormatError(ValueError):
    """A `.ts` text that this reader cannot parse; the message names the line."""


@dataclass
class TsData:
    """The content of one `.ts` file.

    Attributes:
        series: one float64 array of shape (length, channels) per case; NaN where the file
            has ``?``.
        labels: the label string of every case (empty list when the file has no labels).
        class_labels: the labels declared by ``@classLabel true ...`` in file order (empty if none).
        header: every ``@key value`` header line, lower-cased key -> raw value string.
    """

    series: list[np.ndarray]
    labels: list[str]
    class_labels: list[str]
    header: dict[str, str] = field(default_factory=dict)

    @property
    def n_channels(self) -> int:
        """Number of channels (dimensions) of the cases."""
        return int(self.series[0].shape[1]) if self.series else 0

    def lengths(self) -> np.ndarray:
        """The length (time steps) of every case, int64 array of shape (cases,)."""
        return np.array([s.shape[0] for s in self.series], dtype=np.int64)


def _parse_bool(value: str, key: str, lineno: int) -> bool:
    word = value.strip().split()[0].lower() if value.strip() else ""
    if word in ("true", "false"):
        return word == "true"
    raise TsFormatError(f"line {lineno}: @{key} expects true or false, got {value!r}")


def _parse_values(text: str, lineno: int) -> np.ndarray:
    """One channel's comma-separated values -> float64 array of shape (length,)."""
    out = []
    for token in text.split(","):
        token = token.strip()
        if token in ("?", "") or token.lower() == "nan":
            if token == "":
                raise TsFormatError(f"line {lineno}: empty value in a channel")
            out.append(np.nan)
            continue
        try:
            out.append(float(token))
        except ValueError:
            raise TsFormatError(f"line {lineno}: not a number: {token!r}") from None
    return np.asarray(out, dtype=np.float64)


def parse_ts(text: str) -> TsData:
    """Parse the text of a `.ts` file.

    Raises:
        TsFormatError: on a malformed header or data line (the message names the line number).
    """
    header: dict[str, str] = {}
    class_labels: list[str] = []
    has_class = False
    has_target = False
    in_data = False
    series: list[np.ndarray] = []
    labels: list[str] = []
    n_channels: int | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            if not line.startswith("@"):
                raise TsFormatError(f"line {lineno}: expected a header line starting with @")
            key, _, value = line[1:].partition(" ")
            key = key.lower()
            header[key] = value.strip()
            if key == "data":
                in_data = True
            elif key == "timestamps" and _parse_bool(value, key, lineno):
                raise TsFormatError(f"line {lineno}: @timeStamps true is not supported")
            elif key == "classlabel":
                has_class = _parse_bool(value, key, lineno)
                class_labels = value.split()[1:] if has_class else []
            elif key == "targetlabel":
                has_target = _parse_bool(value, key, lineno)
            continue
        parts = line.split(":")
        if has_class or has_target:
            if len(parts) < 2:
                raise TsFormatError(f"line {lineno}: a case needs channels and a label after ':'")
            label = parts.pop().strip()
            if has_class and class_labels and label not in class_labels:
                raise TsFormatError(f"line {lineno}: label {label!r} not declared in @classLabel")
            labels.append(label)
        channels = [_parse_values(p, lineno) for p in parts]
        if n_channels is None:
            n_channels = len(channels)
        elif len(channels) != n_channels:
            raise TsFormatError(
                f"line {lineno}: {len(channels)} channels, earlier cases had {n_channels}"
            )
        if len({c.shape[0] for c in channels}) != 1:
            raise TsFormatError(f"line {lineno}: the channels of one case differ in length")
        series.append(np.stack(channels, axis=1))  # (length, channels)
    if not in_data:
        raise TsFormatError("no @data line: not a .ts file")
    if "dimensions" in header and n_channels is not None:
        declared = int(header["dimensions"].split()[0])
        if declared != n_channels:
            raise TsFormatError(f"@dimensions {declared} but the cases have {n_channels} channels")
    return TsData(series=series, labels=labels, class_labels=class_labels, header=header)


def read_ts(path: str | Path) -> TsData:
    """Read and parse a `.ts` file (UTF-8; some archive headers contain non-ASCII comments)."""
    return parse_ts(Path(path).read_text(encoding="utf-8"))
