"""Reading 16-bit PCM speech files: NIST SPHERE (the TIMIT CD-ROM format) and RIFF WAVE.

NIST SPHERE (NIST Speech Header Resources): an ASCII header that starts ``NIST_1A\\n`` followed by
the header size in bytes (``   1024\\n`` in TIMIT), then ``name -type value`` lines up to
``end_head``; the samples follow the header. Supported: ``sample_n_bytes 2``, one channel,
``sample_byte_format`` ``01`` (little-endian, as in TIMIT) or ``10`` (big-endian),
``sample_coding`` absent or ``pcm``. Shorten-compressed files (``pcm,embedded-shorten-...``)
are rejected with a clear error: decompress them first (e.g. with NIST's ``w_decode``/``sph2pipe``).

RIFF WAVE: read with the standard library's ``wave`` module (PCM, 16 bit, mono).
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Audio", "AudioFormatError", "parse_sphere_header", "read_audio"]


class AudioFormatError(ValueError):
    """An audio file this reader does not support; the message names the file and the reason."""


@dataclass(frozen=True)
class Audio:
    """Mono samples as float64 in int16 units (not rescaled), and the sample rate in Hz."""

    samples: np.ndarray  # (N,)
    sample_rate: int


def parse_sphere_header(raw: bytes) -> tuple[int, dict[str, str]]:
    """Parse a SPHERE header: (header size in bytes, {field: value as text})."""
    if not raw.startswith(b"NIST_1A"):
        raise AudioFormatError("not a NIST SPHERE file (no NIST_1A magic)")
    lines = raw[:1024].split(b"\n")
    try:
        size = int(lines[1].strip())
    except (IndexError, ValueError):
        raise AudioFormatError("SPHERE header size line is unreadable") from None
    fields: dict[str, str] = {}
    for line in raw[:size].split(b"\n")[2:]:
        text = line.decode("ascii", errors="replace").strip()
        if text == "end_head":
            return size, fields
        parts = text.split(None, 2)
        if len(parts) == 3:
            fields[parts[0]] = parts[2]
    raise AudioFormatError("SPHERE header has no end_head line")


def _read_sphere(path: Path, raw: bytes) -> Audio:
    size, fields = parse_sphere_header(raw)
    coding = fields.get("sample_coding", "pcm")
    if coding != "pcm":
        raise AudioFormatError(
            f"{path}: SPHERE sample_coding {coding!r} is not plain PCM (shorten-compressed?); "
            "decompress it first (sph2pipe or w_decode)"
        )
    if fields.get("sample_n_bytes", "2") != "2" or fields.get("channel_count", "1") != "1":
        raise AudioFormatError(f"{path}: only 16-bit mono SPHERE files are supported")
    order = fields.get("sample_byte_format", "01")
    if order not in ("01", "10"):
        raise AudioFormatError(f"{path}: unsupported SPHERE sample_byte_format {order!r}")
    dtype = "<i2" if order == "01" else ">i2"
    body = raw[size:]
    count = int(fields.get("sample_count", len(body) // 2))
    if count * 2 > len(body):
        raise AudioFormatError(f"{path}: {count} samples declared but the file is shorter")
    samples = np.frombuffer(body[: count * 2], dtype=dtype).astype(np.float64)  # (N,)
    return Audio(samples, int(fields.get("sample_rate", "16000")))


def _read_riff(path: Path) -> Audio:
    try:
        with wave.open(str(path), "rb") as w:
            if w.getsampwidth() != 2 or w.getnchannels() != 1:
                raise AudioFormatError(f"{path}: only 16-bit mono RIFF WAVE files are supported")
            data = w.readframes(w.getnframes())
            rate = w.getframerate()
    except (wave.Error, EOFError) as exc:
        raise AudioFormatError(f"{path}: unreadable RIFF WAVE ({exc})") from exc
    return Audio(np.frombuffer(data, dtype="<i2").astype(np.float64), rate)  # (N,)


def read_audio(path: str | Path) -> Audio:
    """Read a SPHERE or RIFF file (detected from its first bytes)."""
    p = Path(path)
    raw = p.read_bytes()
    if raw.startswith(b"NIST_1A"):
        return _read_sphere(p, raw)
    if raw.startswith(b"RIFF"):
        return _read_riff(p)
    raise AudioFormatError(f"{p}: neither NIST SPHERE nor RIFF WAVE")
