"""A real, throw-away PostgreSQL server for the tests (Debian's package), in one place.

Not a test module. :func:`find_postgres` looks for ``initdb`` and ``pg_ctl`` on PATH and where
Debian installs them (``/usr/lib/postgresql/<version>/bin``, not on PATH on a stock install);
:func:`missing` says in one line why a server cannot start here (the skip reason CI prints).
:func:`postgres_server` starts one on 127.0.0.1 in a temporary folder, yields a
:class:`PostgresServer` (its URL; it can be restarted), and always stops and deletes it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from engine_support import free_port

DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
"""Where Debian's postgresql-<version> package puts the server binaries."""


def _server_binary(name: str) -> str | None:
    """``name`` on PATH, else in the newest Debian version folder, else None."""
    found = shutil.which(name)
    if found:
        return found
    folders = sorted(glob.glob(DEBIAN_BIN_GLOB), key=lambda f: int(Path(f).parent.name or 0))
    for folder in reversed(folders):
        candidate = Path(folder) / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def missing() -> str | None:
    """Why no PostgreSQL server can be started here (one line), or None if one can."""
    if os.geteuid() != 0:
        return "PostgreSQL tests need root (initdb runs as the postgres user)"
    if not (_server_binary("initdb") and _server_binary("pg_ctl")):
        return (
            "PostgreSQL server binaries absent (not on PATH nor in /usr/lib/postgresql/*/bin): "
            "apt-get install postgresql, or run .ci/run as root"
        )
    if not shutil.which("runuser"):
        return "runuser absent (util-linux)"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "no postgres user (install Debian's postgresql package)"
    return None


def find_postgres() -> tuple[str, str, str] | None:
    """(initdb, pg_ctl, runuser) where a server can be started, else None."""
    if missing() is not None:
        return None
    return (_server_binary("initdb"), _server_binary("pg_ctl"), shutil.which("runuser"))  # type: ignore[return-value]


@dataclass
class PostgresServer:
    """A running test server: ``url`` (SQLAlchemy, psycopg2), ``port``, ``restart()``."""

    url: str
    port: int
    data: Path
    log: Path
    pg_ctl: str
    as_pg: list[str]
    options: str

    def _ctl(self, *args: str, check: bool = True) -> None:
        command = [*self.as_pg, self.pg_ctl, "-D", str(self.data), *args]
        subprocess.run(command, check=check, capture_output=True, timeout=60)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._ctl("-l", str(self.log), "-o", self.options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate``: as a crash would)."""
        self._ctl("-m", mode, "-w", "stop", check=False)

    def restart(self, mode: str = "immediate") -> None:
        """Stop the server abruptly and start it again on the same port and data."""
        self.stop(mode)
        self.start()


@contextlib.contextmanager
def postgres_server(password: str | None = None) -> Iterator[PostgresServer]:
    """Start a throw-away server on 127.0.0.1 (user ``postgres``; with ``password``, TCP logins
    need it); yield it; stop it and delete its folder, also on failure."""
    binaries = find_postgres()
    assert binaries is not None, missing()
    initdb, pg_ctl, runuser = binaries
    user = pwd.getpwnam("postgres")
    root = Path(tempfile.mkdtemp(prefix="odyssey-pg-"))
    data, sockets, log = root / "data", root / "sockets", root / "server.log"
    sockets.mkdir()
    os.chown(root, user.pw_uid, user.pw_gid)
    os.chown(sockets, user.pw_uid, user.pw_gid)
    auth = ["-A", "trust"]
    if password is not None:
        secret = root / "pwfile"
        secret.write_text(password + "\n")
        os.chown(secret, user.pw_uid, user.pw_gid)
        auth = ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={secret}"]
    port = free_port()
    as_pg = [runuser, "-u", "postgres", "--"]
    options = f"-h 127.0.0.1 -p {port} -k {sockets} -c fsync=off"
    login = "postgres" if password is None else f"postgres:{password}"
    server = PostgresServer(
        url=f"postgresql+psycopg2://{login}@127.0.0.1:{port}/postgres",
        port=port,
        data=data,
        log=log,
        pg_ctl=pg_ctl,
        as_pg=as_pg,
        options=options,
    )
    started = False
    try:
        subprocess.run(
            [*as_pg, initdb, "-D", str(data), *auth, "-U", "postgres", "--no-sync"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        server.start()
        started = True
        # the "postgres" database of a fresh cluster serves as the Optuna database
        yield server
    finally:
        if started:
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
