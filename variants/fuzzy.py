"""Fuzzy front end (Fuzzy-LSTM): a learnable fuzzification layer before the recurrent core.

Each input feature j gets K Gaussian membership functions with learnable centre m_jk and width s_jk:

    μ_jk(x) = exp(-(x_j - m_jk)^2 / (2 s_jk^2))

and the core sees the M K memberships per step. Centres start evenly spaced on [low, high],
widths at the spacing (1 for K = 1); widths are stored as log s so that they stay positive.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class FuzzyFrontend(nn.Module):
    """Gaussian fuzzification: (B, T, M) -> (B, T, M * memberships)."""

    def __init__(
        self, input_size: int, memberships: int = 3, low: float = -1.0, high: float = 1.0
    ) -> None:
        super().__init__()
        if isinstance(memberships, bool) or not isinstance(memberships, int) or memberships < 1:
            raise ValueError(f"fuzzy memberships must be a positive int, got {memberships!r}")
        if not float(high) > float(low):
            raise ValueError(f"fuzzy centre range needs high > low, got low={low}, high={high}")
        centres = torch.linspace(float(low), float(high), memberships)  # (K,)
        width = (float(high) - float(low)) / (memberships - 1) if memberships > 1 else 1.0
        self.centres = nn.Parameter(centres.repeat(input_size, 1))  # (M, K)
        self.log_widths = nn.Parameter(torch.full((input_size, memberships), float(width)).log())
        self.memberships = memberships
        self.output_size = input_size * memberships

    def forward(self, x: Tensor) -> Tensor:
        """x (B, T, M) -> memberships (B, T, M K), feature-major."""
        diff = x.unsqueeze(-1) - self.centres  # (B, T, M, K)
        mu = torch.exp(-0.5 * (diff * torch.exp(-self.log_widths)) ** 2)  # (B, T, M, K)
        return mu.flatten(-2)
