"""Tests of odyssey.training.model: the network of a trial (core + linear output layer)."""

from __future__ import annotations

import pytest
import torch

import tasks
import variants
from odyssey.study.models import Model
from odyssey.training.model import PAPER_STD, build_network


@pytest.fixture(scope="module")
def task():
    return tasks.get("adding", lag=10, sizes={"train": 4, "valid": 4, "test": 4})


def test_shapes_and_parameter_count(task) -> None:
    net = build_network(task, "FGR", 6, seed=0)
    batch = task.collate(task.split("train"))
    logits = net(batch.x, batch.lengths)
    assert logits.shape == (len(batch), batch.x.shape[1], task.output_size)
    expected = variants.param_count("FGR", task.input_size, 6) + 6 * task.output_size + 1
    assert net.num_parameters() == expected


def test_paper_init_is_normal_with_std_0_1_and_seeded(task) -> None:
    net = build_network(task, "V", 150, seed=3)
    weights = torch.cat([p.detach().flatten() for p in net.parameters()])
    assert abs(float(weights.std()) - PAPER_STD) < 0.005
    assert abs(float(weights.mean())) < 0.005
    same = build_network(task, "V", 150, seed=3)
    other = build_network(task, "V", 150, seed=4)
    for a, b, c in zip(net.parameters(), same.parameters(), other.parameters(), strict=True):
        assert torch.equal(a, b)
        assert not torch.equal(a, c)


def test_building_does_not_disturb_the_global_rng(task) -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    build_network(task, "NP", 8, seed=9)
    assert torch.equal(torch.rand(3), expected)


def test_pytorch_init_leaves_the_output_layer_at_torch_default(task) -> None:
    net = build_network(task, "GRU", 400, seed=0, init="pytorch")
    bound = 1 / 400**0.5  # torch's Linear init: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert float(net.output.weight.detach().abs().max()) <= bound


# ---- the architecture axis: a model's parameter count by hand and its output shape --------------


def lstm_layer(m: int, n: int) -> int:
    """One V layer and direction (Greff et al. 2017, eqs. 1-6): W_z W_i W_f W_o (N x M),
    R_z R_i R_f R_o (N x N), b_z b_i b_f b_o (N) and the peepholes p_i p_f p_o (N)."""
    return 4 * n * m + 4 * n * n + 4 * n + 3 * n


def gru_layer(m: int, n: int) -> int:
    """One GRU layer (torch.nn.GRU's equations): W_r W_u W_n (N x M), R_r R_u R_n (N x N), the
    biases b_r b_u b_n and b_Rn, the bias inside the reset product (N)."""
    return 3 * n * m + 3 * n * n + 4 * n


def linear(inputs: int, outputs: int) -> int:
    return inputs * outputs + outputs


N = 5  # hidden units per layer and direction
CNN = (1 * 16 * 9 + 16) + (16 * 32 * 9 + 32)  # two 3x3 convolutions, 1 -> 16 -> 32 channels
CNN_FEATURES = 32 * 2 * 2  # the last 32 channels, adaptive-pooled to 2 x 2
MEMBERSHIPS = 3  # the fuzzy front end: 3 Gaussians per input feature, a centre and width each

ARCHITECTURES = [  # name, entry, task (adding: 2 inputs, 1 output), parameters by hand
    ("LSTM", {"cell": "V"}, "adding", lstm_layer(2, N) + linear(N, 1)),
    ("BiLSTM", {"cell": "V", "bidirectional": True}, "adding",
     2 * lstm_layer(2, N) + linear(2 * N, 1)),
    ("LSTM-2", {"cell": "V", "num_layers": 2}, "adding",
     lstm_layer(2, N) + lstm_layer(N, N) + linear(N, 1)),
    ("CNN-LSTM", {"cell": "V", "frontend": "cnn"}, "digit_frames",  # 8x8 frames, 10 classes
     CNN + lstm_layer(CNN_FEATURES, N) + linear(N, 10)),
    ("Fuzzy-LSTM", {"cell": "V", "frontend": "fuzzy"}, "mackey_glass",  # 1 input, 1 output
     2 * MEMBERSHIPS + lstm_layer(MEMBERSHIPS, N) + linear(N, 1)),
    ("GRU", {"cell": "GRU"}, "adding", gru_layer(2, N) + linear(N, 1)),
    ("V-fb", {"cell": "V", "init": "forget_bias"}, "adding", lstm_layer(2, N) + linear(N, 1)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "entry", "task_name", "expected"), ARCHITECTURES)
def test_each_architecture_has_its_parameter_count_and_output_shape(
    name: str, entry: dict, task_name: str, expected: int
) -> None:
    model = Model.from_entry(name, entry)
    problem = tasks.get(task_name)
    net = build_network(problem, model, N, seed=0)
    assert net.variant == name
    assert net.num_parameters() == expected
    x = torch.randn(3, 7, problem.input_size)  # (B, T, input_size)
    lengths = torch.tensor([7, 4, 1])
    assert net(x, lengths).shape == (3, 7, problem.output_size)


def test_a_models_init_and_shape_reach_the_network(task) -> None:
    plain = build_network(task, "V", 64, seed=0)
    fb = build_network(task, Model("V-fb", "V", init="forget_bias"), 64, seed=0)
    assert fb.architecture == {**plain.architecture, "init": "forget_bias"}
    shift = fb.core.paper_weights()["b_f"].mean() - plain.core.paper_weights()["b_f"].mean()
    assert abs(float(shift) - 1.0) < 1e-6  # same draws, +1 on the forget gate's bias


def test_a_plain_variant_keeps_the_tasks_front_end_and_none_removes_it() -> None:
    frames = tasks.get("digit_frames")
    assert build_network(frames, "V", 4, seed=0).architecture["frontend"] == "cnn"
    bare = build_network(frames, Model("LSTM", "V", frontend="none"), 4, seed=0)
    assert bare.architecture["frontend"] is None
    assert bare.num_parameters() == lstm_layer(64, 4) + linear(4, 10)
