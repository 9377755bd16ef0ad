"""Vanishing and exploding gradients: how far back the error signal reaches, per cell.

Pipeline-facing: :func:`run_probe` (docs/contracts.md; config key ``gradients``, read into a
:class:`odyssey.study.probe.ProbeSpec`). For every variant and lag of the probe on a long-lag task
(default: the adding problem, Hochreiter & Schmidhuber 1997 exp. 4; reference section 6.3), and for
``trials_per_lag`` seeds:

1. the network of the trial (``odyssey.training.trial.initial_network``: ``variants.build`` plus the
   linear output layer, initialised N(0, 0.1) as in Greff et al. 2017 Sec. IV-B) is probed at
   initialisation: the norm of the gradient of the loss at the last step with respect to the input
   at step T-k, for k = 0 .. T-1, averaged over probe sequences of the test split. The input at
   step T-k reaches the loss only through the hidden state at T-k, so its gradient is
   ``(d loss / d h_{T-k}) (d h_{T-k} / d x_{T-k})``: the public interface of a layer exposes its
   inputs, not its internal states, and this is the closest observable of ``d loss / d h_{T-k}``;
2. the same network is trained for ``max_epochs`` epochs with ``odyssey.training.trial.train_trial``
   (``keep_model=True``) and probed again with its best-validation weights;
3. the trial succeeds when at least :data:`SUCCESS_FRACTION` of the test sequences are solved
   (adding: absolute error < 0.04, the task's ``hit_rate``, H&S 1997's per-sequence criterion;
   chance level of a constant output 0.5 is about 16 %).

The probe's hyperparameters are fixed (:data:`odyssey.study.probe.PROBE_PARAMS`; hidden size 32,
lr 1e-2, momentum 0.9, no input noise) so that the cells differ only in their equations; the task
options and budget come from the study's entry for that task (its ``lag`` is replaced per lag).

Output: one long table, columns ``variant, lag, trial, seed, stage, kind, k, value`` plus the
hyperparameters; ``kind`` is ``norm`` (per k; ``stage`` init or trained), ``hit_rate``,
``success`` (0/1), ``test_metric``, ``wall_time_s`` and ``epochs`` (``k`` = -1).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from odyssey.study.probe import ProbeSpec

#: A trial succeeds when at least this fraction of the test sequences is solved (documented above).
SUCCESS_FRACTION = 0.9
#: Probe sequences (from the test split) over which the gradient norms are averaged.
PROBE_SEQUENCES = 32
#: Success metrics looked for, in this order, among the task's test metrics.
SUCCESS_METRICS = ("hit_rate", "accuracy", "sequence_accuracy")


def gradient_profile(net: torch.nn.Module, task: Any, examples: list) -> torch.Tensor:
    """Mean over sequences of ``|| d loss(last step) / d x_{T-k} ||`` for k = 0 .. min length - 1.

    ``task.target_kind`` must be ``final`` (the loss is then the last step's only). The network is
    put in eval mode; the gradients of its parameters are left untouched.
    """
    if getattr(task, "target_kind", "final") != "final":
        raise ValueError(
            f"gradient probe: task {task.name!r} has per-step targets; use a long-lag task whose "
            "loss is at the last step (adding, temporal_order, ...)"
        )
    was_training = net.training
    net.eval()
    batch = task.collate(examples)
    x = batch.x.detach().clone().requires_grad_(True)  # (B, T, F)
    logits = net(x, batch.lengths)  # (B, T, out)
    loss = task.loss(logits, batch)
    (grad,) = torch.autograd.grad(loss, x)
    norms = grad.norm(dim=2)  # (B, T)
    lengths = batch.lengths.to(norms.device)
    horizon = int(lengths.min())
    rows = torch.arange(len(lengths), device=norms.device)
    profile = torch.stack([norms[rows, lengths - 1 - k].mean() for k in range(horizon)])
    net.train(was_training)
    return profile.detach().cpu()


def run_probe(
    probe: ProbeSpec, out_csv: Path | str, *, device: str = "cpu", threads: int = 1
) -> pd.DataFrame:
    """Run the gradient probe ``probe`` and write its long table to ``out_csv``."""
    import tasks

    rows: list[dict[str, Any]] = []
    for lag in probe.lags:
        task = tasks.get(probe.task, lag=int(lag), **probe.task_options)
        sequences = list(task.split("test"))[:PROBE_SEQUENCES]
        for variant in probe.variants:
            for trial in range(probe.trials_per_lag):
                rows += _probe_trial(
                    probe, task, sequences, variant, int(lag), trial, device, threads
                )
    frame = pd.DataFrame(rows)
    params = probe.params
    frame["note"] = (
        f"Probe: {probe.task}, hidden size {params['hidden_size']}, learning rate "
        f"{params['learning_rate']:g}, momentum {params['momentum']:g}, no input noise, "
        f"{probe.budget.max_epochs} epoch(s); success: at least {SUCCESS_FRACTION:.0%} of the test "
        "sequences solved (adding: absolute error < 0.04)."
    )
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out_csv, index=False)
    return frame


def _probe_trial(
    probe: ProbeSpec,
    task: Any,
    sequences: list,
    variant: str,
    lag: int,
    trial: int,
    device: str,
    threads: int,
) -> list[dict[str, Any]]:
    """The rows of one probe trial: norms at initialisation and after training, then outcomes."""
    from odyssey.study import seeds
    from odyssey.training.trial import initial_network, train_trial

    params = probe.params
    seed = seeds.derive_seed(probe.seed, "gradients", probe.task, variant, lag, trial)
    base = {
        "variant": variant,
        "lag": lag,
        "trial": trial,
        "seed": seed,
        **{k: params[k] for k in ("hidden_size", "learning_rate", "momentum")},
    }
    net = initial_network(task, variant, params, seed, probe.budget)
    rows = [
        {**base, "stage": "init", "kind": "norm", "k": k, "value": value}
        for k, value in enumerate(gradient_profile(net, task, sequences).tolist())
    ]
    start = time.perf_counter()
    record = train_trial(
        task, variant, params, seed, probe.budget, device=device, threads=threads, keep_model=True
    )
    wall = time.perf_counter() - start
    trained = record.model.to("cpu")
    rows += [
        {**base, "stage": "trained", "kind": "norm", "k": k, "value": value}
        for k, value in enumerate(gradient_profile(trained, task, sequences).tolist())
    ]
    solved = next(
        (record.test_metrics[m] for m in SUCCESS_METRICS if m in record.test_metrics), None
    )
    extra = {
        "test_metric": float(record.test_metric),
        "wall_time_s": wall,
        "epochs": float(record.epochs),
    }
    if solved is not None:
        extra["hit_rate"] = float(solved)
        extra["success"] = float(solved >= SUCCESS_FRACTION)
    rows += [
        {**base, "stage": "trained", "kind": kind, "k": -1, "value": value}
        for kind, value in extra.items()
    ]
    return rows
