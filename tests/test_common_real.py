"""Tests of tasks/_common_real.py: locations, array digests, restricted pickles, downloads,
standardisation."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from tasks import _common_real as cr
from tasks.base import DataError


def test_locations(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert (cr.repo_root() / "tasks" / "_common_real.py").is_file()
    monkeypatch.setenv("ODYSSEY_SHARED_DATA", str(tmp_path))
    assert cr.shared_data_dir() == tmp_path
    monkeypatch.delenv("ODYSSEY_SHARED_DATA")
    assert cr.shared_data_dir() == cr.repo_root().parent / "shared" / "data"
    monkeypatch.setenv("ODYSSEY_RESOURCES", str(tmp_path / "r"))
    assert cr.resources_dir("x") == tmp_path / "r" / "x"
    assert cr.resources_dir("x", tmp_path / "c") == tmp_path / "c"


def test_arrays_digest() -> None:
    a = {"x": np.arange(4, dtype=np.int64), "y": np.array(["a", "b"])}
    same = {"y": np.array(["a", "b"]), "x": np.arange(4, dtype=np.int64)}
    assert cr.arrays_digest(a) == cr.arrays_digest(same)
    assert cr.arrays_digest(a) != cr.arrays_digest({**a, "x": np.arange(4, dtype=np.int32)})
    assert cr.arrays_digest(a) != cr.arrays_digest({**a, "x": np.arange(4).reshape(2, 2)})


def test_restricted_pickle(tmp_path: Path) -> None:
    good = tmp_path / "g.pickle"
    good.write_bytes(pickle.dumps({"a": [(1, 2.0)]}, protocol=2))
    assert cr.restricted_pickle_load(good, "x") == {"a": [(1, 2.0)]}
    bad = tmp_path / "b.pickle"
    bad.write_bytes(pickle.dumps(np.zeros(2)))
    with pytest.raises(DataError, match="refusing"):
        cr.restricted_pickle_load(bad, "x")
    with pytest.raises(DataError, match="missing"):
        cr.restricted_pickle_load(tmp_path / "none", "x")


def test_download_file_local_url(tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(b"hello")
    out = cr.download_file(src.as_uri(), tmp_path / "d" / "f.bin", None)
    assert out.read_bytes() == b"hello"
    with pytest.raises(DataError, match="expected"):
        cr.download_file(src.as_uri(), tmp_path / "e" / "f.bin", "0" * 64)
    assert list((tmp_path / "e").iterdir()) == []
    with pytest.raises(DataError, match="failed"):
        cr.download_file((tmp_path / "nope").as_uri(), tmp_path / "e" / "g.bin", None)


def test_fit_standardizer() -> None:
    seqs = [np.array([[1.0, 5.0], [3.0, 5.0]]), np.array([[np.nan, 5.0], [5.0, 5.0]])]
    mean, std = cr.fit_standardizer(seqs)
    np.testing.assert_allclose(mean, [3.0, 5.0])
    np.testing.assert_allclose(std, [np.sqrt(8 / 3), 1.0])  # constant channel -> std 1


def test_cache_round_trip_and_tamper(tmp_path: Path) -> None:
    path = tmp_path / "c" / "x.npz"
    assert cr.load_cache(path) is None
    stored = cr.save_cache(path, {"a": np.arange(3)}, {"note": "hi"})
    arrays, manifest = cr.load_cache(path)
    assert manifest == stored and manifest["note"] == "hi"
    np.testing.assert_array_equal(arrays["a"], [0, 1, 2])
    assert [p.name for p in path.parent.iterdir()] == ["x.npz"]  # no temp file left
    np.savez(path, a=np.arange(4), manifest=np.array('{"content_sha256": "x"}'))
    assert cr.load_cache(path) is None  # fails its content hash
    path.write_bytes(b"not a zip")
    assert cr.load_cache(path) is None
