"""Opening the Optuna storage of a sweep (DESIGN.md section 3, "sweep and storage").

Two kinds, chosen by the config's ``storage`` key:

- ``null`` (default): an Optuna journal file ``<results_dir>/optuna/journal.log``. It needs no
  server, several processes may create and use it at the same time, and it was about six times
  faster than SQLite here (shared/NOTES.md).
- a SQLAlchemy URL (``postgresql+psycopg2://user@host:5432/db``, ``sqlite:///path.db``,
  ``mysql+pymysql://...``): Optuna's RDB storage, for clusters.

A plain path (no ``://``) is taken as a journal file. The schema of an RDB storage is created once,
by :func:`odyssey.sweep.studies.init_storage`, because two processes creating it at the same moment
race (shared/NOTES.md); workers open it with ``create=False``. An unreachable database fails with
one line that names the URL (password hidden) and the driver's first line of error.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import optuna
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend

from odyssey.study.locations import is_rdb, redact

_depth = 0  # the main thread's nesting of journal appends in progress
_deferred: list[Callable[[], None]] = []


@contextlib.contextmanager
def critical_section() -> Iterator[None]:
    """The main thread's journal append: a signal handler that would raise here (the worker's
    SIGTERM) defers itself with :func:`defer_if_critical` and raises when the section ends, so
    the journal's lock file is never left taken and no line is left half written."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _deferred:
            action = _deferred.pop()
            _deferred.clear()
            action()


def defer_if_critical(action: Callable[[], None]) -> bool:
    """Run ``action`` when the current critical section ends (True), or say there is none."""
    if _depth == 0:
        return False
    _deferred.append(action)
    return True


class SignalSafeJournalFile(JournalFileBackend):
    """Optuna's journal file whose appends (the only step that takes its lock) finish before the
    main thread's SIGTERM handler raises."""

    def append_logs(self, logs: list[dict]) -> None:
        with critical_section():
            super().append_logs(logs)


def open_storage(url: str, *, create: bool = False) -> BaseStorage:
    """Open the storage at ``url``; ``create=True`` also creates the RDB schema or journal folder.

    Raises ValueError with one line if the storage cannot be opened.
    """
    if not is_rdb(url):
        path = Path(url)
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.exists():
            raise ValueError(
                f"storage {path} does not exist: run `odyssey init --config ...` before any worker"
            )
        return JournalStorage(SignalSafeJournalFile(str(path)))
    engine_kwargs: dict[str, object] = {"pool_pre_ping": True}
    if url.startswith("sqlite:"):
        engine_kwargs["connect_args"] = {"timeout": 60}
        db_path = url.split(":///", 1)[1] if ":///" in url else ""
        if create and db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    elif url.startswith(("postgresql", "postgres")):
        engine_kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        return RDBStorage(url, engine_kwargs=engine_kwargs, skip_table_creation=not create)
    except ImportError as exc:
        raise ValueError(f"storage {redact(url)}: database driver missing ({exc})") from exc
    except Exception as exc:  # SQLAlchemy/driver errors: one line for the user
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"storage {redact(url)} is unreachable or invalid: {first}") from exc


def load_study(storage: BaseStorage, name: str, url: str) -> optuna.Study:
    """Load study ``name``; one line telling to run ``odyssey init`` if it does not exist."""
    try:
        return optuna.load_study(study_name=name, storage=storage)
    except KeyError as exc:
        raise ValueError(
            f"study {name!r} is not in storage {redact(url)}: run `odyssey init --config ...` first"
        ) from exc
