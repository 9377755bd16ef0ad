"""Vanishing and exploding gradients: how far back the error signal reaches, per cell.

Pipeline-facing: :func:`run_probe` (docs/contracts.md; config key ``gradients``, read into a
:class:`odyssey.study.probe.ProbeSpec`). For every task of the probe (long-lag tasks whose loss is
at the last step: the adding problem, H&S 1997 exp. 4, and the temporal order problem, exp. 6a;
reference section 6.3), lag, variant, weight initialisation (``gradients.inits``, e.g. the
paper's N(0, 0.1) and ``forget_bias``, +1 on the forget-gate bias as Gers et al. 2000) and each of
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
   (adding: absolute error < 0.04, the task's ``hit_rate``, H&S 1997's per-sequence criterion,
   chance level of a constant output 0.5 about 16 %; temporal order: the class is right, 1 minus
   its ``error``, chance 25 %).

A trial's seed depends on the task, variant, lag and trial, not on the init: the inits of one seed
start from the same draws and differ only by the scheme (for ``forget_bias``, by the +1 on the
forget-gate bias), a paired comparison. A cell without a forget mechanism (NFG, the tanh RNN) is
unchanged by ``forget_bias`` (``variants.init``): its ``init_effective`` is the scheme without it
and its rows are those of that scheme's run (run once, not twice).

The probe's hyperparameters are fixed (:data:`odyssey.study.probe.PROBE_PARAMS`; hidden size 32,
lr 1e-2, momentum 0.9, no input noise) so that the cells differ only in their equations; the task
options and budget come from the study's entry for that task (its ``lag`` is replaced per lag).

Output: one long table, columns ``task, init, init_effective, variant, lag, trial, seed, stage,
kind, k, value`` plus the hyperparameters; ``kind`` is ``norm`` (per k; ``stage`` init or
trained), ``hit_rate`` (share of test sequences solved), ``success`` (0/1), ``test_metric``,
``wall_time_s`` and ``epochs`` (``k`` = -1).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from odyssey.study.probe import ProbeSpec, ProbeTask

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
    for spec, lag in itertools.product(probe.tasks, probe.lags):
        task = tasks.get(spec.name, lag=int(lag), **spec.options)
        sequences = list(task.split("test"))[:PROBE_SEQUENCES]
        for variant, trial in itertools.product(probe.variants, range(probe.trials_per_lag)):
            done: dict[str, list[dict[str, Any]]] = {}  # rows per init as applied
            for init in probe.inits:
                applied = effective_init(variant, init)
                if applied not in done:
                    run = ProbeRun(spec, int(lag), variant, applied, trial)
                    done[applied] = _probe_trial(probe, run, task, sequences, device, threads)
                rows += [{**row, "init": init, "init_effective": applied} for row in done[applied]]
    frame = pd.DataFrame(rows)
    frame["note"] = probe_note(probe)
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out_csv, index=False)
    return frame


def probe_note(probe: ProbeSpec) -> str:
    """One sentence of the probe's settings for the report."""
    params = probe.params
    return (
        f"Probe: {', '.join(spec.name for spec in probe.tasks)}, init "
        f"{', '.join(probe.inits)}, hidden size {params['hidden_size']}, learning rate "
        f"{params['learning_rate']:g}, momentum {params['momentum']:g}, no input noise, "
        f"{probe.tasks[0].budget.max_epochs} epoch(s), {probe.trials_per_lag} trial(s) per lag; "
        f"success: at least {SUCCESS_FRACTION:.0%} of the test sequences solved (adding: "
        "absolute error < 0.04; temporal order: class right)."
    )


@cache
def effective_init(variant: str, init: str) -> str:
    """``init`` as it acts on ``variant``: without ``forget_bias`` for a cell that has no forget
    mechanism (``variants.init``: NFG and the RNN are left unchanged by it)."""
    import variants

    parts = [part.strip() for part in init.split("+")]
    if "forget_bias" not in parts:
        return init
    if variants.build(variant, 1, 1).cells[0].forget_bias_key is not None:
        return init
    rest = [part for part in parts if part != "forget_bias"]
    return "+".join(rest) if rest else "paper"


@dataclass(frozen=True)
class ProbeRun:
    """One probe trial: task, lag, variant, the init applied, trial index."""

    task: ProbeTask
    lag: int
    variant: str
    init: str
    trial: int


def _probe_trial(
    probe: ProbeSpec, run: ProbeRun, task: Any, sequences: list, device: str, threads: int
) -> list[dict[str, Any]]:
    """The rows of one probe trial: norms at initialisation and after training, then outcomes."""
    from odyssey.study import seeds
    from odyssey.training.trial import initial_network, train_trial

    params = probe.params
    seed = seeds.derive_seed(
        probe.seed, "gradients", run.task.name, run.variant, run.lag, run.trial
    )
    base = {
        "task": run.task.name,
        "variant": run.variant,
        "lag": run.lag,
        "trial": run.trial,
        "seed": seed,
        **{k: params[k] for k in ("hidden_size", "learning_rate", "momentum")},
    }
    budget = run.task.budget_for(run.init)
    net = initial_network(task, run.variant, params, seed, budget)
    rows = [
        {**base, "stage": "init", "kind": "norm", "k": k, "value": value}
        for k, value in enumerate(gradient_profile(net, task, sequences).tolist())
    ]
    start = time.perf_counter()
    record = train_trial(
        task, run.variant, params, seed, budget, device=device, threads=threads, keep_model=True
    )
    wall = time.perf_counter() - start
    trained = record.model.to("cpu")
    rows += [
        {**base, "stage": "trained", "kind": "norm", "k": k, "value": value}
        for k, value in enumerate(gradient_profile(trained, task, sequences).tolist())
    ]
    extra = {
        "test_metric": float(record.test_metric),
        "wall_time_s": wall,
        "epochs": float(record.epochs),
    }
    solved = solved_share(record.test_metrics)
    if solved is not None:
        extra["hit_rate"] = solved
        extra["success"] = float(solved >= SUCCESS_FRACTION)
    rows += [
        {**base, "stage": "trained", "kind": kind, "k": -1, "value": value}
        for kind, value in extra.items()
    ]
    return rows


def solved_share(metrics: dict[str, float]) -> float | None:
    """The share of test sequences solved: the first of :data:`SUCCESS_METRICS` the task reports,
    else 1 minus its ``error`` (temporal order: the share classified right); None if neither."""
    for name in SUCCESS_METRICS:
        if name in metrics:
            return float(metrics[name])
    if "error" in metrics:
        return 1.0 - float(metrics["error"])
    return None
