"""Stacking, bidirectional layers and padded batches for every cell (variants.network)."""

from __future__ import annotations

import pytest
import torch

import variants
from variants.network import reverse_padded

M, N = 3, 4
ALL = variants.names()


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("name", ALL)
def test_padded_batch_equals_each_sequence_alone(name: str, fast: bool) -> None:
    """Valid outputs and final states equal the unpadded run of each sequence; padding is zero."""
    torch.manual_seed(0)
    net = variants.build(name, M, N, num_layers=2, bidirectional=True, fast=fast).double()
    lengths = torch.tensor([5, 2, 4])
    x = torch.randn(3, 5, M, dtype=torch.float64)
    out, state = net(x, lengths)
    garbage = x.clone()
    for b, n in enumerate(lengths.tolist()):
        garbage[b, n:] = 1e3 * torch.randn(5 - n, M, dtype=torch.float64)
    out_garbage, _ = net(garbage, lengths)
    torch.testing.assert_close(out, out_garbage)
    states = state if isinstance(state, tuple) else (state,)
    assert out.shape == (3, 5, 2 * N)
    for b, n in enumerate(lengths.tolist()):
        solo, solo_state = net(x[b : b + 1, :n])
        torch.testing.assert_close(out[b : b + 1, :n], solo)
        assert torch.count_nonzero(out[b, n:]) == 0
        solo_states = solo_state if isinstance(solo_state, tuple) else (solo_state,)
        for s, s_solo in zip(states, solo_states, strict=True):
            assert s.shape == (4, 3, N)
            torch.testing.assert_close(s[:, b : b + 1], s_solo)


@pytest.mark.parametrize("name", ALL)
def test_fast_equals_eager_stacked_bidirectional(name: str) -> None:
    """The fast path (lean loop or fused kernel) equals the eager reference, values and grads."""
    torch.manual_seed(1)
    fast = variants.build(name, M, N, num_layers=2, bidirectional=True).double()
    eager = variants.build(name, M, N, num_layers=2, bidirectional=True, fast=False).double()
    eager.load_state_dict(fast.state_dict())
    x = torch.randn(2, 6, M, dtype=torch.float64)
    lengths = torch.tensor([6, 3])
    out_f, _ = fast(x, lengths)
    out_e, _ = eager(x, lengths)
    torch.testing.assert_close(out_f, out_e)
    out_f.pow(2).sum().backward()
    out_e.pow(2).sum().backward()
    for (key, p), q in zip(fast.named_parameters(), eager.parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad, msg=key)


def test_backward_direction_starts_at_own_last_step() -> None:
    """The backward output at t = 0 of a length-2 sequence sees only steps 1 then 0."""
    torch.manual_seed(2)
    net = variants.build("V", M, N, bidirectional=True).double()
    cell_bwd = net.cells[1]
    x = torch.randn(1, 4, M, dtype=torch.float64)
    out, _ = net(x, torch.tensor([2]))
    expected, _ = cell_bwd.scan(x[:, :2].flip(1), None, fast=False)
    torch.testing.assert_close(out[0, 0, N:], expected[0, 1])
    torch.testing.assert_close(out[0, 1, N:], expected[0, 0])


def test_reverse_padded() -> None:
    x = torch.arange(8.0).reshape(2, 4, 1)
    got = reverse_padded(x, torch.tensor([4, 2]))
    assert got[:, :, 0].tolist() == [[3, 2, 1, 0], [5, 4, 6, 7]]
    assert reverse_padded(x, None)[0, :, 0].tolist() == [3, 2, 1, 0]


def test_paper_weight_keys_are_prefixed_for_stacks() -> None:
    net = variants.build("NIG", M, N, num_layers=2, bidirectional=True)
    keys = net.paper_weights()
    prefixes = {k.split(".")[0] + "." + k.split(".")[1] for k in keys}
    assert prefixes == {"l0.fwd", "l0.bwd", "l1.fwd", "l1.bwd"}
    assert keys["l1.fwd.W_z"].shape == (N, 2 * N)
    assert keys["l0.bwd.R_f"].shape == (N, N)
    assert "l0.fwd.W_i" not in keys
    plain = variants.build("NIG", M, N).paper_weights()
    assert "W_z" in plain


def test_paper_weights_round_trip_in_stack() -> None:
    a = variants.build("FGR", M, N, num_layers=2, bidirectional=True)
    b = variants.build("FGR", M, N, num_layers=2, bidirectional=True)
    b.load_paper_weights(a.paper_weights())
    x = torch.randn(2, 3, M)
    torch.testing.assert_close(a(x)[0], b(x)[0])
    with pytest.raises(ValueError, match="unexpected"):
        b.load_paper_weights({**a.paper_weights(), "l9.fwd.W_z": torch.zeros(N, M)})
    weights = a.paper_weights()
    del weights["l1.bwd.p_o"]
    with pytest.raises(ValueError, match="missing"):
        b.load_paper_weights(weights)


@pytest.mark.parametrize(
    ("x_shape", "lengths", "match"),
    [
        ((2, 5), None, "shape"),
        ((2, 5, M + 1), None, "input width"),
        ((2, 5, M), torch.tensor([5, 6]), "lengths"),
        ((2, 5, M), torch.tensor([5, 0]), "lengths"),
        ((2, 5, M), torch.tensor([5]), "lengths must have shape"),
        ((2, 5, M), torch.tensor([5.0, 2.0]), "integers"),
    ],
)
def test_bad_input(x_shape: tuple[int, ...], lengths: torch.Tensor | None, match: str) -> None:
    net = variants.build("V", M, N)
    with pytest.raises(ValueError, match=match):
        net(torch.randn(*x_shape), lengths)


def test_integer_input_rejected() -> None:
    with pytest.raises(ValueError, match="floating-point"):
        variants.build("GRU", M, N)(torch.ones(1, 2, M, dtype=torch.int64))


@pytest.mark.parametrize("name", ["V", "NP", "GRU"])
def test_cpu_autocast_bfloat16(name: str) -> None:
    net = variants.build(name, M, N, bidirectional=True)
    x = torch.randn(2, 5, M)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out, _ = net(x, torch.tensor([5, 3]))
    assert out.shape == (2, 5, 2 * N)
    assert torch.isfinite(out.float()).all()
    out.float().sum().backward()
    assert all(p.grad is not None for p in net.parameters())


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", ALL)
def test_cuda_matches_cpu(name: str) -> None:
    net = variants.build(name, M, N, bidirectional=True, num_layers=2)
    x = torch.randn(3, 6, M)
    lengths = torch.tensor([6, 2, 4])
    expected, _ = net(x, lengths)
    with torch.backends.cudnn.flags(enabled=True, allow_tf32=False):  # float32, not TF32
        out, _ = net.cuda()(x.cuda(), lengths.cuda())
    torch.testing.assert_close(out.cpu(), expected, rtol=1e-4, atol=1e-5)
    with torch.autocast("cuda", dtype=torch.float16):
        half, _ = net(x.cuda(), lengths.cuda())
    torch.testing.assert_close(half.float().cpu(), expected, rtol=0.05, atol=0.05)
