"""Tests of odyssey.render.cd_diagram."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from odyssey.render.cd_diagram import cd_diagram, cliques


def test_cliques_join_cells_closer_than_cd() -> None:
    ranks = {"A": 1.0, "B": 1.5, "C": 2.2, "D": 4.0}
    assert cliques(ranks, 1.3) == [["A", "B", "C"]]
    assert cliques(ranks, 0.8) == [["A", "B"], ["B", "C"]]
    assert cliques(ranks, 0.1) == []


def test_diagram_is_deterministic_svg(tmp_path: Path) -> None:
    ranks = {"V": 1.5, "NP": 2.0, "NFG": 2.5}
    first = cd_diagram(ranks, 1.9, tmp_path / "a" / "cd")
    second = cd_diagram(ranks, 1.9, tmp_path / "b" / "cd")
    root = ET.parse(first).getroot()
    assert root.tag.endswith("svg")
    assert first.read_bytes() == second.read_bytes()  # the report's bytes depend on it
