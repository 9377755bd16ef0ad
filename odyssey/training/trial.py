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
from odyssey.study.models import Model
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
    architecture: dict[str, Any] | None = None
    model: Network | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field but ``model``; non-finite numbers become None."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "model"}
        return _json_safe(out)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrialRecord:
        """Inverse of :meth:`to_dict` (``model`` is never stored; records written before models
        existed have no ``architecture``)."""
        names = [f.name for f in fields(cls) if f.name not in ("model", "architecture")]
        return cls(
            **{name: values[name] for name in names}, architecture=values.get("architecture")
        )


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
    task: Any, variant: str | Model, params: Mapping[str, Any], seed: int, budget: Budget
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


class _Training:
    """The training loop of one trial: optimiser, data order, noise, curves and the best epoch."""

    def __init__(
        self,
        task: Any,
        net: Network,
        params: Mapping[str, Any],
        seed: int,
        budget: Budget,
        device: str,
        start: float,
        callback: Callable[[EpochResult], bool | None] | None,
    ) -> None:
        self.task, self.net, self.budget, self.device = task, net, budget, device
        self.start, self.callback = start, callback
        self.metric, self.direction = task.metric_name, task.metric_direction
        self.optimizer = make_optimizer(
            budget.optimizer, net.parameters(), params["learning_rate"], params["momentum"]
        )
        self.train = task.split("train")
        for name in ("train", "valid", "test"):
            if len(task.split(name)) == 0:
                raise ValueError(f"task {task.name!r} has an empty {name} split; give it sequences")
        valid_batches = _batches(task, task.split("valid"), budget.eval_batch_size, device)
        self.validate = _Evaluator(task, net, valid_batches, device, budget.amp)
        self.cached_train = (
            [task.collate([example]).to(device) for example in self.train]
            if budget.batch_size == 1
            else None
        )
        self.data_rng = np.random.default_rng(seeds.stream_seed(seed, "data"))
        self.noise_gen = torch.Generator(device=device)
        self.noise_gen.manual_seed(seeds.stream_seed(seed, "noise"))
        self.noise_std = params["input_noise"]
        self.curves: dict[str, list[float | None]] = {
            "train_loss": [],
            "valid_metric": [],
            "time_s": [],
        }
        self.epoch = 0

    def elapsed(self) -> float:
        """Seconds since the trial started."""
        return time.perf_counter() - self.start

    def run(self) -> None:
        """Evaluate the untrained network (epoch 0), then train epoch by epoch until a stop."""
        self.valid = self.validate()
        self.best_value, self.best_epoch, self.best_valid = self.valid[self.metric], 0, self.valid
        self.best_state = {k: v.detach().clone() for k, v in self.net.state_dict().items()}
        self._record_curves(None)
        self.diverged = not math.isfinite(self.valid[self.metric])
        self.stop_reason = "diverged" if self.diverged else "max_epochs"
        if not self.diverged and self._notify(None):
            self.stop_reason = "pruned"
        elif not self.diverged:
            for epoch in range(1, self.budget.max_epochs + 1):
                self.epoch = epoch
                reason = self._run_epoch()
                if reason is not None:
                    self.stop_reason = reason
                    break

    def _run_epoch(self) -> str | None:
        """One epoch and its evaluation; the reason to stop after it, or None."""
        train_loss, time_up = self._train_pass(self.data_rng.permutation(len(self.train)))
        if not self.diverged and not _all_finite(self.net):
            self.diverged = True
        if not self.diverged:
            self.valid = self.validate()
            self.diverged = not math.isfinite(self.valid[self.metric])
        if self.diverged:
            self.curves["train_loss"].append(None)
            self.curves["valid_metric"].append(None)
            self.curves["time_s"].append(self.elapsed())
            return "diverged"
        if _better(self.valid[self.metric], self.best_value, self.direction):
            self.best_value, self.best_epoch = self.valid[self.metric], self.epoch
            self.best_valid = self.valid
            self.best_state = {k: v.detach().clone() for k, v in self.net.state_dict().items()}
        self._record_curves(train_loss)
        if self._notify(train_loss):
            return "pruned"
        if time_up:
            return "time_limit"
        if self.epoch - self.best_epoch > self.budget.patience:
            return "early_stop"
        return None

    def _train_pass(self, order: np.ndarray) -> tuple[float | None, bool]:
        """Updates over the training sequences in ``order``: (mean loss, time limit reached).

        A non-finite loss sets ``diverged`` and ends the pass.
        """
        budget = self.budget
        loss_sum, seen = 0.0, 0
        for first in range(0, len(order), budget.batch_size):
            if budget.time_limit_s is not None and self.elapsed() >= budget.time_limit_s:
                return (loss_sum / seen if seen else None), True
            batch = self._batch_at(order[first : first + budget.batch_size])
            loss = self._step(batch)
            if not math.isfinite(loss):
                self.diverged = True
                break
            loss_sum += loss * len(batch)
            seen += len(batch)
        return (loss_sum / seen if seen else None), False

    def _batch_at(self, indices: np.ndarray) -> Any:
        if self.cached_train is not None:
            return self.cached_train[int(indices[0])]
        return self.task.collate([self.train[int(i)] for i in indices]).to(self.device)

    def _step(self, batch: Any) -> float:
        """One update on ``batch`` (Gaussian input noise on its valid steps); its loss."""
        task, net, budget = self.task, self.net, self.budget
        x = batch.x  # (B, T, F)
        if self.noise_std > 0:
            noise = torch.randn(x.shape, generator=self.noise_gen, device=self.device)  # (B, T, F)
            x = x + noise * self.noise_std * batch.mask.unsqueeze(2)  # noise on valid steps only

        def closure() -> torch.Tensor:
            self.optimizer.zero_grad(set_to_none=True)
            with devices.autocast(self.device, budget.amp):
                logits = net(x, batch.lengths)  # (B, T, output_size)
            loss = task.loss(logits.float(), batch)
            if budget.loss_scale == "mean" and task.target_kind == "per_step":
                loss = loss * (len(batch) / batch.mask.sum())  # per-step mean of each sequence
            loss.backward()
            if budget.clip_gradient is not None:
                torch.nn.utils.clip_grad_value_(net.parameters(), budget.clip_gradient)
            return loss

        return float(self.optimizer.step(closure).detach())

    def _record_curves(self, train_loss: float | None) -> None:
        self.curves["train_loss"].append(train_loss)
        self.curves["valid_metric"].append(self.valid[self.metric])
        self.curves["time_s"].append(self.elapsed())

    def _notify(self, train_loss: float | None) -> bool:
        """Call the per-epoch callback; True if it asks to stop (prune) the trial."""
        if self.callback is None:
            return False
        result = EpochResult(
            self.epoch,
            train_loss,
            self.valid[self.metric],
            dict(self.valid),
            self.best_epoch,
            self.best_value,
            self.elapsed(),
            self.budget.max_epochs,
        )
        return bool(self.callback(result))


def train_trial(
    task: Any,
    variant: str | Model,
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

    ``variant`` is a plain variant's name or a :class:`Model` (its cell and shape); the record's
    ``variant`` is the model's name and its ``architecture`` the shape as trained.
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
    net = initial_network(task, variant, params, seed, budget).to(dev)
    n_params = net.num_parameters()
    training = _Training(task, net, params, seed, budget, dev, start, callback)
    training.run()
    net.load_state_dict(training.best_state)
    test_batches = _batches(task, task.split("test"), budget.eval_batch_size, dev)
    test = _Evaluator(task, net, test_batches, dev, budget.amp)()
    record = TrialRecord(
        task=task.name,
        variant=net.variant,
        params=dict(params),
        seed=int(seed),
        metric_name=task.metric_name,
        metric_direction=task.metric_direction,
        valid_metric=float(training.best_value),
        test_metric=float(test[task.metric_name]),
        valid_metrics={k: float(v) for k, v in training.best_valid.items()},
        test_metrics={k: float(v) for k, v in test.items()},
        best_epoch=training.best_epoch,
        epochs=training.epoch,
        stop_reason=training.stop_reason,
        diverged=training.diverged,
        n_params=n_params,
        wall_time_s=time.perf_counter() - start,
        curves=training.curves,
        budget=budget.to_dict(),
        provenance=provenance.collect(dev, threads),
        architecture=dict(net.architecture),
        model=net if keep_model else None,
    )
    if not keep_model:
        del net, training
        with contextlib.suppress(Exception):
            if dev.startswith("cuda"):
                torch.cuda.empty_cache()
    return record
