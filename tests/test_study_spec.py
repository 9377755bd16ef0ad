"""Tests of odyssey.study.spec: what defines a study, its fingerprint and its slots' draws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from odyssey.study.config import validate
from odyssey.study.space import trial_params
from odyssey.study.spec import StudySpec, specs_from_config, task_specs


def test_spec_rejects_unknown_task_variant_sampler() -> None:
    base = dict(task="adding", task_options={}, variant="V", n_trials=2, search_space={})
    with pytest.raises(ValueError, match="unknown task 'adder'; known tasks: adding"):
        StudySpec(**{**base, "task": "adder"})
    with pytest.raises(ValueError, match="unknown variant 'LSTM'; known: V, NIG"):
        StudySpec(**{**base, "variant": "LSTM"})
    with pytest.raises(ValueError, match="sampler 'grid' is not one of random, tpe, qmc"):
        StudySpec(**base, sampler="grid")
    with pytest.raises(ValueError, match="n_trials must be at least 1"):
        StudySpec(**{**base, "n_trials": 0})
    here = StudySpec(**{**base, "task_options": {"lag": 5, "cache_dir": "/a"}})
    there = StudySpec(**{**base, "task_options": {"lag": 5, "cache_dir": "/b"}})
    other = StudySpec(**{**base, "task_options": {"lag": 6, "cache_dir": "/a"}})
    assert here.fingerprint() == there.fingerprint() != other.fingerprint()


def test_paper_draws_are_fixed_per_slot_and_follow_the_paper_distributions() -> None:
    spec = StudySpec("adding", {}, "V", 5, {}, seed=1)
    bigger = StudySpec("adding", {}, "V", 50, {}, seed=1)
    assert [spec.draw_params(k) for k in range(5)] == [bigger.draw_params(k) for k in range(5)]
    assert spec.draw_params(0) != StudySpec("adding", {}, "NP", 5, {}, seed=1).draw_params(0)
    draws = [bigger.draw_params(k) for k in range(3000)]
    lr = np.array([d["learning_rate"] for d in draws])
    hidden = np.array([d["hidden_size"] for d in draws])
    omm = np.array([d["one_minus_momentum"] for d in draws])
    noise = np.array([d["input_noise"] for d in draws])
    assert lr.min() >= 1e-6 and lr.max() <= 1e-2
    assert abs(np.mean(lr < 1e-4) - 0.5) < 0.04  # log-uniform: half below the geometric mean
    assert hidden.dtype.kind == "i" and hidden.min() >= 20 and hidden.max() <= 200
    assert abs(np.mean(hidden <= math.sqrt(20 * 200)) - 0.5) < 0.04
    assert abs(np.mean(omm < 0.1) - 0.5) < 0.04  # momentum = 1 - log-uniform(0.01, 1)
    assert abs(noise.mean() - 0.5) < 0.03 and noise.max() <= 1.0
    params = trial_params(draws[0])
    assert params["momentum"] == pytest.approx(1 - draws[0]["one_minus_momentum"])


def test_specs_of_a_config() -> None:
    cfg = validate(
        {"variants": ["V", "GRU"], "tasks": {"adding": {"n_trials": 3}, "copy_memory": {}}}, env={}
    )
    specs = specs_from_config(cfg)
    assert [(s.task, s.variant) for s in specs] == [
        ("adding", "V"),
        ("adding", "GRU"),
        ("copy_memory", "V"),
        ("copy_memory", "GRU"),
    ]
    assert [s.name for s in task_specs(cfg, "adding")] == ["odyssey.adding.V", "odyssey.adding.GRU"]
    assert specs[0].n_trials == 3 and specs[2].n_trials == 200
    with pytest.raises(ValueError, match="task 'jsb' is not in the config"):
        task_specs(cfg, "jsb")
    with pytest.raises(ValueError, match="variant 'NP' is not in the config"):
        StudySpec.from_config(cfg, "adding", "NP")
