"""Tests of odyssey.render.figures: fixed colours and deterministic vector output."""

from __future__ import annotations

from pathlib import Path

from fixtures_trials import make_trials

from odyssey.analysis import stats
from odyssey.render import figures


def test_one_distinct_colour_per_known_variant() -> None:
    colours = [figures.colour(v) for v in stats.PAPER_ORDER]
    assert len(set(colours)) == len(colours)
    assert figures.colour("MUT1") == figures.colour("MUT1")


def _boxes(stem: Path) -> Path:
    trials = make_trials(n=10)
    trials = trials[trials["state"] == "COMPLETE"].assign(top10=lambda f: f["trial"] < 2)
    return figures.variant_boxes(trials, {"NFG"}, set(), "test nll", stem)


def test_box_figure_is_deterministic_vector_output(tmp_path: Path) -> None:
    first = _boxes(tmp_path / "a" / "boxes")
    second = _boxes(tmp_path / "b" / "boxes")
    assert first.suffix == ".svg"
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text()
    assert "<svg" in text and "dc:date" not in text
