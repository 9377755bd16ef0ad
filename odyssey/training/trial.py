"""One trial: train a network on a task with the paper's setup and return its record.

Greff et al. 2017, section IV-B (reference section 3): online SGD (batch size 1 by default) with
Nesterov momentum and the learning rate scaled by ``1 - momentum`` (:mod:`odyssey.training.optim`),
the loss summed over the time steps of a sequence (``tasks`` convention), Gaussian input noise
drawn afresh for every presentation of a training sequence (training only), weights N(0, 0.1),
early stopping on the validation metric: a trial stops once *more than* ``patience`` (15) epochs
have passed without a validation improvement, or after ``max_epochs`` (150).

Choices documented here (the paper leaves them open, reference section 8):

- Epoch 0 is the evaluation of the untrained network, so every trial has a finite measurement.
- The best-validation weights are kept in memory; the test set is evaluated once, at the end, on
  those weights (the test metric "at the best epoch"). Ties do not count as improvements.
- A trial diverges when a training loss, a parameter or a validation metric is NaN or infinite.
  Training stops, ``stop_reason`` is ``"diverged"`` and the record keeps the metrics of the best
  epoch before the divergence (epoch 0 if none was better): nothing is raised, nothing is NaN.
- The wall-clock limit is checked before every update; when it is reached the partial epoch is
  evaluated like a full one and the trial stops with ``"time_limit"``.
- ``callback(EpochResult)`` runs after every evaluated epoch (epoch 0 included); returning True
  stops the trial with ``"pruned"`` (used by the sweep's pruners and for tracking).
- Seeds: three streams derived from the trial's seed (:mod:`odyssey.study.seeds`): ``init``
  (weights), ``data`` (order of the training sequences every epoch), ``noise`` (input noise). The
  same seed on the same device gives the same record (timings aside).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import torch

from odyssey.study import seeds
from odyssey.study.budget import Budget
from odyssey.study.space import check_params
from odyssey.training import devices, provenance
from odyssey.training.model import Network, build_network
from odyssey.training.optim import make_optimizer

STOP_REASONS: tuple[str, ...] = ("early_stop", "max_epochs", "diverged", "time_limit", "pruned")
"""Why a trial ended."""


@dataclass(frozen=True)
class EpochResult:
    """What the per-epoch callback sees after epoch ``epoch`` (0: the untrained network)."""

    epoch: int
    train_loss: float | None
    valid_metric: float
    valid_metrics: dict[str, float]
    best_epoch: int
    best_valid_metric: float
    elapsed_s: float
    max_epochs: int


@dataclass
class TrialRecord:
    """The result of one trial (docs/contracts.md, "trial" and "The trials table")."""

    task: str
    variant: str
    params: dict[str, Any]
    seed: int
    metric_name: str
    metric_direction: str
    valid_metric: float
    test_metric: float
    valid_metrics: dict[str, float]
    test_metrics: dict[str, float]
    best_epoch: int
    epochs: int
    stop_reason: str
    diverged: bool
    n_params: int
    wall_time_s: float
    curves: dict[str, list[float | None]]
    budget: dict[str, Any]
    provenance: dict[str, Any]
    model: Network | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field but ``model``; non-finite numbers become None."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "model"}
        return _json_safe(out)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrialRecord:
        """Inverse of :meth:`to_dict` (``model`` is never stored)."""
        names = [f.name for f in fields(cls) if f.name != "model"]
        return cls(**{name: values[name] for name in names})


def _json_safe(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return _json_safe(value.item())
    return value


def _batches(task: Any, examples: Sequence[Any], size: int, device: str) -> list[Any]:
    """Evaluation batches of ``size`` sequences of similar length, on ``device``."""
    order = sorted(range(len(examples)), key=lambda i: examples[i].x.shape[0])
    return [
        task.collate([examples[i] for i in order[start : start + size]]).to(device)
        for start in range(0, len(order), size)
    ]


def _better(value: float, best: float, direction: str) -> bool:
    if not math.isfinite(best):
        return math.isfinite(value)
    return value < best if direction == "minimize" else value > best


def _all_finite(module: torch.nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in module.parameters())


class _Evaluator:
    """Metrics of the network on a fixed list of batches (the task's numerator/denominator sums)."""

    def __init__(self, task: Any, net: Network, batches: list[Any], device: str, amp: bool):
        self.task, self.net, self.batches, self.device, self.amp = task, net, batches, device, amp

    @torch.no_grad()
    def __call__(self) -> dict[str, float]:
        self.net.eval()
        totals: dict[str, list[float]] = {}
        for batch in self.batches:
            with devices.autocast(self.device, self.amp):
                logits = self.net(batch.x, batch.lengths)  # (B, T, output_size)
            for name, (num, den) in self.task.score(logits.float(), batch).items():
                acc = totals.setdefault(name, [0.0, 0.0])
                acc[0] += num
                acc[1] += den
        self.net.train()
        return {name: self.task.finalize(name, num, den) for name, (num, den) in totals.items()}


def initial_network(
    task: Any, variant: str, params: Mapping[str, Any], seed: int, budget: Budget
) -> Network:
    """The untrained network a trial with this seed starts from (its ``init`` seed stream).

    The gradient probe measures this same network at initialisation, so both go through here.
    """
    return build_network(
        task,
        variant,
        int(params["hidden_size"]),
        seed=seeds.stream_seed(seed, "init"),
        init=budget.init,
    )


def train_trial(
    task: Any,
    variant: str,
    params: Mapping[str, Any],
    seed: int,
    budget: Budget | Mapping[str, Any] | None = None,
    *,
    device: str = "cpu",
    threads: int = 1,
    callback: Callable[[EpochResult], bool | None] | None = None,
    keep_model: bool = False,
) -> TrialRecord:
    """Train ``variant`` on ``task`` with ``params`` and ``seed``; return the trial's record.

    ``task`` is a ``tasks.Task`` (or a task name for ``tasks.get``); ``params`` holds
    ``hidden_size``, ``learning_rate``, ``momentum`` and ``input_noise``; ``budget`` a
    :class:`Budget` or its dict. ``device``: ``cpu``, ``cuda``, ``cuda:N`` or ``auto``.
    See the module docstring for the training rules.
    """
    start = time.perf_counter()
    if isinstance(task, str):
        import tasks

        task = tasks.get(task)
    budget = budget if isinstance(budget, Budget) else Budget.from_dict(budget)
    params = check_params(params)
    dev = devices.select_device(device)
    devices.set_threads(threads)
    devices.configure_determinism(dev)
    direction = task.metric_direction
    metric = task.metric_name

    net = initial_network(task, variant, params, seed, budget).to(dev)
    n_params = net.num_parameters()
    optimizer = make_optimizer(
        budget.optimizer, net.parameters(), params["learning_rate"], params["momentum"]
    )
    train = task.split("train")
    for name in ("train", "valid", "test"):
        if len(task.split(name)) == 0:
            raise ValueError(f"task {task.name!r} has an empty {name} split; give it sequences")
    validate = _Evaluator(
        task, net, _batches(task, task.split("valid"), budget.eval_batch_size, dev), dev, budget.amp
    )
    cached_train = (
        [task.collate([example]).to(dev) for example in train] if budget.batch_size == 1 else None
    )
    data_rng = np.random.default_rng(seeds.stream_seed(seed, "data"))
    noise_gen = torch.Generator(device=dev)
    noise_gen.manual_seed(seeds.stream_seed(seed, "noise"))
    noise_std = params["input_noise"]

    def batch_at(indices: np.ndarray) -> Any:
        if cached_train is not None:
            return cached_train[int(indices[0])]
        return task.collate([train[int(i)] for i in indices]).to(dev)

    def step(batch: Any) -> float:
        x = batch.x  # (B, T, F)
        if noise_std > 0:
            noise = torch.randn(x.shape, generator=noise_gen, device=dev)  # (B, T, F)
            x = x + noise * noise_std * batch.mask.unsqueeze(2)  # noise on valid steps only

        def closure() -> torch.Tensor:
            optimizer.zero_grad(set_to_none=True)
            with devices.autocast(dev, budget.amp):
                logits = net(x, batch.lengths)  # (B, T, output_size)
            loss = task.loss(logits.float(), batch)
            if budget.loss_scale == "mean" and task.target_kind == "per_step":
                loss = loss * (len(batch) / batch.mask.sum())  # per-step mean of each sequence
            loss.backward()
            if budget.clip_gradient is not None:
                torch.nn.utils.clip_grad_value_(net.parameters(), budget.clip_gradient)
            return loss

        return float(optimizer.step(closure).detach())

    curves: dict[str, list[float | None]] = {"train_loss": [], "valid_metric": [], "time_s": []}
    valid = validate()
    best_value, best_epoch, best_valid = valid[metric], 0, valid
    best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    curves["train_loss"].append(None)
    curves["valid_metric"].append(valid[metric])
    curves["time_s"].append(time.perf_counter() - start)
    diverged = not math.isfinite(valid[metric])
    stop_reason = "diverged" if diverged else "max_epochs"
    epoch = 0

    def notify(train_loss: float | None) -> bool:
        if callback is None:
            return False
        result = EpochResult(
            epoch,
            train_loss,
            valid[metric],
            dict(valid),
            best_epoch,
            best_value,
            time.perf_counter() - start,
            budget.max_epochs,
        )
        return bool(callback(result))

    if not diverged and notify(None):
        stop_reason = "pruned"
    elif not diverged:
        for epoch in range(1, budget.max_epochs + 1):  # noqa: B007 - epoch is read after the loop
            order = data_rng.permutation(len(train))
            loss_sum, seen, time_up = 0.0, 0, False
            for first in range(0, len(order), budget.batch_size):
                if budget.time_limit_s is not None and (
                    time.perf_counter() - start >= budget.time_limit_s
                ):
                    time_up = True
                    break
                batch = batch_at(order[first : first + budget.batch_size])
                loss = step(batch)
                if not math.isfinite(loss):
                    diverged = True
                    break
                loss_sum += loss * len(batch)
                seen += len(batch)
            train_loss = loss_sum / seen if seen else None
            if not diverged and not _all_finite(net):
                diverged = True
            if not diverged:
                valid = validate()
                diverged = not math.isfinite(valid[metric])
            if diverged:
                curves["train_loss"].append(None)
                curves["valid_metric"].append(None)
                curves["time_s"].append(time.perf_counter() - start)
                stop_reason = "diverged"
                break
            if _better(valid[metric], best_value, direction):
                best_value, best_epoch, best_valid = valid[metric], epoch, valid
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            curves["train_loss"].append(train_loss)
            curves["valid_metric"].append(valid[metric])
            curves["time_s"].append(time.perf_counter() - start)
            if notify(train_loss):
                stop_reason = "pruned"
                break
            if time_up:
                stop_reason = "time_limit"
                break
            if epoch - best_epoch > budget.patience:
                stop_reason = "early_stop"
                break

    net.load_state_dict(best_state)
    test_batches = _batches(task, task.split("test"), budget.eval_batch_size, dev)
    test = _Evaluator(task, net, test_batches, dev, budget.amp)()
    record = TrialRecord(
        task=task.name,
        variant=variant,
        params=dict(params),
        seed=int(seed),
        metric_name=metric,
        metric_direction=direction,
        valid_metric=float(best_value),
        test_metric=float(test[metric]),
        valid_metrics={k: float(v) for k, v in best_valid.items()},
        test_metrics={k: float(v) for k, v in test.items()},
        best_epoch=best_epoch,
        epochs=epoch,
        stop_reason=stop_reason,
        diverged=diverged,
        n_params=n_params,
        wall_time_s=time.perf_counter() - start,
        curves=curves,
        budget=budget.to_dict(),
        provenance=provenance.collect(dev, threads),
        model=net if keep_model else None,
    )
    if not keep_model:
        del net
        with contextlib.suppress(Exception):
            if dev.startswith("cuda"):
                torch.cuda.empty_cache()
    return record
