"""Vanishing and exploding gradients: how far back the error signal reaches, per cell.

Pipeline-facing: :func:`run_probe` (docs/contracts.md; config key ``gradients``). For every variant
and lag of ``cfg["gradients"]`` on a long-lag task (default: the adding problem, Hochreiter &
Schmidhuber 1997 exp. 4; reference section 6.3), and for ``trials_per_lag`` seeds:

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

The probe's hyperparameters are fixed (:data:`PROBE_PARAMS`; hidden size 32, lr 1e-2, momentum 0.9,
no input noise) so that the cells differ only in their equations; the task options and budget come
from ``cfg["tasks"][task]`` when the study has that task (its ``lag`` is replaced per lag).

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

#: A trial succeeds when at least this fraction of the test sequences is solved (documented above).
SUCCESS_FRACTION = 0.9
#: Fixed hyperparameters of every probe trial.
PROBE_PARAMS: dict[str, Any] = {
    "hidden_size": 32,
    "learning_rate": 1e-2,
    "momentum": 0.9,
    "input_noise": 0.0,
}
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


def _task_setup(cfg: dict) -> tuple[str, dict, dict, dict]:
    """(task name, task options, budget dict, params) of the probe from the config."""
    gcfg = cfg.get("gradients") or {}
    name = gcfg.get("task", "adding")
    entry = (cfg.get("tasks") or {}).get(name) or {}
    options = dict(entry.get("options") or {})
    options.pop("lag", None)
    budget = dict(entry.get("budget") or {})
    epochs = int(gcfg.get("max_epochs", 5))
    budget["max_epochs"] = epochs
    budget["patience"] = epochs
    budget.pop("time_limit_s", None)
    return name, options, budget, dict(PROBE_PARAMS)


def run_probe(cfg: dict, out_csv: Path | str) -> pd.DataFrame:
    """Run the gradient probe of ``cfg["gradients"]`` and write its long table to ``out_csv``."""
    import tasks
    from odyssey.study import seeds
    from odyssey.study.budget import Budget
    from odyssey.training.trial import initial_network, train_trial

    gcfg = cfg.get("gradients") or {}
    name, options, budget_dict, params = _task_setup(cfg)
    budget = Budget.from_dict(budget_dict)
    root = int(cfg.get("seed", 0))
    rows: list[dict[str, Any]] = []
    for lag in gcfg.get("lags", [10, 20, 50]):
        task = tasks.get(name, lag=int(lag), **options)
        probe = list(task.split("test"))[:PROBE_SEQUENCES]
        for variant in gcfg.get("variants", ["RNN", "GRU", "V"]):
            for trial in range(int(gcfg.get("trials_per_lag", 1))):
                seed = seeds.derive_seed(root, "gradients", name, variant, int(lag), trial)
                base = {
                    "variant": variant,
                    "lag": int(lag),
                    "trial": trial,
                    "seed": seed,
                    **{k: params[k] for k in ("hidden_size", "learning_rate", "momentum")},
                }
                net = initial_network(task, variant, params, seed, budget)
                for k, value in enumerate(gradient_profile(net, task, probe).tolist()):
                    rows.append({**base, "stage": "init", "kind": "norm", "k": k, "value": value})
                start = time.perf_counter()
                record = train_trial(
                    task,
                    variant,
                    params,
                    seed,
                    budget,
                    device=str(cfg.get("device", "cpu")),
                    threads=int(cfg.get("threads_per_worker", 1)),
                    keep_model=True,
                )
                wall = time.perf_counter() - start
                trained = record.model.to("cpu")
                for k, value in enumerate(gradient_profile(trained, task, probe).tolist()):
                    rows.append(
                        {**base, "stage": "trained", "kind": "norm", "k": k, "value": value}
                    )
                solved = next(
                    (record.test_metrics[m] for m in SUCCESS_METRICS if m in record.test_metrics),
                    None,
                )
                extra = {
                    "test_metric": float(record.test_metric),
                    "wall_time_s": wall,
                    "epochs": float(record.epochs),
                }
                if solved is not None:
                    extra["hit_rate"] = float(solved)
                    extra["success"] = float(solved >= SUCCESS_FRACTION)
                for kind, value in extra.items():
                    rows.append({**base, "stage": "trained", "kind": kind, "k": -1, "value": value})
    frame = pd.DataFrame(rows)
    frame["note"] = (
        f"Probe: {name}, hidden size {params['hidden_size']}, learning rate "
        f"{params['learning_rate']:g}, momentum {params['momentum']:g}, no input noise, "
        f"{budget.max_epochs} epoch(s); success: at least {SUCCESS_FRACTION:.0%} of the test "
        "sequences solved (adding: absolute error < 0.04)."
    )
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out_csv, index=False)
    return frame
