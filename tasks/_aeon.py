"""The archive files bundled in the aeon wheel, obtained without installing aeon.

aeon (https://www.aeon-toolkit.org) ships a few problems of the UEA & UCR Time Series
Classification Repository (Dau et al. 2019, "The UCR time series archive", IEEE/CAA J. Autom.
Sinica 6(6):1293-1305; Bagnall et al. 2018, "The UEA multivariate time series classification
archive", arXiv 1811.00075) inside its wheel under ``aeon/datasets/data/``. Installing aeon would
downgrade numpy and pandas, so we fetch the pinned wheel with pip's download command
(``python -m pip download aeon==1.6.0 --no-deps --only-binary=:all: -d <dir>``), check its
SHA-256 (:data:`WHEEL_SHA256`) and extract only the files a task needs, each checked against the
wheel's own RECORD digests. An offline machine can instead put the wheel at the path named by env
var ``ODYSSEY_AEON_WHEEL`` or into the cache folder (``<repo>/resources/aeon/`` or ``cache_dir``).

Classification problems used here: ``JapaneseVowels``, ``BasicMotions``, ``PickupGestureWiimoteZ``
(``<Problem>/<Problem>_TRAIN.ts`` and ``_TEST.ts``; the ``_eq`` variants are resampled to equal
length and not used). Other bundled ``.ts`` problems: ArrowHead, GunPoint, ItalyPowerDemand,
OSULeaf, ACSF1, Covid3Month (regression), CardanoSentiment (regression).

Forecasting series (for a forecasting task; :func:`forecasting_csv`): ``Airline/Airline.csv``
(monthly international airline passengers 1949-1960, Box & Jenkins; 144 rows, columns
``Date,Passengers``), and ``Longley``, ``Lynx``, ``PBS_dataset``, ``ShampooSales``, ``Uschange``,
``solar`` (each ``<Name>/<Name>.csv``; see :data:`FORECASTING_CSVS`).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from tasks._common_real import resources_dir
from tasks.base import DataError, atomic_write_bytes, sha256_file

__all__ = [
    "AEON_VERSION",
    "FORECASTING_CSVS",
    "WHEEL_NAME",
    "WHEEL_SHA256",
    "extract_member",
    "fetch_wheel",
    "forecasting_csv",
    "ts_files",
]

AEON_VERSION = "1.6.0"
WHEEL_NAME = f"aeon-{AEON_VERSION}-py3-none-any.whl"
# observed on 2026-11-25 from PyPI with `pip download aeon==1.6.0 --no-deps --only-binary=:all:`
WHEEL_SHA256 = "d05227086706f80111ac5fee8de4d5d3115bb3bcfd1c786c8629393055816409"
DATA_PREFIX = "aeon/datasets/data/"
ENV_WHEEL = "ODYSSEY_AEON_WHEEL"
FORECASTING_CSVS = (
    "Airline",
    "Longley",
    "Lynx",
    "PBS_dataset",
    "ShampooSales",
    "Uschange",
    "solar",
)


def _how_to_get(folder: Path) -> str:
    return (
        f"run `python -m pip download aeon=={AEON_VERSION} --no-deps --only-binary=:all: "
        f"-d {folder}` (or set {ENV_WHEEL} to the wheel)"
    )


def _pip_download(dest: Path) -> Path:
    """Run pip's download command into ``dest``; return the wheel's path there."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        f"aeon=={AEON_VERSION}",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "-q",
        "-d",
        str(dest),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    wheel = dest / WHEEL_NAME
    if proc.returncode != 0 or not wheel.is_file():
        last = (proc.stderr or proc.stdout).strip().splitlines()
        raise DataError(
            f"pip could not download {WHEEL_NAME} (exit {proc.returncode}: "
            f"{last[-1] if last else 'no output'}); {_how_to_get(dest.parent)}"
        )
    return wheel


def fetch_wheel(cache_dir: str | Path | None = None, allow_download: bool = True) -> Path:
    """The verified aeon wheel: ``$ODYSSEY_AEON_WHEEL``, the cached copy, or a fresh download.

    A download goes to a temporary folder inside the cache and is moved into place only after
    its SHA-256 matched, so the cache never holds a partial or foreign wheel.
    """
    folder = resources_dir("aeon", cache_dir)
    how = _how_to_get(folder)
    env = os.environ.get(ENV_WHEEL)
    if env:
        wheel = Path(env)
        if not wheel.is_file():
            raise DataError(f"{ENV_WHEEL}={wheel} does not exist; {how}")
    else:
        wheel = folder / WHEEL_NAME
        if not wheel.is_file():
            if not allow_download:
                raise DataError(f"aeon wheel {wheel} is missing; {how}")
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix=".pip-", dir=folder) as tmp:
                got = _pip_download(Path(tmp))
                if sha256_file(got) != WHEEL_SHA256:
                    raise DataError(f"downloaded {WHEEL_NAME} has a different sha256; {how}")
                os.replace(got, wheel)
    actual = sha256_file(wheel)
    if actual != WHEEL_SHA256:
        raise DataError(
            f"aeon wheel {wheel} has sha256 {actual[:12]}..., expected {WHEEL_SHA256[:12]}...; "
            f"delete it and {how}"
        )
    return wheel


def _record_digests(zf: zipfile.ZipFile) -> dict[str, str]:
    """path -> urlsafe-base64 SHA-256 (no padding) from the wheel's RECORD file."""
    record = next((n for n in zf.namelist() if n.endswith(".dist-info/RECORD")), None)
    if record is None:
        raise DataError("the aeon wheel has no RECORD file; it is not a valid wheel")
    out = {}
    for row in csv.reader(io.StringIO(zf.read(record).decode("utf-8"))):
        if len(row) >= 2 and row[1].startswith("sha256="):
            out[row[0]] = row[1][len("sha256=") :]
    return out


def _b64_sha256(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def extract_member(
    member: str, cache_dir: str | Path | None = None, allow_download: bool = True
) -> Path:
    """Extract ``aeon/datasets/data/<member>`` from the wheel into the cache; return its path.

    The file lands at ``<cache>/aeon-<version>/<member>`` (atomic write). It is checked against
    the wheel's RECORD digest when extracted and again whenever it is reused.
    """
    folder = resources_dir("aeon", cache_dir)
    target = folder / f"aeon-{AEON_VERSION}" / member
    wheel = fetch_wheel(cache_dir, allow_download)
    name = DATA_PREFIX + member
    with zipfile.ZipFile(wheel) as zf:
        digests = _record_digests(zf)
        if name not in digests:
            raise DataError(f"{name} is not in {wheel.name}; check the problem name")
        if target.is_file() and _b64_sha256(target.read_bytes()) == digests[name]:
            return target
        data = zf.read(name)
    if _b64_sha256(data) != digests[name]:
        raise DataError(f"{name} in {wheel} fails its RECORD digest; delete the wheel and retry")
    return atomic_write_bytes(target, data)


def ts_files(
    problem: str, cache_dir: str | Path | None = None, allow_download: bool = True
) -> tuple[Path, Path]:
    """The (train, test) ``.ts`` files of a bundled UEA/UCR problem, extracted into the cache."""
    return (
        extract_member(f"{problem}/{problem}_TRAIN.ts", cache_dir, allow_download),
        extract_member(f"{problem}/{problem}_TEST.ts", cache_dir, allow_download),
    )


def forecasting_csv(
    name: str = "Airline", cache_dir: str | Path | None = None, allow_download: bool = True
) -> Path:
    """A bundled forecasting series (``<name>/<name>.csv``), e.g. ``Airline`` (144 monthly
    passenger counts, columns ``Date,Passengers``), extracted into the cache."""
    if name not in FORECASTING_CSVS:
        raise ValueError(
            f"unknown forecasting series {name!r}; known: {', '.join(FORECASTING_CSVS)}"
        )
    return extract_member(f"{name}/{name}.csv", cache_dir, allow_download)
