"""Tests of odyssey.training.model: the network of a trial (core + linear output layer)."""

from __future__ import annotations

import pytest
import torch

import tasks
import variants
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
