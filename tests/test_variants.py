"""The public API of variants: names, listing, parameter formulas, build (variants.registry)."""

from __future__ import annotations

import pytest
import torch

import variants

FORMULAS = {
    "V": lambda k, n: 4 * k + 3 * n,
    "NIAF": lambda k, n: 4 * k + 3 * n,
    "NOAF": lambda k, n: 4 * k + 3 * n,
    "NP": lambda k, n: 4 * k,
    "NIG": lambda k, n: 3 * k + 2 * n,
    "NFG": lambda k, n: 3 * k + 2 * n,
    "NOG": lambda k, n: 3 * k + 2 * n,
    "CIFG": lambda k, n: 3 * k + 2 * n,
    "FGR": lambda k, n: 4 * k + 3 * n + 9 * n * n,
    "GRU": lambda k, n: 3 * k + n,
    "RNN": lambda k, n: k,
}


def test_names_and_paper_variants() -> None:
    assert variants.names() == [
        "V", "NIG", "NFG", "NOG", "NIAF", "NOAF", "NP", "CIFG", "FGR", "GRU", "RNN"
    ]  # fmt: skip
    assert tuple(variants.names()[:9]) == variants.PAPER_VARIANTS
    assert variants.PAPER_VARIANTS[0] == "V"


def test_describe_lists_every_name_with_formula() -> None:
    infos = variants.describe()
    assert [i.name for i in infos] == variants.names()
    by_name = {i.name: i for i in infos}
    assert by_name["V"].param_formula == "4K + 3N"
    assert by_name["NP"].param_formula == "4K"
    assert by_name["CIFG"].param_formula == "3K + 2N"
    assert by_name["FGR"].param_formula == "4K + 3N + 9N^2"
    assert by_name["GRU"].param_formula == "3K + N"
    assert by_name["RNN"].param_formula == "K"
    for info in infos:
        assert info.description and "\n" not in info.description


@pytest.mark.parametrize("name", variants.names())
@pytest.mark.parametrize(("m", "n"), [(1, 1), (88, 100), (39, 20)])
def test_param_count_matches_formula_and_network(name: str, m: int, n: int) -> None:
    k = n * (m + n + 1)
    assert variants.param_count(name, m, n) == FORMULAS[name](k, n)
    if m * n < 10_000:
        assert variants.build(name, m, n).num_parameters() == FORMULAS[name](k, n)


def test_bidirectional_stack_parameter_count() -> None:
    net = variants.build("V", 5, 7, num_layers=2, bidirectional=True)
    expected = 2 * variants.param_count("V", 5, 7) + 2 * variants.param_count("V", 14, 7)
    assert net.num_parameters() == expected
    assert net.output_size == 14


def test_unknown_name_lists_known_names() -> None:
    with pytest.raises(ValueError, match="known: V, NIG, NFG"):
        variants.build("LSTM", 3, 4)
    with pytest.raises(ValueError, match="unknown variant"):
        variants.param_count("XYZ", 3, 4)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"input_size": 0}, "input_size must be a positive int"),
        ({"hidden_size": -2}, "hidden_size must be a positive int"),
        ({"hidden_size": 2.5}, "hidden_size must be a positive int"),
        ({"num_layers": 0}, "num_layers must be a positive int"),
        ({"bidirectional": "yes"}, "bidirectional must be a bool"),
        ({"init": "xavier"}, "unknown init"),
        ({"frontend": "rnn"}, "unknown frontend"),
        ({"frontend": "cnn"}, "frame_shape"),
        ({"frontend": "cnn", "frontend_options": {"frame_shape": (1, 2, 2)}}, "input_size 6"),
        ({"frontend": "fuzzy", "frontend_options": {"colour": 3}}, "bad frontend_options"),
        ({"frontend_options": {"memberships": 3}}, "without a frontend"),
    ],
)
def test_bad_build_arguments(kwargs: dict, match: str) -> None:
    args = {"name": "V", "input_size": 6, "hidden_size": 4, **kwargs}
    with pytest.raises(ValueError, match=match):
        variants.build(**args)


@pytest.mark.parametrize("frontend", ["cnn", "fuzzy"])
@pytest.mark.parametrize("name", ["V", "NP", "GRU", "RNN"])
def test_frontends_with_any_cell(name: str, frontend: str) -> None:
    opts = {"frame_shape": (1, 4, 3)} if frontend == "cnn" else {"memberships": 2}
    net = variants.build(name, 12, 5, frontend=frontend, frontend_options=opts, bidirectional=True)
    x = torch.randn(2, 4, 12)
    out, _ = net(x, torch.tensor([4, 2]))
    assert out.shape == (2, 4, 10)
    assert torch.count_nonzero(out[1, 2:]) == 0
    out.sum().backward()
    front = [p for p in net.frontend.parameters()]
    assert front and all(p.grad is not None for p in front)
    assert net.num_parameters() > variants.param_count(name, net.frontend.output_size, 5)


def test_default_init_is_paper_normal() -> None:
    torch.manual_seed(0)
    net = variants.build("V", 200, 200)
    values = torch.cat([p.detach().flatten() for p in net.parameters()])
    assert abs(values.mean().item()) < 0.002
    assert abs(values.std().item() - 0.1) < 0.002


@pytest.mark.parametrize("name", variants.names())
def test_paper_weights_round_trip(name: str) -> None:
    torch.manual_seed(5)
    a = variants.build(name, 3, 4, bidirectional=True)
    b = variants.build(name, 3, 4, bidirectional=True)
    b.load_paper_weights(a.paper_weights())
    for key, value in a.paper_weights().items():
        torch.testing.assert_close(b.paper_weights()[key], value, msg=key)
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(a(x)[0], b(x)[0])
    shapes = {k: tuple(v.shape) for k, v in a.paper_weights().items()}
    assert all(len(s) in (1, 2) and s[0] == 4 for s in shapes.values())
    assert sum(v.numel() for v in a.paper_weights().values()) == a.num_parameters()
