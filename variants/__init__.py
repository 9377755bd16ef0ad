"""Every recurrent cell of the study: the nine Greff et al. (2017) variants, GRU and a tanh RNN.

``build(name, input_size, hidden_size, ...)`` returns a :class:`RecurrentNetwork` with
``forward(x, lengths=None) -> (outputs, final_state)``; see docs/contracts.md.

Layout of the package:
- ``spec.py``: the flags of the generic gated cell; ``vanilla.py``, ``no_input_gate.py``, ...,
  ``full_gate_recurrence.py``: one file per Greff variant, each only its difference from V.
- ``gated.py``: the generic gated cell (equations, packing, eager reference);
  ``gated_scan.py``: its fast loop with a hand-written BPTT backward.
- ``gru.py`` / ``gru_scan.py``: the GRU (torch.nn.GRU's equations) and its fast loop;
  ``rnn.py``: the tanh RNN.
- ``fused.py``: NP, RNN (and GRU on CUDA) on torch's fused kernels.
- ``network.py``: stacking, bidirectional layers, padded batches; ``init.py``: init schemes;
  ``cnn.py``, ``fuzzy.py``: front ends; ``registry.py``: names, listing, formulas, ``build``;
  ``pointwise.py``: the cheaper tanh of the hand-written loops.

Fast paths and their eager references (``build(..., fast=False)``) are held equal by the tests.
The hand-written backward passes are first-order only (``create_graph=True`` needs fast=False).
"""

from variants.network import RecurrentNetwork
from variants.registry import (
    FRONTENDS,
    PAPER_VARIANTS,
    VariantInfo,
    build,
    describe,
    names,
    param_count,
)

__all__ = [
    "FRONTENDS",
    "PAPER_VARIANTS",
    "RecurrentNetwork",
    "VariantInfo",
    "build",
    "describe",
    "names",
    "param_count",
]
