"""Figures of the vanishing-gradient probe: success against the lag, gradient norm against k.

Both take the probe's long table (``odyssey.training.gradients.run_probe``) read through
:func:`odyssey.analysis.long_lag.probe_table`, and lay out one panel per (task, init), so the
paper's initialisation and the forget-gate bias (Gers et al. 2000) sit side by side. Styles,
colours and the byte-stable SVG output are :mod:`odyssey.render.figures`'.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from odyssey.analysis.long_lag import probe_table
from odyssey.analysis.stats import order_variants
from odyssey.render.figures import colour, plt, save


def panels(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """The (task, init) pairs of a probe table, in the table's order."""
    return list(dict.fromkeys(zip(frame["task"], frame["init"], strict=True)))


def success_figure(shares: pd.DataFrame, stem: Path) -> Path:
    """Share of trials that solve the task against the lag (log axis), one line per cell with
    its 95 % Wilson interval, one panel per (task, init) (``shares``:
    :func:`odyssey.analysis.long_lag.success_shares`)."""
    pairs = panels(shares)
    tasks = list(dict.fromkeys(t for t, _ in pairs))
    inits = list(dict.fromkeys(i for _, i in pairs))
    fig, axes = plt.subplots(
        len(tasks), len(inits), figsize=(7.0, 2.1 * len(tasks)), squeeze=False, sharey=True
    )
    variants = order_variants(shares["variant"].unique())
    for (row, task), (col, init) in ((r, c) for r in enumerate(tasks) for c in enumerate(inits)):
        ax = axes[row][col]
        part = shares[(shares["task"] == task) & (shares["init"] == init)]
        for shift, variant in enumerate(variants):
            v = part[part["variant"] == variant].sort_values("lag")
            if v.empty:
                continue
            x = v["lag"].to_numpy() * (1 + 0.02 * (shift - len(variants) / 2))  # dodge
            err = [(v["share"] - v["low"]).clip(lower=0), (v["high"] - v["share"]).clip(lower=0)]
            ax.errorbar(
                x,
                v["share"],
                yerr=err,
                marker="o",
                markersize=3,
                linewidth=1.0,
                elinewidth=0.6,
                capsize=1.5,
                color=colour(variant),
                label=variant,
            )
        ax.set_xscale("log")
        ax.set_ylim(-0.05, 1.05)
        ax.axhline(0.5, color="#bbbbbb", linewidth=0.6, linestyle=":")
        ax.set_title(f"{task}, init {init}", loc="left")
        ax.set_xlabel("lag")
        ax.grid(color="#eeeeee", linewidth=0.6)
    for row in axes:
        row[0].set_ylabel("trials solved")
    axes[0][0].legend(frameon=False, ncols=2, fontsize=6)
    fig.tight_layout()
    return save(fig, stem)


def norm_figure(frame: pd.DataFrame, stem: Path) -> Path:
    """Norm of d loss(T) / d x_{T-k} against k (log scale, median over trials) at the longest lag
    of each task: one row of panels per (task, init), at initialisation and after training."""
    table = probe_table(frame)
    norms = table[table["kind"] == "norm"]
    pairs = panels(norms)
    variants = order_variants(norms["variant"].unique())
    fig, axes = plt.subplots(
        len(pairs), 2, figsize=(7.0, 1.9 * len(pairs)), squeeze=False, sharey="row"
    )
    for row, (task, init) in enumerate(pairs):
        part = norms[(norms["task"] == task) & (norms["init"] == init)]
        lag = int(part["lag"].max())
        for ax, stage in zip(axes[row], ("init", "trained"), strict=True):
            here = part[(part["stage"] == stage) & (part["lag"] == lag)]
            for variant in variants:
                v = here[here["variant"] == variant].groupby("k")["value"]
                if v.ngroups == 0:
                    continue
                med = v.median().clip(lower=1e-30)
                ax.plot(
                    med.index, med.to_numpy(), color=colour(variant), linewidth=1.1, label=variant
                )
            ax.set_yscale("log")
            ax.set_title(f"{task}, init {init}: {stage}, lag {lag}", loc="left")
            ax.grid(color="#eeeeee", linewidth=0.6)
        axes[row][0].set_ylabel("gradient norm")
    for ax in axes[-1]:
        ax.set_xlabel("k (steps back from the last)")
    axes[0][0].legend(frameon=False, ncols=2, fontsize=6)
    fig.tight_layout()
    return save(fig, stem)
