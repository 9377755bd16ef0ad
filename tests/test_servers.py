"""odyssey.study.servers: known URL schemes, and servers that do not answer, named in one line."""

from __future__ import annotations

import socket

import pytest
from engine_support import free_port

from odyssey.study.servers import address, check_schemes, scheme, unreachable


def test_scheme_is_the_dialect_without_the_driver() -> None:
    assert scheme("postgresql+psycopg2://u@h/db") == "postgresql"
    assert scheme("HTTP://h:5000") == "http"


@pytest.mark.parametrize(
    ("cfg", "where"),
    [
        ({"storage": "postgress://u:pw@h/db"}, "storage: unknown scheme 'postgress'"),
        ({"tracking_uri": "htp://h:5000"}, "tracking_uri: unknown scheme 'htp'"),
        ({"tracking_uri": "mlruns"}, "tracking_uri: 'mlruns' is not a URL"),
    ],
)
def test_unknown_schemes_are_one_line_naming_the_key(cfg: dict, where: str) -> None:
    with pytest.raises(ValueError) as error:
        check_schemes(cfg, env={})
    assert str(error.value).startswith(where) and "\n" not in str(error.value)
    assert "pw" not in str(error.value)


def test_known_schemes_and_files_pass() -> None:
    for storage in (None, "results/journal.log", "sqlite:///x.db", "mysql+pymysql://u@h/db"):
        for tracking in (None, "none", "sqlite:///m.db", "https://mlflow.example:443"):
            check_schemes({"storage": storage, "tracking_uri": tracking}, env={})


def test_the_environment_variable_is_named() -> None:
    env = {"ODYSSEY_STORAGE": "foo://x"}
    with pytest.raises(ValueError, match=r"^storage \(from ODYSSEY_STORAGE\)"):
        check_schemes({"storage": "foo://x"}, env=env)


def test_addresses_take_the_default_ports() -> None:
    assert address("postgresql://u@db/x", {"postgresql": 5432}) == ("db", 5432)
    assert address("http://127.0.0.1:5000", {"http": 80}) == ("127.0.0.1", 5000)
    assert address("sqlite:///x.db", {"sqlite": None}) is None


def test_a_closed_port_is_named_with_the_password_hidden() -> None:
    port = free_port()
    cfg = {"storage": f"postgresql+psycopg2://me:s3cret@127.0.0.1:{port}/db", "tracking_uri": None}
    message = unreachable(cfg, env={}, timeout_s=2)
    assert message is not None and message.startswith("storage: the server of")
    assert "me:***@127.0.0.1" in message and "s3cret" not in message


def test_a_listening_server_answers() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert unreachable({"tracking_uri": f"http://127.0.0.1:{port}"}, env={}) is None
