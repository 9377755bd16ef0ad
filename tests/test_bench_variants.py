"""The speed benchmark script (bench/bench_variants.py) on its smallest setting."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "bench_variants.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_variants", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_writes_table_and_json(tmp_path: Path) -> None:
    bench = load_bench()
    out = tmp_path / "b"
    threads = torch.get_num_threads()
    result = bench.main(
        ["--shapes", "jsb", "--cells", "RNN", "--repeats", "1", "--warmup", "0", "--threads", "1",
         "--out", str(out)]
    )  # fmt: skip
    data = json.loads(out.with_suffix(".json").read_text())
    assert data["shapes"]["jsb"]["ratio"]["nn.LSTM"] == 1.0
    assert set(data["shapes"]["jsb"]["median_ms"]) == {"nn.LSTM", "RNN"}
    assert result["meta"]["repeats"] == 1
    assert torch.get_num_threads() == threads
    table = out.with_suffix(".md").read_text()
    assert "| RNN |" in table and "JSB-like" in table


def test_unknown_cell_is_rejected() -> None:
    with pytest.raises(SystemExit):
        load_bench().main(["--cells", "LSTM9", "--quick"])


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_times_on_a_gpu_against_cudnn(tmp_path: Path) -> None:
    bench = load_bench()
    out = tmp_path / "g"
    result = bench.main(
        ["--device", "cuda", "--shapes", "jsb", "--cells", "V", "GRU", "--repeats", "2",
         "--warmup", "1", "--out", str(out)]
    )  # fmt: skip
    assert result["meta"]["device"].startswith(torch.cuda.get_device_name(0))
    assert set(result["shapes"]["jsb"]["median_ms"]) == {"nn.LSTM", "V", "GRU"}
    assert all(ms > 0 for ms in result["shapes"]["jsb"]["median_ms"].values())
    assert ", on " in out.with_suffix(".md").read_text()
