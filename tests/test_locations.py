"""Tests of odyssey.study.locations: where a config puts its stores, resolved once."""

from __future__ import annotations

from pathlib import Path

from odyssey.study.locations import (
    Locations,
    default_storage_url,
    default_tracking_uri,
    redact,
    resolve_tracking_uri,
)


def test_a_config_names_its_stores_under_results(tmp_path: Path) -> None:
    cfg = {"results_dir": str(tmp_path / "r"), "storage": None, "tracking_uri": None}
    where = Locations.from_config(cfg)
    assert where.storage_url == default_storage_url(tmp_path / "r")
    assert where.storage_url == str((tmp_path / "r" / "optuna" / "journal.log").resolve())
    assert where.tracking_uri == default_tracking_uri(tmp_path / "r")
    assert where.tracking_uri == f"sqlite:///{(tmp_path / 'r' / 'mlflow.db').resolve()}"
    assert where.artifact_root == tmp_path / "r" / "mlartifacts"


def test_servers_and_tracking_off(tmp_path: Path) -> None:
    url = "postgresql+psycopg2://me:secret@db:5432/odyssey"
    where = Locations.from_config({"results_dir": "x", "storage": url, "tracking_uri": "off"})
    assert where.storage_url == url and where.tracking_uri is None
    assert resolve_tracking_uri("NONE", tmp_path) is None
    assert redact(url) == "postgresql+psycopg2://me:***@db:5432/odyssey"
    assert Locations("journal.log") == Locations("journal.log", None, None)


def test_a_redacted_config_hides_both_passwords() -> None:
    from odyssey.study.locations import redacted_config

    cfg = {"storage": "postgresql://u:pw1@h/db", "tracking_uri": "http://a:pw2@h:5000", "seed": 1}
    out = redacted_config(cfg)
    assert "pw1" not in str(out) and "pw2" not in str(out) and out["seed"] == 1
    assert cfg["storage"].endswith("pw1@h/db")  # the original is untouched
