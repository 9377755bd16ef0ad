"""CNN front end (variants.cnn)."""

from __future__ import annotations

import pytest
import torch

from variants.cnn import CNNFrontend


def test_shapes_and_frame_independence() -> None:
    torch.manual_seed(0)
    front = CNNFrontend(2 * 8 * 6, (2, 8, 6), channels=(4, 5), pool=2)
    assert front.output_size == 5 * 4
    x = torch.randn(3, 4, 96)
    out = front(x)
    assert out.shape == (3, 4, 20)
    one = front(x[1:2, 2:3])
    torch.testing.assert_close(out[1:2, 2:3], one)


def test_tiny_frames_skip_pooling() -> None:
    front = CNNFrontend(3, (3, 1, 1), channels=(2,), pool=1)
    assert front(torch.randn(2, 5, 3)).shape == (2, 5, 2)


@pytest.mark.parametrize(
    ("shape", "match"),
    [((2, 3), "frame_shape"), ((1, 2, 2), "input_size 12"), ((0, 3, 4), "frame")],
)
def test_bad_frame_shape(shape: tuple[int, ...], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        CNNFrontend(12, shape)


def test_bad_channels() -> None:
    with pytest.raises(ValueError, match="channels"):
        CNNFrontend(12, (3, 2, 2), channels=())
