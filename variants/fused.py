"""Fast path on torch's fused recurrent kernels (oneDNN on CPU, cuDNN on CUDA).

Used when every cell of a network computes exactly a kernel's equations: NP is torch.nn.LSTM's
LSTM, RNN is torch.nn.RNN's tanh RNN, GRU is torch.nn.GRU's GRU (on CUDA only: on CPU the loop of
``variants.gru_scan`` is faster). The cells hand over their weights in the kernel's layout
(:meth:`RecurrentCell.fused_weights`), with a zero second bias where the cell has one bias only.
Padded batches go through ``pack_padded_sequence`` so that each sequence stops (forward) or starts
(backward) at its own last step.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from variants.cell import RecurrentCell

KERNELS = {"lstm": torch.lstm, "gru": torch.gru, "rnn_tanh": torch.rnn_tanh}


def fused_forward(
    mode: str,
    cells: list[RecurrentCell],
    x: Tensor,
    lengths: Tensor | None,
    num_layers: int,
    bidirectional: bool,
    training: bool,
) -> tuple[Tensor, tuple[Tensor, ...]]:
    """Run the whole stack with one fused call.

    Args:
        x: (B, T, F) input; lengths: (B,) valid lengths or None.
    Returns:
        outputs (B, T, D N), zero at padded steps, and the final states, each (L D, B, N) in
        the order layer-major, forward before backward (h_n, c_n for the LSTM; h_n otherwise).
    """
    kernel = KERNELS[mode]
    flat = [w.to(x.dtype) for cell in cells for w in cell.fused_weights()]
    n = cells[0].hidden_size
    b, t_len, _ = x.shape
    h0 = x.new_zeros(len(cells), b, n)
    hx: Tensor | tuple[Tensor, Tensor] = (h0, h0) if mode == "lstm" else h0
    if lengths is None:
        res = kernel(x, hx, flat, True, num_layers, 0.0, training, bidirectional, True)
        return res[0], tuple(res[1:])
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    res = kernel(
        packed.data, packed.batch_sizes, hx, flat, True, num_layers, 0.0, training, bidirectional
    )
    out_packed = PackedSequence(
        res[0], packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices
    )
    outputs, _ = pad_packed_sequence(out_packed, batch_first=True, total_length=t_len)
    states = tuple(s.index_select(1, packed.unsorted_indices) for s in res[1:])
    return outputs, states
