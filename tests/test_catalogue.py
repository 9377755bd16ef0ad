"""Tests of odyssey.study.catalogue: the registries' names, cached by a hash of their sources."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from engine_support import clean_env

import tasks
import variants
from odyssey.study import catalogue as catalogue_module
from odyssey.study.catalogue import catalogue, check_task, check_variant, read_registries

REPO = Path(__file__).resolve().parent.parent


def test_the_catalogue_is_the_registries() -> None:
    found = catalogue()
    assert found == read_registries()
    assert found.task_names() == tasks.names()
    assert found.variant_names() == variants.names()
    for name in tasks.names():
        assert list(found.tasks[name]) == list(tasks.options(name)), name


def test_unknown_names_fail_in_one_line() -> None:
    check_task("adding")
    check_variant("CIFG")
    with pytest.raises(ValueError, match="unknown task 'adder'; known tasks: adding, airline"):
        check_task("adder")
    with pytest.raises(ValueError, match="unknown variant 'LSTM'; known: V, NIG"):
        check_variant("LSTM")


def _names_in_a_fresh_process(cache: Path) -> dict:
    code = (
        "import json, sys; from odyssey.study.catalogue import catalogue; c = catalogue(); "
        "print(json.dumps({'tasks': c.task_names(), 'torch': 'torch' in sys.modules}))"
    )
    env = {**clean_env(), "XDG_CACHE_HOME": str(cache)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_a_second_read_comes_from_the_cache_without_torch(tmp_path: Path) -> None:
    first = _names_in_a_fresh_process(tmp_path)
    (cached,) = (tmp_path / "lstm-odyssey").glob("catalogue-*.json")
    assert cached.name == f"catalogue-{catalogue_module.source_hash()}.json"
    second = _names_in_a_fresh_process(tmp_path)
    assert first["torch"] and not second["torch"]
    assert first["tasks"] == second["tasks"] == tasks.names()


def test_an_unwritable_cache_reads_the_registries(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert _names_in_a_fresh_process(blocked)["tasks"] == tasks.names()


def test_the_catalogue_knows_what_a_model_check_needs() -> None:
    found = catalogue()
    assert found.traits == {name: tasks.traits(name) for name in tasks.names()}
    assert found.traits["digit_frames"]["frames"] and not found.traits["adding"]["frames"]
    next_step = {name for name, t in found.traits.items() if t["predicts_next_step"]}
    assert next_step == {"bach_chorales", "embedded_reber", "jsb_chorales"}
    assert found.frontends == variants.FRONTENDS == ("cnn", "fuzzy")
    assert found.init_bases + found.init_modifiers == (
        "paper",
        "pytorch",
        "orthogonal",
        "forget_bias",
    )
