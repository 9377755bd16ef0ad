"""Tests of odyssey.sweep.studies: changed settings and missing stores fail in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_support import (
    free_port,
    init_config,
    tiny_config,
    work,
)


def test_changed_settings_and_missing_init_fail_in_one_line(tmp_path: Path) -> None:
    cfg = tiny_config(tmp_path, n_trials=1, tracking_uri="none")
    with pytest.raises(ValueError, match="run `odyssey init --config ...` before any worker"):
        work(cfg, "adding", "V")
    init_config(cfg)
    changed = tiny_config(tmp_path, n_trials=1, budget={"max_epochs": 9}, tracking_uri="none")
    with pytest.raises(ValueError, match="created with other settings .*max_epochs") as info:
        init_config(changed)
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="has other settings than this config"):
        work(changed, "adding", "V")
    other_variant = tiny_config(tmp_path, n_trials=1, variants=["V", "NP"], tracking_uri="none")
    with pytest.raises(ValueError, match="'test.adding.NP' is not in storage"):
        work(other_variant, "adding", "NP")


def test_unreachable_storage_url_fails_in_one_line(tmp_path: Path) -> None:
    url = f"postgresql+psycopg2://odyssey:secret@127.0.0.1:{free_port()}/odyssey"
    cfg = tiny_config(tmp_path, storage=url, tracking_uri=f"sqlite:///{tmp_path}/m.db")
    with pytest.raises(ValueError, match="is unreachable or invalid: .*refused") as info:
        init_config(cfg)
    assert "\n" not in str(info.value) and "secret" not in str(info.value)
    assert "odyssey:***@127.0.0.1" in str(info.value)
