"""tanh by sigmoid for large steps (variants.pointwise)."""

from __future__ import annotations

import pytest
import torch

from variants.pointwise import LARGE_STEP, StepTanh


@pytest.mark.parametrize("numel", [10, LARGE_STEP])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_equals_torch_tanh(numel: int, dtype: torch.dtype) -> None:
    x = torch.linspace(-30, 30, 4001, dtype=dtype)
    tanh = StepTanh(x, numel)
    assert tanh.by_sigmoid == (numel >= LARGE_STEP)
    out = torch.empty_like(x)
    torch.testing.assert_close(tanh.into(x, out), torch.tanh(x), rtol=0, atol=4e-7)
    y = x.clone()
    torch.testing.assert_close(tanh.inplace(y), torch.tanh(x), rtol=0, atol=4e-7)
    s = torch.sigmoid(2 * x)
    torch.testing.assert_close(tanh.from_sigmoid(s), torch.tanh(x), rtol=0, atol=4e-7)
