"""Where a study's results live: the Optuna storage, the MLflow store and its artifacts.

A config names them with ``results_dir``, ``storage`` and ``tracking_uri``;
:meth:`Locations.from_config` resolves them once, at the door (the command line, a pipeline job),
and the engine's entry points take the resolved :class:`Locations`.

- ``storage: null`` (default): an Optuna journal file ``<results_dir>/optuna/journal.log``; a
  SQLAlchemy URL (``postgresql+psycopg2://user@host:5432/db``, ``sqlite:///path.db``) names a
  database storage; a plain path (no ``://``) is taken as a journal file.
- ``tracking_uri: null`` (default): ``sqlite:///<results_dir>/mlflow.db``; ``none`` or ``off``:
  no tracking; anything else: a tracking server or database URL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JOURNAL_NAME = "journal.log"
"""File name of the default journal storage."""

DISABLED = ("none", "off")
"""``tracking_uri`` values that switch MLflow tracking off."""


def default_storage_url(results_dir: str | Path) -> str:
    """The embedded default: the journal file ``<results_dir>/optuna/journal.log`` (absolute)."""
    return str((Path(results_dir) / "optuna" / JOURNAL_NAME).resolve())


def resolve_storage_url(storage: str | None, results_dir: str | Path) -> str:
    """The config's ``storage`` value (None: the journal default) as a concrete URL or path."""
    return default_storage_url(results_dir) if storage is None else str(storage)


def default_tracking_uri(results_dir: str | Path) -> str:
    """``sqlite:///<results_dir>/mlflow.db`` with an absolute path."""
    return f"sqlite:///{(Path(results_dir) / 'mlflow.db').resolve()}"


def resolve_tracking_uri(tracking_uri: str | None, results_dir: str | Path) -> str | None:
    """The config's ``tracking_uri``: None gives the SQLite default under ``results_dir``;
    ``"none"`` or ``"off"`` switch tracking off (returns None)."""
    if tracking_uri is None:
        return default_tracking_uri(results_dir)
    if str(tracking_uri).strip().lower() in DISABLED:
        return None
    return str(tracking_uri)


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs)."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def redacted_config(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a config with the passwords in ``storage`` and ``tracking_uri`` hidden: what a
    report or a log may print."""
    out = dict(cfg)
    for key in ("storage", "tracking_uri"):
        if out.get(key):
            out[key] = redact(str(out[key]))
    return out


def is_rdb(url: str) -> bool:
    """True for a SQLAlchemy URL, False for a journal file path."""
    return "://" in url


@dataclass(frozen=True)
class Locations:
    """The stores of a study: ``storage_url`` (Optuna), ``tracking_uri`` (MLflow; None: no
    tracking) and ``artifact_root`` (MLflow artifacts; None: the tracking store's default)."""

    storage_url: str
    tracking_uri: str | None = None
    artifact_root: Path | None = None

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> Locations:
        """The locations a validated config names (artifacts: ``<results_dir>/mlartifacts``)."""
        results = Path(cfg.get("results_dir", "results"))
        return cls(
            storage_url=resolve_storage_url(cfg.get("storage"), results),
            tracking_uri=resolve_tracking_uri(cfg.get("tracking_uri"), results),
            artifact_root=results / "mlartifacts",
        )
