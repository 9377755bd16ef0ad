"""Tests of odyssey.sweep.storage: journal default, SQLAlchemy URLs, one-line errors, the journal's
lock and failed appends, database calls across a server restart (a real PostgreSQL server)."""

from __future__ import annotations

import logging
import os
import resource
import signal
import subprocess
import threading
import time
from pathlib import Path

import optuna
import pytest
from engine_support import free_port
from pg_support import missing, postgres_server

from odyssey.study.locations import default_storage_url, is_rdb, redact, resolve_storage_url
from odyssey.sweep.storage import (
    SignalSafeJournalFile,
    critical_section,
    defer_if_critical,
    holder_dead,
    holder_id,
    load_study,
    lost_connection,
    open_storage,
)


def test_default_is_a_journal_file_under_results(tmp_path: Path) -> None:
    url = resolve_storage_url(None, tmp_path / "results")
    assert url == str((tmp_path / "results" / "optuna" / "journal.log").resolve())
    assert url == default_storage_url(tmp_path / "results") and not is_rdb(url)
    with pytest.raises(ValueError, match="does not exist: run `odyssey init"):
        open_storage(url)
    storage = open_storage(url, create=True)
    optuna.create_study(storage=storage, study_name="s")
    assert load_study(open_storage(url), "s", url).study_name == "s"


def test_sqlite_url_is_created_once_then_opened(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'optuna.db'}"
    optuna.create_study(storage=open_storage(url, create=True), study_name="s")
    assert load_study(open_storage(url), "s", url).study_name == "s"
    with pytest.raises(ValueError, match="study 'other' is not in storage sqlite") as info:
        load_study(open_storage(url), "other", url)
    assert "odyssey init" in str(info.value)


def test_unreachable_database_fails_in_one_line_without_password() -> None:
    url = f"postgresql+psycopg2://me:pa55@127.0.0.1:{free_port()}/db"
    with pytest.raises(ValueError) as info:
        open_storage(url, create=True)
    text = str(info.value)
    assert "\n" not in text and "pa55" not in text
    assert text.startswith("storage postgresql+psycopg2://me:***@127.0.0.1")
    assert redact("sqlite:///x.db") == "sqlite:///x.db"


def test_a_signal_inside_a_journal_append_raises_after_it(tmp_path: Path) -> None:
    """The worker's SIGTERM handler defers itself inside an append: the line is written whole
    and the lock released, then the exception comes."""

    class Stop(Exception):
        pass

    def raise_stop() -> None:
        raise Stop

    def handler(signum: int, frame: object) -> None:
        if not defer_if_critical(raise_stop):
            raise_stop()

    previous = signal.signal(signal.SIGTERM, handler)
    steps = []
    try:
        with pytest.raises(Stop), critical_section():
            os.kill(os.getpid(), signal.SIGTERM)  # the handler runs here, and defers
            steps.append("after the signal")
        assert steps == ["after the signal"]
        with pytest.raises(Stop):  # outside a section it raises at once
            os.kill(os.getpid(), signal.SIGTERM)
        backend = SignalSafeJournalFile(str(tmp_path / "journal.log"))
        log = {"op_code": 0, "worker_id": "w", "study_name": "s", "directions": [1]}
        backend.append_logs([log])
        assert len(list(backend.read_logs(0))) == 1
        assert not list(tmp_path.glob("*.lock"))  # the lock is released
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_journal_lock_of_a_dead_holder_is_broken_at_once(tmp_path: Path) -> None:
    """A worker SIGKILLed inside an append leaves the lock link; its holder is seen dead."""
    journal = tmp_path / "journal.log"
    backend = SignalSafeJournalFile(str(journal))
    ended = subprocess.Popen(["true"])
    ended.wait()  # a process of this host that has ended, reaped
    here = holder_id().rsplit(":", 1)[0]
    assert not holder_dead(holder_id()) and holder_dead(f"{here}:{ended.pid}")
    assert not holder_dead(f"elsewhere:pid:[1]:{ended.pid}") and not holder_dead("old-lock")
    os.symlink(f"{journal}#{here}:{ended.pid}", f"{journal}.lock")
    started = time.monotonic()
    backend.append_logs([{"op_code": 0, "worker_id": "w", "study_name": "s", "directions": [1]}])
    assert time.monotonic() - started < 5  # not Optuna's 30 s grace period
    assert len(list(backend.read_logs(0))) == 1 and not os.path.lexists(f"{journal}.lock")


def test_a_failed_append_leaves_no_partial_line(tmp_path: Path) -> None:
    """A disk that fills up in the middle of an append (here a file-size limit, which cuts the
    write short as ENOSPC would): one OSError naming the journal, the file as it was."""
    journal = tmp_path / "journal.log"
    backend = SignalSafeJournalFile(str(journal))
    log = {"op_code": 0, "worker_id": "w", "study_name": "s", "directions": [1]}
    backend.append_logs([log])
    before = journal.read_bytes()
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) + 20, limit[1]))
    try:
        with pytest.raises(OSError) as info:
            backend.append_logs([{**log, "study_name": "x" * 200}])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)
        signal.signal(signal.SIGXFSZ, previous)
    assert info.value.filename == str(journal) and "cannot write the journal" in str(info.value)
    assert journal.read_bytes() == before  # the partial line was cut off
    backend.append_logs([log])
    assert len(list(SignalSafeJournalFile(str(journal)).read_logs(0))) == 2


@pytest.mark.skipif(missing() is not None, reason=str(missing()))
def test_database_calls_wait_out_a_server_restart(tmp_path: Path) -> None:
    """A call made while the PostgreSQL server is down retries until it is back, then answers."""
    with postgres_server() as server:
        storage = open_storage(server.url, create=True)
        optuna.create_study(storage=storage, study_name="s")
        server.stop("immediate")
        retried = threading.Event()

        class Seen(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                if "retrying" in record.getMessage():
                    retried.set()

        handler = Seen()
        logging.getLogger("odyssey.sweep.storage").addHandler(handler)
        answer: list[object] = []
        caller = threading.Thread(target=lambda: answer.append(storage.get_all_studies()))
        try:
            caller.start()
            assert retried.wait(60), "no retry was logged"
            server.start()
            caller.join(120)
        finally:
            logging.getLogger("odyssey.sweep.storage").removeHandler(handler)
        assert [s.study_name for s in answer[0]] == ["s"]  # type: ignore[index]


def test_only_a_lost_connection_is_retried() -> None:
    from sqlalchemy import exc as sql

    lost = sql.OperationalError("select 1", {}, Exception("server closed the connection"))
    wrapped = optuna.exceptions.StorageInternalError("during the commit")
    wrapped.__cause__ = lost
    assert lost_connection(lost) and lost_connection(wrapped)
    bad_data = sql.IntegrityError("insert", {}, Exception("duplicate key"))
    assert not lost_connection(bad_data) and not lost_connection(ValueError("x"))
