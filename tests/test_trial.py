"""Tests of odyssey.training.trial.train_trial on a tiny adding problem (real task, real
variants)."""

from __future__ import annotations

import json
import math

import pytest
import torch

import tasks
from odyssey.study.budget import Budget
from odyssey.study.space import check_params
from odyssey.training.trial import EpochResult, TrialRecord, initial_network, train_trial

PARAMS = {"hidden_size": 8, "learning_rate": 0.01, "momentum": 0.9, "input_noise": 0.05}


@pytest.fixture(scope="module")
def task():
    return tasks.get("adding", lag=10, sizes={"train": 48, "valid": 24, "test": 24})


def _comparable(record: TrialRecord) -> dict:
    data = record.to_dict()
    data.pop("wall_time_s")
    data["curves"].pop("time_s")
    return data


def test_training_lowers_the_loss(task) -> None:
    record = train_trial(task, "V", PARAMS, 1, Budget(max_epochs=6, patience=6))
    valid = record.curves["valid_metric"]
    train = record.curves["train_loss"]
    assert train[0] is None and len(valid) == record.epochs + 1 == 7
    assert record.valid_metric < 0.5 * valid[0]  # better than the untrained network
    assert train[-1] < train[1]
    assert record.valid_metric == min(valid) == valid[record.best_epoch]
    assert record.stop_reason == "max_epochs" and not record.diverged
    assert math.isfinite(record.test_metric)
    assert set(record.valid_metrics) == set(record.test_metrics) >= {"mse", "hit_rate"}
    assert record.n_params == 4 * 8 * (2 + 8 + 1) + 3 * 8 + 8 + 1  # V layer + output layer


def test_early_stopping_stops_after_more_than_patience_epochs(task) -> None:
    # lr so small that float32 weights cannot move: the validation metric never improves
    params = {**PARAMS, "learning_rate": 1e-12, "input_noise": 0.0}
    record = train_trial(task, "NP", params, 2, Budget(max_epochs=50, patience=3))
    assert record.stop_reason == "early_stop"
    assert record.best_epoch == 0
    assert record.epochs == 4  # epochs 1..4 without improvement: 4 > patience 3


def test_initial_network_is_the_network_a_trial_starts_from(task) -> None:
    # best epoch 0 (weights cannot move): the kept model holds the weights the trial started from
    params = {**PARAMS, "learning_rate": 1e-12, "input_noise": 0.0}
    budget = Budget(max_epochs=50, patience=1)
    record = train_trial(task, "CIFG", params, 5, budget, keep_model=True)
    assert record.best_epoch == 0
    start = initial_network(task, "CIFG", params, 5, budget).state_dict()
    kept = record.model.state_dict()
    assert start.keys() == kept.keys()
    assert all(torch.equal(start[k], kept[k]) for k in start)
    other = initial_network(task, "CIFG", params, 6, budget).state_dict()
    assert not all(torch.equal(other[k], kept[k]) for k in other)


def test_divergence_is_recorded_not_raised(task) -> None:
    params = {"hidden_size": 16, "learning_rate": 1e6, "momentum": 0.99, "input_noise": 0.0}
    record = train_trial(task, "NOAF", params, 3, Budget(max_epochs=20, patience=20))
    assert record.stop_reason == "diverged" and record.diverged
    assert record.epochs < 20
    assert math.isfinite(record.valid_metric) and math.isfinite(record.test_metric)
    finite = [v for v in record.curves["valid_metric"] if v is not None]
    assert record.valid_metric == min(finite)
    assert record.curves["valid_metric"][-1] is None  # the diverged epoch has no value
    json.dumps(record.to_dict(), allow_nan=False)  # nothing non-finite is stored


def test_same_seed_gives_the_same_record_and_another_seed_does_not(task) -> None:
    budget = Budget(max_epochs=3, patience=3)
    first = train_trial(task, "CIFG", PARAMS, 11, budget)
    second = train_trial(task, "CIFG", PARAMS, 11, budget)
    other = train_trial(task, "CIFG", PARAMS, 12, budget)
    assert _comparable(first) == _comparable(second)
    assert _comparable(first)["curves"] != _comparable(other)["curves"]


def test_input_noise_changes_training_but_not_the_untrained_evaluation(task) -> None:
    budget = Budget(max_epochs=2, patience=2)
    quiet = train_trial(task, "V", {**PARAMS, "input_noise": 0.0}, 5, budget)
    noisy = train_trial(task, "V", {**PARAMS, "input_noise": 0.8}, 5, budget)
    assert quiet.curves["valid_metric"][0] == noisy.curves["valid_metric"][0]
    assert quiet.curves["train_loss"][1] != noisy.curves["train_loss"][1]


def test_time_limit_callback_pruning_and_keep_model(task) -> None:
    limited = train_trial(task, "V", PARAMS, 1, Budget(max_epochs=100, time_limit_s=1e-3))
    assert limited.stop_reason == "time_limit" and limited.epochs == 1

    seen: list[EpochResult] = []

    def stop_at_two(result: EpochResult) -> bool:
        seen.append(result)
        return result.epoch == 2

    pruned = train_trial(task, "GRU", PARAMS, 1, Budget(max_epochs=9), callback=stop_at_two)
    assert pruned.stop_reason == "pruned" and pruned.epochs == 2
    assert [r.epoch for r in seen] == [0, 1, 2] and seen[0].train_loss is None

    kept = train_trial(task, "V", PARAMS, 4, Budget(max_epochs=3), keep_model=True)
    assert kept.model is not None and "model" not in kept.to_dict()
    batch = task.collate(task.split("test"))
    with torch.no_grad():
        logits = kept.model(batch.x, batch.lengths)
    num, den = task.score(logits, batch)["mse"]
    assert num / den == pytest.approx(kept.test_metric, rel=1e-5)


def test_minibatches_adam_clipping_and_record_round_trip(task) -> None:
    budget = Budget(max_epochs=2, batch_size=8, optimizer="adam", clip_gradient=1.0)
    record = train_trial(task, "NFG", PARAMS, 6, budget)
    assert record.budget["batch_size"] == 8 and record.epochs == 2
    again = TrialRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert again.to_dict() == record.to_dict()
    assert record.provenance["torch_version"] == torch.__version__
    assert record.provenance["device"] == "cpu"


def test_bad_input_fails_in_one_line(task) -> None:
    with pytest.raises(ValueError, match="missing input_noise") as info:
        check_params({"hidden_size": 4, "learning_rate": 0.1, "momentum": 0.5})
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="momentum must be in"):
        check_params({**PARAMS, "momentum": 1.5})
    with pytest.raises(ValueError, match="budget: unknown key 'max_epoch'"):
        Budget.from_dict({"max_epoch": 3})
    with pytest.raises(ValueError, match="budget.optimizer 'lbfgs'"):
        Budget(optimizer="lbfgs")
    with pytest.raises(ValueError, match="unknown variant|unknown"):
        train_trial(task, "LSTM2", PARAMS, 0, Budget(max_epochs=1))
    with pytest.raises(ValueError, match="device 'tpu'"):
        train_trial(task, "V", PARAMS, 0, Budget(max_epochs=1), device="tpu")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("variant", ["V", "NP", "GRU"])
def test_a_trial_on_a_gpu_matches_the_cpu_and_bf16_autocast_trains(task, variant: str) -> None:
    """The same seed on CUDA gives the CPU's curve up to float32 rounding (no input noise: the
    noise comes from the device's own generator); bfloat16 autocast trains to a finite loss."""
    budget = Budget(max_epochs=2, patience=2)
    quiet = {**PARAMS, "input_noise": 0.0}
    cpu = train_trial(task, variant, quiet, 7, budget)
    gpu = train_trial(task, variant, quiet, 7, budget, device="cuda")
    assert gpu.provenance["device"].startswith("cuda")
    assert gpu.epochs == cpu.epochs == 2
    assert gpu.curves["valid_metric"][0] == pytest.approx(cpu.curves["valid_metric"][0], rel=1e-4)
    assert gpu.curves["valid_metric"][1] == pytest.approx(cpu.curves["valid_metric"][1], rel=1e-2)
    amp_budget = Budget(max_epochs=2, patience=2, amp=True)
    amp = train_trial(task, variant, quiet, 7, amp_budget, device="cuda")
    assert amp.budget["amp"] is True and not amp.diverged
    assert math.isfinite(amp.valid_metric) and math.isfinite(amp.test_metric)
    assert amp.valid_metric == pytest.approx(cpu.valid_metric, rel=0.1)
