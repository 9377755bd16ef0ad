"""CNN front end (CNN-LSTM): a small convolutional feature extractor applied to every frame.

Frames arrive flattened in x (B, T, C*H*W); each is reshaped to (C, H, W) and passed through
blocks of 3 x 3 convolution + ReLU + 2 x 2 max pooling (pooling skipped once a side is 1), then an
adaptive average pool to ``pool x pool``: ``channels[-1] * pool**2`` features per frame for the
recurrent core. Frames are processed independently, so padded frames never touch valid steps.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn


class CNNFrontend(nn.Module):
    """Per-frame convolutional feature extractor: (B, T, C*H*W) -> (B, T, channels[-1] * pool^2)."""

    def __init__(
        self,
        input_size: int,
        frame_shape: Sequence[int],
        channels: Sequence[int] = (16, 32),
        pool: int = 2,
    ) -> None:
        super().__init__()
        shape = tuple(int(s) for s in frame_shape) if isinstance(frame_shape, Sequence) else ()
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(
                f"cnn frame_shape must be (C, H, W) of positive ints, got {frame_shape!r}"
            )
        c, h, w = shape
        if c * h * w != input_size:
            raise ValueError(
                f"cnn frame_shape {shape} has {c * h * w} values, expected input_size {input_size}"
            )
        chans = [int(k) for k in channels]
        if not chans or min(chans) < 1 or int(pool) < 1:
            raise ValueError(
                f"cnn channels must be positive ints and pool >= 1, got {channels}, {pool}"
            )
        self.frame_shape = shape
        layers: list[nn.Module] = []
        side_h, side_w = h, w
        for k in chans:
            layers += [nn.Conv2d(c, k, kernel_size=3, padding=1), nn.ReLU()]
            if min(side_h, side_w) >= 2:
                layers.append(nn.MaxPool2d(2))
                side_h, side_w = side_h // 2, side_w // 2
            c = k
        layers.append(nn.AdaptiveAvgPool2d(int(pool)))
        self.body = nn.Sequential(*layers)
        self.output_size = chans[-1] * int(pool) ** 2

    def forward(self, x: Tensor) -> Tensor:
        """x (B, T, C*H*W) -> features (B, T, output_size)."""
        b, t, _ = x.shape
        frames = x.reshape(b * t, *self.frame_shape)  # (B T, C, H, W)
        feats = self.body(frames)  # (B T, K, pool, pool)
        return torch.flatten(feats, 1).reshape(b, t, self.output_size)
