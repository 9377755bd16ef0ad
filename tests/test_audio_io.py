"""Tests of tasks/audio_io.py on SPHERE and RIFF files written by the tests."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from tasks.audio_io import AudioFormatError, parse_sphere_header, read_audio


def write_sphere(
    path: Path, samples: np.ndarray, byte_format: str = "01", coding: str = "pcm"
) -> None:
    """A TIMIT-style SPHERE file: 1024-byte ASCII header, then 16-bit samples."""
    dtype = "<i2" if byte_format == "01" else ">i2"
    lines = [
        "NIST_1A",
        "   1024",
        "database_id -s5 TIMIT",
        f"sample_count -i {len(samples)}",
        "sample_rate -i 16000",
        "channel_count -i 1",
        "sample_n_bytes -i 2",
        f"sample_byte_format -s2 {byte_format}",
        f"sample_coding -s{len(coding)} {coding}",
        "sample_sig_bits -i 16",
        "end_head",
    ]
    header = ("\n".join(lines) + "\n").encode().ljust(1024, b" ")
    path.write_bytes(header + np.asarray(samples).astype(dtype).tobytes())


def write_riff(path: Path, samples: np.ndarray, rate: int = 16000) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples).astype("<i2").tobytes())


SAMPLES = np.array([0, 1, -1, 32767, -32768, 1234, -4321], dtype=np.int16)


def test_sphere_and_riff_read_the_same_samples(tmp_path: Path) -> None:
    write_sphere(tmp_path / "a.WAV", SAMPLES)
    write_sphere(tmp_path / "b.WAV", SAMPLES, byte_format="10")
    write_riff(tmp_path / "c.wav", SAMPLES)
    for name in ("a.WAV", "b.WAV", "c.wav"):
        audio = read_audio(tmp_path / name)
        assert audio.sample_rate == 16000
        np.testing.assert_array_equal(audio.samples, SAMPLES.astype(np.float64))


def test_sphere_header_fields(tmp_path: Path) -> None:
    write_sphere(tmp_path / "a.WAV", SAMPLES)
    size, fields = parse_sphere_header((tmp_path / "a.WAV").read_bytes())
    assert size == 1024
    assert fields["sample_count"] == "7" and fields["database_id"] == "TIMIT"


def test_unsupported_files(tmp_path: Path) -> None:
    write_sphere(tmp_path / "s.WAV", SAMPLES, coding="pcm,embedded-shorten-v2.00")
    with pytest.raises(AudioFormatError, match="shorten"):
        read_audio(tmp_path / "s.WAV")
    (tmp_path / "x.WAV").write_bytes(b"garbage" * 10)
    with pytest.raises(AudioFormatError, match="neither"):
        read_audio(tmp_path / "x.WAV")
    with wave.open(str(tmp_path / "st.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x00" * 8)
    with pytest.raises(AudioFormatError, match="mono"):
        read_audio(tmp_path / "st.wav")
    raw = (tmp_path / "s.WAV").read_bytes().replace(b"end_head", b"end_xxxx")
    (tmp_path / "t.WAV").write_bytes(raw)
    with pytest.raises(AudioFormatError, match="end_head"):
        read_audio(tmp_path / "t.WAV")
