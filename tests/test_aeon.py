"""Tests of tasks/_aeon.py: wheel verification and member extraction on a fake wheel, and the
real pinned wheel where pip can fetch it (skipped otherwise)."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest

from tasks import _aeon
from tasks.base import DataError

MEMBER = "Toy/Toy_TRAIN.ts"
CONTENT = b"@problemName Toy\n@classLabel true a\n@data\n1,2:a\n"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _fake_wheel(path: Path, content: bytes = CONTENT, recorded: bytes = CONTENT) -> str:
    name = _aeon.DATA_PREFIX + MEMBER
    record = f"{name},sha256={_b64(recorded)},{len(recorded)}\naeon-x.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(name, content)
        zf.writestr("aeon-x.dist-info/RECORD", record)
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake wheel in the cache folder, pinned as the expected one."""
    monkeypatch.delenv(_aeon.ENV_WHEEL, raising=False)
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setattr(_aeon, "WHEEL_SHA256", _fake_wheel(cache / _aeon.WHEEL_NAME))
    return cache


def test_extract_and_reuse(fake: Path) -> None:
    path = _aeon.extract_member(MEMBER, fake, allow_download=False)
    assert path == fake / f"aeon-{_aeon.AEON_VERSION}" / MEMBER
    assert path.read_bytes() == CONTENT
    path.write_bytes(b"tampered")  # a damaged extracted file is replaced from the wheel
    assert _aeon.extract_member(MEMBER, fake, allow_download=False).read_bytes() == CONTENT
    with pytest.raises(DataError, match="not in"):
        _aeon.extract_member("Nope/Nope_TRAIN.ts", fake, allow_download=False)


def test_wrong_wheel_and_record(fake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_aeon, "WHEEL_SHA256", "0" * 64)
    with pytest.raises(DataError, match="sha256") as err:
        _aeon.fetch_wheel(fake, allow_download=False)
    assert "pip download aeon==1.6.0" in str(err.value) and "\n" not in str(err.value)
    bad = fake / "bad.whl"
    monkeypatch.setattr(_aeon, "WHEEL_SHA256", _fake_wheel(bad, recorded=b"other"))
    monkeypatch.setenv(_aeon.ENV_WHEEL, str(bad))
    with pytest.raises(DataError, match="RECORD"):
        _aeon.extract_member(MEMBER, fake)
    assert not (fake / f"aeon-{_aeon.AEON_VERSION}" / MEMBER).exists()


def test_missing_wheel_and_download_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_aeon.ENV_WHEEL, raising=False)
    with pytest.raises(DataError, match="missing"):
        _aeon.fetch_wheel(tmp_path, allow_download=False)
    source = tmp_path / "src.whl"
    digest = _fake_wheel(source)
    monkeypatch.setattr(_aeon, "WHEEL_SHA256", digest)

    def fake_pip(dest: Path) -> Path:  # stands in for `pip download` (network)
        target = dest / _aeon.WHEEL_NAME
        target.write_bytes(source.read_bytes())
        return target

    monkeypatch.setattr(_aeon, "_pip_download", fake_pip)
    cache = tmp_path / "c"
    assert _aeon.fetch_wheel(cache).read_bytes() == source.read_bytes()
    monkeypatch.setattr(_aeon, "WHEEL_SHA256", "1" * 64)
    with pytest.raises(DataError, match="different sha256"):
        _aeon.fetch_wheel(tmp_path / "c2")
    assert [p.name for p in (tmp_path / "c2").iterdir()] == []  # nothing left behind


def test_forecasting_name_check() -> None:
    with pytest.raises(ValueError, match="Airline"):
        _aeon.forecasting_csv("Nope")


def real_wheel() -> Path:
    """The real pinned wheel (default cache; pip download if needed) or skip."""
    try:
        return _aeon.fetch_wheel()
    except DataError as exc:
        pytest.skip(f"aeon wheel not obtainable here: {exc}")


def test_real_wheel_files() -> None:
    real_wheel()
    train, test = _aeon.ts_files("JapaneseVowels")
    assert train.name == "JapaneseVowels_TRAIN.ts" and test.is_file()
    airline = _aeon.forecasting_csv("Airline").read_text().splitlines()
    assert airline[0] == "Date,Passengers" and len(airline) == 145
