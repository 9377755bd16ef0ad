"""Tests of odyssey.study.budget: the paper's budget, one definition (schema and CLI agree)."""

from __future__ import annotations

from dataclasses import fields

import pytest

from odyssey.cli import build_parser
from odyssey.study.budget import LOSS_SCALES, OPTIMIZERS, PAPER_BUDGET, Budget
from odyssey.study.config import schema


def test_the_schema_defaults_are_the_budget_defaults() -> None:
    properties = schema()["$defs"]["task"]["properties"]["budget"]["properties"]
    assert list(properties) == [f.name for f in fields(Budget)]
    for name, spec in properties.items():
        assert spec["default"] == getattr(PAPER_BUDGET, name), name
    assert properties["optimizer"]["enum"] == list(OPTIMIZERS)
    assert properties["loss_scale"]["enum"] == list(LOSS_SCALES)


def test_the_train_command_defaults_are_the_budget_defaults() -> None:
    args = build_parser().parse_args(
        [
            "train",
            "--task",
            "adding",
            "--variant",
            "V",
            "--hidden-size",
            "4",
            "--learning-rate",
            "1",
        ]
    )
    for name in ("batch_size", "max_epochs", "patience", "optimizer", "clip_gradient", "init"):
        assert getattr(args, name) == getattr(PAPER_BUDGET, name), name
    assert args.time_limit == PAPER_BUDGET.time_limit_s
    assert args.loss_scale == PAPER_BUDGET.loss_scale and args.amp is PAPER_BUDGET.amp


def test_bad_budgets_fail_in_one_line() -> None:
    assert Budget.from_dict(None) == PAPER_BUDGET
    assert Budget.from_dict({"max_epochs": 3}).to_dict()["max_epochs"] == 3
    for values, message in (
        ({"batch_size": 0}, "budget.batch_size must be an integer >= 1"),
        ({"patience": True}, "budget.patience must be an integer >= 1"),
        ({"time_limit_s": 0}, "budget.time_limit_s must be > 0 or null"),
        ({"clip_gradient": -1.0}, "budget.clip_gradient must be > 0 or null"),
        ({"loss_scale": "max"}, "budget.loss_scale 'max' is not one of sum, mean"),
    ):
        with pytest.raises(ValueError, match=message):
            Budget.from_dict(values)
