"""Tests of odyssey.sweep.storage: journal default, SQLAlchemy URLs, one-line errors."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from engine_support import free_port

from odyssey.study.locations import default_storage_url, is_rdb, redact, resolve_storage_url
from odyssey.sweep.storage import load_study, open_storage


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
