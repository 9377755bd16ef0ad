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
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import optuna
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend, JournalFileSymlinkLock

from odyssey.study.locations import is_rdb, redact

LOG = logging.getLogger("odyssey.sweep.storage")
RETRY_S = 300.0
"""Seconds a database storage call retries while its server does not answer (a restart)."""
GRACE_S = 30.0
"""Seconds after which a journal lock whose holder cannot be checked is broken (Optuna's)."""

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


def holder_id() -> str:
    """This process, as a journal lock names its holder: ``host:pid-namespace:pid``."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}:{namespace}:{os.getpid()}"


def holder_dead(holder: str) -> bool:
    """Whether ``holder`` (a :func:`holder_id`) is a process of this host and PID namespace that
    has ended (or is a zombie); False when that cannot be told (another host, an old lock)."""
    host, _, rest = holder.partition(":")
    namespace, _, pid = rest.rpartition(":")
    here = holder_id().rsplit(":", 1)[0]
    if not namespace or f"{host}:{namespace}" != here or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


class HolderLock(JournalFileSymlinkLock):
    """Optuna's symlink lock whose link names its holder (``<journal>#<holder_id>``).

    A waiter breaks the lock at once when its holder is a dead process of this host (a worker
    SIGKILLed inside an append), instead of after Optuna's 30 s grace period, during which every
    worker sharing the journal waits; a holder it cannot check is broken after :data:`GRACE_S`.
    """

    def __init__(self, filepath: str) -> None:
        super().__init__(filepath, grace_period=None)
        self.journal = filepath

    def acquire(self) -> bool:
        """Take the lock, waiting for a live holder; True once taken."""
        self._lock_target_file = f"{self.journal}#{holder_id()}"
        sleep_s, seen, since = 0.001, "", time.monotonic()
        while True:
            try:
                os.symlink(self._lock_target_file, self._lock_file)
                return True
            except FileExistsError:
                pass
            except OSError as exc:  # a read-only or full disk: say which journal
                message = f"cannot write the journal ({exc.strerror})"
                raise OSError(exc.errno, message, self.journal) from exc
            with contextlib.suppress(OSError):
                target = os.readlink(self._lock_file)
                if target != seen:
                    seen, since = target, time.monotonic()
                holder = target.rpartition("#")[2]
                if holder_dead(holder) or time.monotonic() - since > GRACE_S:
                    self.break_lock(target)
                    continue
            time.sleep(sleep_s)
            sleep_s = min(sleep_s * 2, 0.1)

    def break_lock(self, target: str) -> None:
        """Remove the lock link if it still names ``target`` (else put back what was taken)."""
        taken = f"{self._lock_file}.{uuid.uuid4().hex}.broken"
        os.rename(self._lock_file, taken)
        if os.readlink(taken) == target:
            LOG.warning("journal lock of %s broken (holder gone)", target.rpartition("#")[2])
            os.unlink(taken)
        else:  # another waiter broke it first and a live holder took it: give it back
            os.rename(taken, self._lock_file)


class SignalSafeJournalFile(JournalFileBackend):
    """Optuna's journal file whose appends (the only step that takes its lock) finish before the
    main thread's SIGTERM handler raises, whose lock a dead holder does not keep
    (:class:`HolderLock`), and whose failed append (a full or read-only disk) leaves no partial
    line: the file is cut back to its length before the append."""

    def __init__(self, file_path: str) -> None:
        self.lock = HolderLock(file_path)
        super().__init__(file_path, lock_obj=self.lock)
        self.path = file_path

    def append_logs(self, logs: list[dict]) -> None:
        """Append ``logs`` as whole lines under the lock; on an OSError the file is unchanged."""
        lines = "".join(json.dumps(log, separators=(",", ":")) + "\n" for log in logs)
        with critical_section():
            self.lock.acquire()
            try:
                self.write_whole(lines.encode("utf-8"))
            finally:
                self.lock.release()

    def write_whole(self, data: bytes) -> None:
        """Write ``data`` at the end of the journal, or raise leaving it as it was."""
        size = os.path.getsize(self.path)
        try:
            with open(self.path, "ab") as journal:
                journal.write(data)
                journal.flush()
                os.fsync(journal.fileno())
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.truncate(self.path, size)
            raise OSError(
                exc.errno, f"cannot write the journal ({exc.strerror})", self.path
            ) from exc


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
        return RetryingRDBStorage(url, engine_kwargs=engine_kwargs, skip_table_creation=not create)
    except ImportError as exc:
        raise ValueError(f"storage {redact(url)}: database driver missing ({exc})") from exc
    except Exception as exc:  # SQLAlchemy/driver errors: one line for the user
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"storage {redact(url)} is unreachable or invalid: {first}") from exc


def lost_connection(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database server went away, not bad data."""
    from sqlalchemy import exc as sql

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, sql.OperationalError) or (
            isinstance(seen, sql.DBAPIError) and seen.connection_invalidated
        ):
            return True
        seen = seen.__cause__ or seen.__context__  # Optuna retries once in a broken session
    return False


def retrying(method: Callable[..., object]) -> Callable[..., object]:
    """``method`` of a database storage, called again (for up to :data:`RETRY_S` seconds, with
    a growing pause) while the server does not answer: a restarted PostgreSQL server costs the
    workers a pause, not their trials. Optuna's storage calls are single transactions, rolled
    back by the server when the connection drops, so a call that failed did not happen; one
    whose commit was lost in flight is refused as already done (a claim or ``tell``), and its
    slot runs again."""

    def call(self: RDBStorage, *args: object, **kwargs: object) -> object:
        pause, deadline = 0.2, time.monotonic() + RETRY_S
        while True:
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                if not lost_connection(exc) or time.monotonic() > deadline:
                    raise
                first = (str(exc.__cause__ or exc).strip().splitlines() or ["?"])[0]
                LOG.warning("storage %s: %s; retrying in %.1f s", method.__name__, first, pause)
            time.sleep(pause)
            pause = min(pause * 2, 5.0)

    call.__name__, call.__doc__ = method.__name__, method.__doc__
    return call


class RetryingRDBStorage(RDBStorage):
    """Optuna's RDB storage whose calls wait out a database server that went away
    (:func:`retrying`); ``pool_pre_ping`` then replaces the pool's dead connections."""


SESSION_CALLS = ("_create_new_trial", "_set_trial_param", "_get_trials", "_get_best_trial_id")
"""RDBStorage's own calls that Optuna's cache makes directly, each one transaction."""

for _name in [n for n in vars(BaseStorage) if not n.startswith("_") and n != "remove_session"]:
    setattr(RetryingRDBStorage, _name, retrying(getattr(RDBStorage, _name)))
for _name in SESSION_CALLS:
    setattr(RetryingRDBStorage, _name, retrying(getattr(RDBStorage, _name)))


def load_study(storage: BaseStorage, name: str, url: str) -> optuna.Study:
    """Load study ``name``; one line telling to run ``odyssey init`` if it does not exist."""
    try:
        return optuna.load_study(study_name=name, storage=storage)
    except KeyError as exc:
        raise ValueError(
            f"study {name!r} is not in storage {redact(url)}: run `odyssey init --config ...` first"
        ) from exc
