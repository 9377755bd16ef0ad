"""Why only some cells learn the adding problem at lag 30 in the quick study (issue 13).

Two measurements on the quick study's adding task (``config/config.yaml``: lag 30, 1024 training
sequences, batch 16), written to ``bench/long_lag.json`` and summarised in
``docs/long-time-lag.md``:

1. ``gates``: the forget gate's activation at initialisation, read from the cell's reference loop
   (``scan_eager``) on training sequences: ``f_t = σ(W_f x_t + R_f y_{t-1} + p_f ⊙ c_{t-1} + b_f)``
   (Greff et al. 2017, Eq. 2; CIFG: ``f = 1 - i``; NFG: ``f = 1``), its mean and the mean of the
   product over the 20 steps that separate the first marked value from the end at the shortest
   length (the cell state's own decay ``∏ f``, i.e. about ``mean f ** 20``). With the paper's
   N(0, 0.1) weights and biases ``f ≈ σ(0) = 0.5``; ``forget_bias`` adds 1 (``σ(1) ≈ 0.73``).
2. ``train``: fixed hyperparameters (hidden 32, momentum 0.9, no input noise, the quick study's
   batch and data) per cell, init and learning rate, trained for ``--epochs`` epochs; per epoch the
   validation hit rate (share of sequences with absolute error < 0.04, Hochreiter & Schmidhuber
   1997); reported: the hit rate after 30 epochs (the quick study's cap) and at the end, and the
   first epoch at which it reached 0.9 (the probe's success criterion);
3. ``replay`` (``--replay``): the quick study's own five trials per cell (its parameter draws,
   seeds, data and budget: 30 epochs, patience 10, 60 s), with the paper's init and with
   ``forget_bias``: the test hit rate and MSE of each trial, as the study's table would hold them;
4. ``profile`` (``--profile``): the probe's gradient profile at initialisation
   (``odyssey.training.gradients.gradient_profile``) of each cell and init at hidden sizes 32 and
   100, over 64 test sequences at lag 30 and 5 seeds: the norm reaching k = 25 steps back over the
   last step's (geometric mean over seeds) and its per-step factor (its 25th root);
6. ``estimate`` (``--estimate COST.json --cost CONFIG``): the CPU seconds of the probe of CONFIG
   from a ``cost`` table (:func:`estimate`).
5. ``cost`` (``--cost CONFIG``): the probe of a config (its ``gradients`` key, tasks, options and
   budgets) run for ``--epochs`` epochs at ``--lags`` with one trial and the paper init, the
   seconds of each trial (training, evaluation and both gradient profiles) per epoch, so that a
   probe can be sized before it runs (the cost grows with lag x training sequences x epochs).

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/long_lag.py            # ~3-6 CPU-minutes
    PYTHONPATH=. nice -n 10 .venv/bin/python bench/long_lag.py --epochs 10 --cells V NFG
    PYTHONPATH=. nice -n 10 .venv/bin/python bench/long_lag.py --replay --out bench/replay.json
    PYTHONPATH=. nice -n 10 .venv/bin/python bench/long_lag.py --profile --cells V NIG NOG CIFG \
        NFG GRU RNN --out bench/long_lag_profile.json
    PYTHONPATH=. nice -n 10 .venv/bin/python bench/long_lag.py --cost my.yaml --lags 10 100 \
        --epochs 2 --out bench/long_lag_cost.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import platform
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

import tasks
import variants
from odyssey.study import seeds
from odyssey.study.budget import Budget
from odyssey.study.config import load
from odyssey.study.space import trial_params
from odyssey.study.spec import StudySpec
from odyssey.training.trial import EpochResult, train_trial

HERE = Path(__file__).resolve().parent
SIZES = {"train": 1024, "valid": 256, "test": 256}
"""The quick study's adding data (config/config.yaml)."""


def forget_activation(cell_name: str, init: str, seed: int, lag: int) -> dict[str, float]:
    """Mean forget-gate activation at initialisation and the mean decay ``∏ f`` over 20 steps."""
    task = tasks.get("adding", lag=lag, sizes={"train": 64, "valid": 1, "test": 1})
    batch = task.collate(list(task.split("train")))
    x = batch.x[:, :lag]  # (B, T, 2): every sequence is at least `lag` long
    torch.manual_seed(seed)
    net = variants.build(cell_name, 2, 32, init=init)
    cell = net.cells[0]
    w = cell.paper_weights()
    with torch.no_grad():
        _, states = cell.scan_eager(x)
        y = torch.stack(states[0], dim=1)  # (B, T, N)
        c = torch.stack(states[1], dim=1)  # (B, T, N)
        y_prev = torch.cat([torch.zeros_like(y[:, :1]), y[:, :-1]], dim=1)  # (B, T, N)
        c_prev = torch.cat([torch.zeros_like(c[:, :1]), c[:, :-1]], dim=1)  # (B, T, N)
        gate = "i" if cell_name == "CIFG" else "f"
        if f"b_{gate}" not in w:  # NFG: no forget gate, f = 1
            f = torch.ones_like(y)
        else:
            pre = x @ w[f"W_{gate}"].T + w[f"b_{gate}"]  # (B, T, N)
            if f"R_{gate}" in w:
                pre = pre + y_prev @ w[f"R_{gate}"].T
            if f"p_{gate}" in w:
                pre = pre + w[f"p_{gate}"] * c_prev
            f = torch.sigmoid(pre)  # (B, T, N)
            f = 1 - f if gate == "i" else f
        decay = f[:, -20:].prod(dim=1)  # (B, N): ∏ f over the last 20 steps
    return {"mean_f": float(f.mean()), "decay_20": float(decay.mean())}


def train(
    cell: str, init: str, lr: float, epochs: int, seed: int, fixed: dict[str, Any]
) -> dict[str, Any]:
    """One trial with ``fixed`` hidden size, momentum and input noise; the validation hit rate
    per epoch."""
    task = tasks.get("adding", lag=30, sizes=SIZES)
    hits: list[float] = []

    def record(result: EpochResult) -> None:
        hits.append(float(result.valid_metrics["hit_rate"]))

    params = {**fixed, "learning_rate": lr}
    budget = Budget(batch_size=16, max_epochs=epochs, patience=epochs, init=init)
    start = time.perf_counter()
    rec = train_trial(task, cell, params, seed, budget, callback=record)
    first = next((epoch for epoch, hit in enumerate(hits) if hit >= 0.9), None)
    return {
        "cell": cell,
        "init": init,
        **params,
        "seed": seed,
        "hit_at_30": hits[min(30, len(hits) - 1)],
        "hit_at_end": hits[-1],
        "first_epoch_0.9": first,
        "test_hit_rate": rec.test_metrics["hit_rate"],
        "epochs": rec.epochs,
        "wall_s": time.perf_counter() - start,
    }


def replay(cell: str, init: str, config: Path) -> list[dict[str, Any]]:
    """The quick study's trials of ``cell`` on adding (its draws, seeds, budget), with ``init``."""
    spec = StudySpec.from_config(load(config), "adding", cell)
    task = tasks.get("adding", **spec.task_options)
    budget = Budget.from_dict({**spec.budget.to_dict(), "init": init})
    rows = []
    for slot in range(spec.n_trials):
        params = trial_params(spec.draw_params(slot))
        seed = seeds.trial_seed(spec.seed, spec.task, spec.variant, slot)
        rec = train_trial(task, cell, params, seed, budget)
        rows.append(
            {
                "cell": cell,
                "init": init,
                "trial": slot,
                **{k: round(float(v), 4) for k, v in params.items()},
                "test_hit_rate": rec.test_metrics["hit_rate"],
                "test_mse": rec.test_metric,
                "epochs": rec.epochs,
                "stop": rec.stop_reason,
            }
        )
    return rows


def profiles(cells: list[str], inits: list[str]) -> list[dict[str, Any]]:
    """The gradient reaching 25 steps back at initialisation, per hidden size, init and cell."""
    from odyssey.training.gradients import gradient_profile
    from odyssey.training.trial import initial_network

    task = tasks.get("adding", lag=30, sizes={"train": 1, "valid": 1, "test": 64})
    sequences = list(task.split("test"))
    rows = []
    for hidden, init, cell in itertools.product((32, 100), inits, cells):
        logs = []
        for seed in range(5):
            net = initial_network(task, cell, {"hidden_size": hidden}, seed, Budget(init=init))
            profile = gradient_profile(net, task, sequences)  # (T,)
            logs.append(math.log(float(profile[25] / profile[0])))
        ratio = math.exp(sum(logs) / len(logs))
        rows.append(
            {
                "hidden": hidden,
                "init": init,
                "cell": cell,
                "ratio_k25": ratio,
                "per_step": ratio ** (1 / 25),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def cost(config: Path, lags: list[int], epochs: int) -> list[dict[str, Any]]:
    """Seconds per trial and epoch of the probe of ``config`` at ``lags`` (one trial, paper)."""
    import tempfile

    import yaml

    from odyssey.study.config import validate
    from odyssey.study.probe import ProbeSpec
    from odyssey.training.gradients import run_probe

    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["gradients"] = {
        **raw["gradients"],
        "lags": lags,
        "inits": ["paper"],
        "trials_per_lag": 1,
        "max_epochs": epochs,
    }
    probe = ProbeSpec.from_config(validate(raw))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in probe.tasks:
            for variant in probe.variants:
                one = replace(probe, tasks=(spec,), variants=(variant,), lags=(lags[0],))
                for lag in lags:
                    start = time.perf_counter()
                    frame = run_probe(replace(one, lags=(lag,)), Path(tmp) / "g.csv")
                    wall = time.perf_counter() - start
                    ran = frame[frame["kind"] == "epochs"]["value"].iloc[0]
                    rows.append(
                        {
                            "task": spec.name,
                            "variant": variant,
                            "lag": lag,
                            "train": tasks.get(spec.name, lag=lag, **spec.options).sizes["train"],
                            "batch_size": spec.budget.batch_size,
                            "epochs": int(ran),
                            "wall_s": wall,
                            "s_per_epoch": wall / max(1, int(ran)),
                        }
                    )
                    print(json.dumps(rows[-1]), flush=True)
    return rows


def estimate(measured: Path, config: Path, measured_train: int = 256) -> dict[str, Any]:
    """CPU seconds of the probe of ``config`` from a ``cost`` table: a trial of E epochs costs
    E times the measured seconds per epoch (its fixed part, the two gradient profiles and the test
    evaluation, spread over the measured epochs: an upper bound), interpolated linearly in the
    lag between the measured lags and scaled by the training split; times the trials and the
    inits that act on the cell (``forget_bias`` leaves NFG and RNN unchanged: one run)."""
    import numpy as np
    import yaml

    from odyssey.study.config import validate
    from odyssey.study.probe import ProbeSpec
    from odyssey.training.gradients import effective_init

    rows = json.loads(measured.read_text(encoding="utf-8"))["cost"]
    rate = {(r["task"], r["variant"], r["lag"]): r["wall_s"] / r["epochs"] for r in rows}
    probe = ProbeSpec.from_config(validate(yaml.safe_load(config.read_text(encoding="utf-8"))))
    total, parts = 0.0, {}
    for spec in probe.tasks:
        train = tasks.get(spec.name, lag=probe.lags[0], **spec.options).sizes["train"]
        for variant in probe.variants:
            lags = sorted(lag for (t, v, lag) in rate if (t, v) == (spec.name, variant))
            per_epoch = [rate[(spec.name, variant, lag)] for lag in lags]
            runs = len({effective_init(variant, init) for init in probe.inits})
            for lag in probe.lags:
                epoch = float(np.interp(lag, lags, per_epoch)) * train / measured_train
                seconds = spec.budget.max_epochs * epoch * runs * probe.trials_per_lag
                parts[f"{spec.name}/{variant}/{lag}"] = round(seconds, 1)
                total += seconds
    return {"total_s": round(total, 1), "parts_s": parts}


def main() -> None:
    """Run both measurements and write the JSON file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", nargs="+", default=["V", "NIG", "NOG", "NFG", "CIFG"])
    parser.add_argument("--inits", nargs="+", default=["paper", "forget_bias"])
    parser.add_argument("--lrs", nargs="+", type=float, default=[0.1, 1.0])
    parser.add_argument("--epochs", type=int, default=90)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--noise", type=float, default=0.0)
    parser.add_argument("--no-gates", action="store_true", help="skip the gate measurement")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1])
    parser.add_argument("--out", type=Path, default=HERE / "long_lag.json")
    parser.add_argument("--replay", action="store_true", help="replay the quick study's trials")
    parser.add_argument("--config", type=Path, default=HERE.parent / "config" / "config.yaml")
    parser.add_argument("--cost", type=Path, help="a config whose probe to time")
    parser.add_argument("--profile", action="store_true", help="gradient profiles at init")
    parser.add_argument("--estimate", type=Path, help="a cost table to size --cost CONFIG by")
    parser.add_argument("--lags", nargs="+", type=int, default=[10, 100])
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.profile:
        rows = profiles(args.cells, args.inits)
        args.out.write_text(json.dumps({"profile": rows}, indent=1), encoding="utf-8")
        return
    if args.estimate:
        result = estimate(args.estimate, args.cost)
        print(json.dumps(result["total_s"]))
        args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
        return
    if args.cost:
        rows = cost(args.cost, args.lags, args.epochs)
        args.out.write_text(json.dumps({"cost": rows}, indent=1), encoding="utf-8")
        return
    if args.replay:
        rows = []
        for cell in args.cells:
            for init in args.inits:
                rows += replay(cell, init, args.config)
                print(*(json.dumps(row) for row in rows[-5:]), sep="\n", flush=True)
        args.out.write_text(json.dumps({"replay": rows}, indent=1), encoding="utf-8")
        return
    gates = [
        {"cell": c, "init": i, **forget_activation(c, i, seed=0, lag=30)}
        for c in ([] if args.no_gates else args.cells)
        for i in args.inits
    ]
    fixed = {"hidden_size": args.hidden, "momentum": args.momentum, "input_noise": args.noise}
    for row in gates:
        print(json.dumps(row), flush=True)
    runs = []
    for cell in args.cells:
        for init in args.inits:
            for lr in args.lrs:
                for seed in args.seeds:
                    runs.append(train(cell, init, lr, args.epochs, seed, fixed))
                    print(json.dumps(runs[-1]), flush=True)
    machine = f"{platform.processor() or platform.machine()}, torch {torch.__version__}, 1 thread"
    args.out.write_text(
        json.dumps({"machine": machine, "gates": gates, "train": runs}, indent=1), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
