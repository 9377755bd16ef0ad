"""Every recurrent cell of the study: the nine Greff et al. (2017) variants, GRU and a tanh RNN.

``build(name, input_size, hidden_size, ...)`` returns a :class:`RecurrentNetwork` with
``forward(x, lengths=None) -> (outputs, final_state)``; see docs/contracts.md.
"""

from variants.network import RecurrentNetwork
from variants.registry import (
    PAPER_VARIANTS,
    VariantInfo,
    build,
    describe,
    names,
    param_count,
)

__all__ = [
    "PAPER_VARIANTS",
    "RecurrentNetwork",
    "VariantInfo",
    "build",
    "describe",
    "names",
    "param_count",
]
