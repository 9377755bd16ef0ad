"""The network of one trial (Greff et al. 2017, section IV-A; reference section 2).

``Network`` = the recurrent core built by :func:`variants.build` followed by one linear output
layer with ``task.output_size`` units. The core is a model of the architecture axis
(:class:`odyssey.study.models.Model`: a cell, directions, layers, front end, init); a plain
variant name is the cell on the task's paper shape (its direction and suggested front end). The
output layer returns pre-activations (logits); the task's loss applies softmax, sigmoid, identity
or CTC. With ``init="paper"`` (default) every weight and bias, of the output layer too, is drawn
from N(0, 0.1) as in the paper.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

import variants
from odyssey.study.models import Model, architecture

PAPER_STD = 0.1
"""Standard deviation of the paper's weight initialisation, N(0, 0.1)."""


class Network(nn.Module):
    """Recurrent core + linear output layer for one task and one model (or plain variant)."""

    def __init__(
        self,
        task: Any,
        variant: str | Model,
        hidden_size: int,
        *,
        init: str = "paper",
        fast: bool = True,
    ) -> None:
        super().__init__()
        self.variant = variant if isinstance(variant, str) else variant.name
        self.architecture = architecture(task, variant, init)
        frontend, init = self.architecture["frontend"], self.architecture["init"]
        # the task's front-end options belong to its suggestion, and give a CNN its frame shape
        takes_options = frontend is not None and frontend in (task.frontend, "cnn")
        self.core = variants.build(
            self.architecture["cell"],
            task.input_size,
            int(hidden_size),
            bidirectional=self.architecture["bidirectional"],
            num_layers=self.architecture["num_layers"],
            init=init,
            frontend=frontend,
            frontend_options=getattr(task, "frontend_options", None) if takes_options else None,
            fast=fast,
        )
        self.output = nn.Linear(self.core.output_size, task.output_size)
        if "pytorch" not in init.split("+"):
            nn.init.normal_(self.output.weight, mean=0.0, std=PAPER_STD)
            nn.init.normal_(self.output.bias, mean=0.0, std=PAPER_STD)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """(B, T, input_size) inputs and (B,) lengths -> (B, T, output_size) logits."""
        result = self.core(x, lengths)
        hidden = result[0] if isinstance(result, tuple) else result  # (B, T, H * directions)
        return self.output(hidden)  # (B, T, output_size)

    def num_parameters(self) -> int:
        """Number of trainable parameters of the whole network (core, front end, output layer)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)


def build_network(
    task: Any,
    variant: str | Model,
    hidden_size: int,
    *,
    seed: int,
    init: str = "paper",
    fast: bool = True,
) -> Network:
    """Build a :class:`Network` on the CPU with weights drawn from ``seed`` (the init stream).

    The global torch RNG is forked, so building a network does not disturb other random streams,
    and the initial weights are the same whatever device the network later moves to.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return Network(task, variant, hidden_size, init=init, fast=fast)
