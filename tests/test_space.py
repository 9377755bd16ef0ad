"""Tests of odyssey.study.space: the paper's search space, one definition, and its ranges."""

from __future__ import annotations

import pytest

from odyssey.study.config import schema
from odyssey.study.space import (
    INTEGER_KEYS,
    PAPER_SPACE,
    SPACE_KEYS,
    Range,
    check_params,
    parse_space,
    space_dict,
    trial_params,
    with_paper_defaults,
)


def test_the_schema_defaults_are_the_paper_space() -> None:
    ranges = schema()["$defs"]["task"]["properties"]["search_space"]["properties"]
    assert tuple(ranges) == SPACE_KEYS == tuple(PAPER_SPACE)
    for key, paper in PAPER_SPACE.items():
        defaults = {bound: spec["default"] for bound, spec in ranges[key]["properties"].items()}
        assert defaults == paper, key
        assert (ranges[key]["properties"]["low"]["type"] == "integer") == (key in INTEGER_KEYS)


def test_missing_ranges_and_bounds_take_the_paper_values() -> None:
    given = {"learning_rate": {"low": 1e-4}, "hidden_size": {"high": 64}}
    filled = with_paper_defaults(given)
    assert filled["learning_rate"] == {"low": 1e-4, "high": 1e-2, "log": True}
    assert filled["hidden_size"] == {"low": 20, "high": 64, "log": True}
    assert filled["input_noise"] == PAPER_SPACE["input_noise"]
    assert with_paper_defaults(None) == PAPER_SPACE
    parsed = parse_space(given)
    assert parsed["learning_rate"] == Range(1e-4, 1e-2, True)
    assert space_dict(parsed) == {
        k: {**v, "low": float(v["low"]), "high": float(v["high"])} for k, v in filled.items()
    }


def test_search_space_errors_are_one_line() -> None:
    cases = {
        "learning_rate": ({"low": 0.1, "high": 0.01}, "low (0.1) must be below high (0.01)"),
        "input_noise": ({"low": 0.5, "high": 0.5}, "low (0.5) must be below high (0.5)"),
        "one_minus_momentum": ({"low": 0.0, "high": 1.0, "log": True}, "log range needs low > 0"),
        "hidden_size": ({"low": 2.5, "high": 9}, "bounds must be integers"),
    }
    for key, (given, message) in cases.items():
        with pytest.raises(ValueError, match=rf"search_space\.{key}: .*") as info:
            parse_space({key: given})
        assert message in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(ValueError, match="unknown key 'momentum'"):
        parse_space({"momentum": {"low": 0, "high": 1}})


def test_trial_params_and_their_check() -> None:
    raw = {"hidden_size": 12, "learning_rate": 0.01, "one_minus_momentum": 0.25, "input_noise": 0.1}
    params = trial_params(raw)
    assert params == {
        "hidden_size": 12,
        "learning_rate": 0.01,
        "momentum": 0.75,
        "input_noise": 0.1,
    }
    assert check_params(params) == params
    with pytest.raises(ValueError, match="params.hidden_size must be a positive integer"):
        check_params({**params, "hidden_size": 0})
