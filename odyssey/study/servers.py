"""The servers a config names (Optuna storage, MLflow tracking): known URL schemes, and whether
each server answers, checked before any job starts.

:func:`check_schemes` (part of :func:`odyssey.study.config.validate`) refuses a URL whose scheme
the suite cannot use, e.g. a typo ``postgress://``; :func:`unreachable` opens one TCP connection
to each server a URL names (a PostgreSQL or MySQL host, an MLflow ``http(s)://`` server) and
returns one line naming the first that does not answer, its password hidden. Neither imports
Optuna, MLflow or a database driver, so planning stays fast.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from odyssey.study.locations import DISABLED, is_rdb, redact

STORAGE_SCHEMES: dict[str, int | None] = {
    "sqlite": None,
    "postgresql": 5432,
    "postgres": 5432,
    "mysql": 3306,
    "mariadb": 3306,
}
"""SQLAlchemy dialects an Optuna storage URL may name (before any ``+driver``), with the port a
server listens on by default (None: a file, no server)."""

TRACKING_SCHEMES: dict[str, int | None] = {
    **STORAGE_SCHEMES,
    "http": 80,
    "https": 443,
    "file": None,
    "databricks": None,
}
"""Schemes an MLflow tracking URI may use, with their default server ports."""

HINTS = {
    "storage": "a journal file path, sqlite:///FILE.db or postgresql+psycopg2://USER@HOST:5432/DB",
    "tracking_uri": "null, none, sqlite:///FILE.db or an MLflow server http://HOST:5000",
}

ENV_NAMES = {"storage": "ODYSSEY_STORAGE", "tracking_uri": "MLFLOW_TRACKING_URI"}
"""The environment variable that may have set each key (named in messages)."""


def scheme(url: str) -> str:
    """The dialect of a URL: ``postgresql+psycopg2://...`` -> ``postgresql``."""
    return url.split("://", 1)[0].split("+", 1)[0].lower()


def _urls(cfg: Mapping[str, Any]) -> list[tuple[str, str, dict[str, int | None]]]:
    """(key, url, known schemes) of each server URL the config gives (defaults are files)."""
    out = []
    storage = cfg.get("storage")
    if storage and is_rdb(str(storage)):
        out.append(("storage", str(storage), STORAGE_SCHEMES))
    tracking = cfg.get("tracking_uri")
    if tracking and str(tracking).strip().lower() not in DISABLED:
        out.append(("tracking_uri", str(tracking), TRACKING_SCHEMES))
    return out


def _where(key: str, env: Mapping[str, str]) -> str:
    """``storage``, or ``storage (from ODYSSEY_STORAGE)`` when the environment set it."""
    return f"{key} (from {ENV_NAMES[key]})" if env.get(ENV_NAMES[key]) else key


def check_schemes(cfg: Mapping[str, Any], env: Mapping[str, str]) -> None:
    """One-line ValueError naming the key if a storage or tracking URL has an unknown scheme."""
    for key, url, known in _urls(cfg):
        if "://" not in url and key == "tracking_uri":
            raise ValueError(f"{_where(key, env)}: {redact(url)!r} is not a URL (use {HINTS[key]})")
        if "://" in url and scheme(url) not in known:
            raise ValueError(
                f"{_where(key, env)}: unknown scheme {scheme(url)!r} in {redact(url)} "
                f"(use {HINTS[key]})"
            )


def address(url: str, known: Mapping[str, int | None]) -> tuple[str, int] | None:
    """(host, port) of the server a URL names, or None for a file."""
    default = known.get(scheme(url))
    if default is None:
        return None
    parts = urlsplit(url)
    try:
        port = parts.port or default
    except ValueError:
        return None  # a malformed port: the driver's own error says more
    return (parts.hostname or "localhost", port)


def unreachable(
    cfg: Mapping[str, Any], env: Mapping[str, str], timeout_s: float = 5.0
) -> str | None:
    """One line naming the first server of the config that does not accept a connection."""
    for key, url, known in _urls(cfg):
        where = address(url, known)
        if where is None:
            continue
        try:
            with socket.create_connection(where, timeout=timeout_s):
                pass
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            return (
                f"{_where(key, env)}: the server of {redact(url)} does not answer ({reason}): "
                f"start it, or fix the URL"
            )
    return None
