"""Tests of bench/bench_paper_mode.py: the JSB protocol's cost, from a generated trials table."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_paper_mode", REPO / "bench" / "bench_paper_mode.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _np_seconds_per_epoch(h: int) -> float:
    return 0.05 + 1e-3 * h + 2e-5 * h * h


def _table(path: Path) -> Path:
    """NP at a known cost per epoch; V twice as slow, at hidden sizes NP never had in its slots."""
    rows = []
    for k, h in enumerate([20, 50, 80, 120, 200]):
        rows.append(("NP", k, h, 10 + k, _np_seconds_per_epoch(h) * (10 + k)))
    for k, h in enumerate([30, 150]):
        rows.append(("V", k, h, 20, 2 * _np_seconds_per_epoch(h) * 20))
    rows.append(("V", 2, 40, 5, 1.0))
    frame = pd.DataFrame(rows, columns=["variant", "trial", "hidden_size", "epochs", "wall_time_s"])
    frame["state"] = ["COMPLETE"] * (len(frame) - 1) + ["FAIL"]  # a failed trial is not priced
    frame.to_csv(path, index=False)
    return path


def test_cells_are_priced_at_np_s_fitted_epoch_cost(tmp_path: Path) -> None:
    bench = _bench()
    result = bench.summarise(bench.finished_trials(_table(tmp_path / "t.csv")))
    fit = result["np_seconds_per_epoch_fit"]
    assert (fit["a"], fit["b"], fit["c"]) == pytest.approx((0.05, 1e-3, 2e-5), rel=1e-6)
    v = result["cells"]["V"]
    assert v["trials"] == 2
    assert v["mean_trial_s"] == pytest.approx(2 * v["mean_trial_s_at_np_speed"])
    want = (20 * _np_seconds_per_epoch(30) + 20 * _np_seconds_per_epoch(150)) / 2
    assert v["mean_trial_s_at_np_speed"] == pytest.approx(want)
    per_trial = {c: result["cells"][c]["mean_trial_s"] for c in ("NP", "V")}
    assert result["projection_cpu_hours"] == pytest.approx(
        9 / 2 * 200 * sum(per_trial.values()) / 3600
    )


def test_the_command_writes_markdown_and_json(tmp_path: Path, capsys) -> None:
    bench = _bench()
    bench.main(["--trials", str(_table(tmp_path / "t.csv")), "--out", str(tmp_path / "pm")])
    text = (tmp_path / "pm.md").read_text()
    assert "| V | 2 |" in text and "over its 5 trials" in text
    assert json.loads((tmp_path / "pm.json").read_text())["finished_trials"] == 7
    assert "CPU-hours" in capsys.readouterr().out
