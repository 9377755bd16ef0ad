"""Helpers shared by the real-data tasks: where data and caches live, content hashes of arrays,
restricted loading of pickles, downloads into a cache, per-channel normalisation.

Locations (each overridable):
- shared data: ``<repo>/../shared/data`` or the folder in env var ``ODYSSEY_SHARED_DATA``;
- caches: ``<repo>/resources/<task>/`` or the folder in env var ``ODYSSEY_RESOURCES``
  (``resources/`` is git-ignored), or a task's ``cache_dir`` option.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import pickle
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from tasks.base import (
    DataError,
    atomic_write,
    load_arrays_verified,
    save_arrays_atomic,
    sha256_file,
)

__all__ = [
    "arrays_digest",
    "download_file",
    "fit_standardizer",
    "load_cache",
    "repo_root",
    "resources_dir",
    "restricted_pickle_load",
    "save_cache",
    "shared_data_dir",
]

log = logging.getLogger(__name__)


def repo_root() -> Path:
    """The repository root (the folder that holds ``tasks/``)."""
    return Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """``$ODYSSEY_SHARED_DATA`` if set, else ``<repo>/../shared/data`` (may not exist)."""
    env = os.environ.get("ODYSSEY_SHARED_DATA")
    return Path(env) if env else repo_root().parent / "shared" / "data"


def resources_dir(task: str, cache_dir: str | Path | None = None) -> Path:
    """Cache folder of ``task``: ``cache_dir`` if given, else ``$ODYSSEY_RESOURCES/<task>`` or
    ``<repo>/resources/<task>``. Not created here."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("ODYSSEY_RESOURCES")
    base = Path(env) if env else repo_root() / "resources"
    return base / task


def arrays_digest(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over the names, dtypes, shapes and bytes of arrays (independent of file format).

    An ``.npz`` file's own bytes carry zip timestamps, so this content hash is what a cache stores
    and re-checks on load.
    """
    h = hashlib.sha256()
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        h.update(f"{key}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save_cache(path: str | Path, arrays: Mapping[str, np.ndarray], manifest: dict) -> dict:
    """Write arrays plus a JSON manifest (with their content hash) as one ``.npz``, atomically.

    One file and one rename, so concurrent writers cannot leave a cache whose parts disagree.
    Returns the manifest as stored (with ``content_sha256``).
    """
    stored = {**manifest, "content_sha256": arrays_digest(arrays)}
    save_arrays_atomic(path, {**arrays, "manifest": np.array(json.dumps(stored, sort_keys=True))})
    return stored


def load_cache(path: str | Path) -> tuple[dict[str, np.ndarray], dict] | None:
    """(arrays, manifest) of a cache written by `save_cache`; None (logged) if it is missing,
    unreadable or fails its content hash, so the caller rebuilds it."""
    p = Path(path)
    if not p.is_file():
        return None
    try:
        arrays = load_arrays_verified(p, None, "it will be rebuilt")
        manifest = json.loads(str(arrays.pop("manifest")))
    except (DataError, KeyError, ValueError) as exc:
        log.warning("cache %s unreadable (%s); rebuilding", p, exc)
        return None
    if not isinstance(manifest, dict) or arrays_digest(arrays) != manifest.get("content_sha256"):
        log.warning("cache %s fails its content hash; rebuilding", p)
        return None
    return arrays, manifest


class _NoGlobalsUnpickler(pickle.Unpickler):
    """Unpickler that refuses every class or function reference (plain containers only)."""

    def find_class(self, module: str, name: str) -> object:
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data pickle")


def restricted_pickle_load(path: str | Path, how_to_get: str) -> object:
    """Load a pickle made only of builtin containers and numbers (no code can run).

    Python-2 pickles are read with ``encoding="latin1"``. Any failure is a one-line DataError.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"data file {p} is missing; {how_to_get}")
    try:
        return _NoGlobalsUnpickler(io.BytesIO(p.read_bytes()), encoding="latin1").load()
    except Exception as exc:  # any unpickling error means a corrupt or foreign file
        msg = f"data file {p} is unreadable as a plain pickle ({exc}); {how_to_get}"
        raise DataError(msg) from exc


def download_file(url: str, dest: str | Path, sha256: str | None, timeout_s: float = 60.0) -> Path:
    """Download ``url`` to ``dest`` atomically; check ``sha256`` if given (else log the digest).

    Nothing is left at ``dest`` if the download or the check fails.
    """
    dest = Path(dest)

    def _write(tmp: Path) -> None:
        try:
            with urllib.request.urlopen(url, timeout=timeout_s) as resp, open(tmp, "wb") as f:
                while chunk := resp.read(1 << 20):
                    f.write(chunk)
        except OSError as exc:
            msg = f"download of {url} failed ({exc}); fetch it by hand to {dest}"
            raise DataError(msg) from exc
        digest = sha256_file(tmp)
        if sha256 is not None and digest != sha256.lower():
            raise DataError(
                f"download of {url} has sha256 {digest[:12]}..., expected {sha256[:12]}...; "
                f"not saved to {dest}"
            )
        log.info("downloaded %s to %s (sha256 %s)", url, dest, digest)

    return atomic_write(dest, _write)


def fit_standardizer(
    sequences: Sequence[np.ndarray], eps: float = 1e-8
) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation over all time steps of (T_i, C) sequences.

    NaN values are ignored. Channels with zero spread get std 1 (no scaling).
    Returns (mean, std), each float64 of shape (C,).
    """
    stacked = np.concatenate([np.asarray(s, dtype=np.float64) for s in sequences], axis=0)  # (N, C)
    mean = np.nanmean(stacked, axis=0)  # (C,)
    std = np.nanstd(stacked, axis=0)  # (C,)
    std = np.where(std > eps, std, 1.0)
    return mean, std
