"""The report's prose, kept beside its template in ``report/prose.yaml``.

Every fixed sentence of the PDF (captions, section texts, the abstract's phrases) lives there;
the section builders of :mod:`odyssey.render.sections` fill its ``{placeholders}`` with names and
numbers (Python ``str.format``) and choose between its optional sentences.
"""

from __future__ import annotations

import functools
from typing import Any

import yaml

from odyssey.resources import resource

PROSE_PATH = resource("report/prose.yaml")
"""The prose file (see :mod:`odyssey.resources`)."""


@functools.cache
def prose() -> dict[str, Any]:
    """The whole prose file, section by section."""
    return yaml.safe_load(PROSE_PATH.read_text(encoding="utf-8"))


def text(key: str, **values: Any) -> str:
    """The sentence at ``key`` (``section.name``) with its placeholders filled from ``values``."""
    node: Any = prose()
    for part in key.split("."):
        node = node[part]
    return str(node).format_map(values)


def labels(key: str) -> dict[str, str]:
    """A mapping of labels at ``key`` (e.g. the hyperparameters' names in a sentence)."""
    node: Any = prose()
    for part in key.split("."):
        node = node[part]
    return dict(node)
