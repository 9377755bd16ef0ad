"""Tests of odyssey.render.prose: report/prose.yaml holds every sentence the sections ask for."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from odyssey.render.prose import PROSE_PATH, labels, prose, text
from odyssey.render.sections.setup import paper_space_text
from odyssey.study.space import SPACE_KEYS

RENDER = Path(__file__).resolve().parent.parent / "odyssey" / "render"


def _keys_used() -> set[str]:
    """The literal keys passed to text() and labels() by the render modules."""
    keys = set()
    for path in RENDER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("text", "labels")
                and node.args
            ):
                first = node.args[0]
                if isinstance(first, ast.Constant):
                    keys.add(first.value)
                elif isinstance(first, ast.JoinedStr):  # f"comparison.scopes.{key}"
                    stem = "".join(v.value for v in first.values if isinstance(v, ast.Constant))
                    keys.update(f"{stem}{k}" for k in prose()[stem.split(".")[0]]["scopes"])
    return keys


def test_the_prose_lives_beside_the_template() -> None:
    assert PROSE_PATH.name == "prose.yaml" and PROSE_PATH.parent.name == "report"
    assert (PROSE_PATH.parent / "odyssey.typ").is_file()


@pytest.mark.parametrize("key", sorted(_keys_used()))
def test_every_key_the_sections_use_exists(key: str) -> None:
    node = prose()
    for part in key.split("."):
        assert part in node, key
        node = node[part]
    assert isinstance(node, str | dict)


def test_placeholders_are_named_and_filled() -> None:
    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{where}.{key}" if where else key)
        else:
            yield where, str(node)

    for where, sentence in walk(prose(), ""):
        fields = [f for _, f, _, _ in string.Formatter().parse(sentence) if f is not None]
        assert all(f.isidentifier() for f in fields), (where, fields)
        assert "\n" not in sentence, where
    assert text("comparison.not_drawn", scopes="all trials").startswith(" Significance")


def test_the_paper_space_is_stated_from_its_one_definition() -> None:
    assert set(labels("setup.paper_space_labels")) == set(SPACE_KEYS)
    assert paper_space_text() == (
        "hidden size log-uniform in [20, 200], learning rate log-uniform in [1e-6, 1e-2], "
        "momentum = 1 minus log-uniform in [0.01, 1], input-noise std uniform in [0, 1]"
    )
