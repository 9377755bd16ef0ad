"""The test PostgreSQL helper finds Debian's server binaries off PATH and says why it cannot run."""

from __future__ import annotations

import glob

import pytest
from pg_support import DEBIAN_BIN_GLOB, find_postgres, missing


@pytest.mark.skipif(not glob.glob(DEBIAN_BIN_GLOB), reason="no Debian PostgreSQL package here")
def test_server_binaries_are_found_where_debian_puts_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")  # initdb is not on it
    if missing() is not None:
        pytest.skip(str(missing()))
    binaries = find_postgres()
    assert binaries is not None
    assert binaries[0].startswith("/usr/lib/postgresql/") and binaries[0].endswith("/initdb")


def test_an_absent_server_is_a_one_line_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr("pg_support.DEBIAN_BIN_GLOB", "/nonexistent/*/bin")
    reason = missing()
    assert reason is not None and "\n" not in reason
    assert find_postgres() is None
