"""Vector figures of the report in the style of the paper's Figs. 3-6 (Greff et al. 2017, Sec. V).

Every figure is written as SVG (embedded by typst) beside the report, with fixed metadata
(no dates, a fixed SVG hash salt) so the same inputs give the same bytes. Every variant has one
fixed colour in every figure (:data:`VARIANT_COLOURS`).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from odyssey.analysis import fanova as fa  # noqa: E402
from odyssey.analysis.importance import POOLED, reference_scope  # noqa: E402
from odyssey.analysis.stats import order_variants  # noqa: E402

#: One fixed colour per variant (paper variants, then GRU and the tanh RNN).
VARIANT_COLOURS: dict[str, str] = {
    "V": "#1f4e79",
    "CIFG": "#2ca02c",
    "FGR": "#8c564b",
    "NP": "#17becf",
    "NOG": "#9467bd",
    "NIAF": "#bcbd22",
    "NIG": "#e377c2",
    "NFG": "#d62728",
    "NOAF": "#ff7f0e",
    "GRU": "#7f7f7f",
    "RNN": "#000000",
}
_EXTRA = ("#aec7e8", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d")
SIGNIFICANT = "#0033cc"
HP_LABELS = {
    "learning_rate": "learning rate",
    "one_minus_momentum": "1 - momentum",
    "hidden_size": "hidden size",
    "input_noise": "input noise std",
}

plt.rcParams.update(
    {
        "svg.hashsalt": "lstm-odyssey",
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
        "font.family": "DejaVu Sans",
        "font.size": 8,
        "axes.titlesize": 8,
        "axes.labelsize": 8,
        "legend.fontsize": 7,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "axes.spines.top": False,
        "figure.dpi": 100,
    }
)


def colour(variant: str) -> str:
    """The fixed colour of ``variant`` (unknown names get a stable colour from their name)."""
    if variant in VARIANT_COLOURS:
        return VARIANT_COLOURS[variant]
    return _EXTRA[sum(map(ord, variant)) % len(_EXTRA)]


def save(fig: plt.Figure, stem: Path) -> Path:
    """Write ``stem.svg`` deterministically (no date, fixed hash salt, text as paths).

    SVG only: typst embeds it as vector graphics, and a PDF copy per figure doubled the time.
    """
    stem.parent.mkdir(parents=True, exist_ok=True)
    svg = stem.with_suffix(".svg")
    fig.savefig(svg, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    return svg


def _box(ax, data: list[np.ndarray], variants: list[str], significant: set[str]) -> None:
    """Box plots in the paper's Fig. 3 style: box 25-75 %, whiskers full range, red mean and median.

    Significant variants get thick blue box lines and dashed blue whiskers (as in the paper).
    """
    for i, (values, variant) in enumerate(zip(data, variants, strict=True)):
        if len(values) == 0:
            continue
        sig = variant in significant
        edge = SIGNIFICANT if sig else "#333333"
        ax.boxplot(
            [values],
            positions=[i],
            widths=0.6,
            whis=(0, 100),
            patch_artist=True,
            showfliers=False,
            boxprops={
                "facecolor": colour(variant),
                "alpha": 0.55,
                "edgecolor": edge,
                "linewidth": 2.2 if sig else 0.8,
            },
            whiskerprops={
                "color": edge,
                "linestyle": "--" if sig else "-",
                "linewidth": 1.6 if sig else 0.8,
            },
            capprops={"color": edge, "linewidth": 1.6 if sig else 0.8},
            medianprops={"color": "#d00000", "linewidth": 1.4},
        )
        ax.plot([i], [float(np.mean(values))], marker="s", color="#d00000", markersize=3.5)
        ax.scatter(
            np.full(len(values), i) + np.linspace(-0.18, 0.18, len(values)),
            values,
            s=3,
            color=colour(variant),
            alpha=0.7,
            linewidths=0,
            zorder=3,
        )


def variant_boxes(
    trials: pd.DataFrame,
    significant_all: set[str],
    significant_top: set[str],
    metric_label: str,
    stem: Path,
) -> Path:
    """The paper's Fig. 3 for one task: all trials (top) and the best 10 % by validation (bottom).

    ``trials`` is ``trials_used.csv`` (with the ``top10`` flag). The grey bars on the right axis of
    the bottom panel are the mean parameter counts of the best 10 % (as in the paper).
    """
    variants = order_variants(trials["variant"].unique())
    fig, axes = plt.subplots(2, 1, figsize=(6.6, 5.2), sharex=True)
    for ax, subset, sig, title in (
        (axes[0], trials, significant_all, "all trials"),
        (axes[1], trials[trials["top10"].astype(bool)], significant_top, "best 10 % by validation"),
    ):
        data = [
            subset.loc[subset["variant"] == v, "test_metric"].astype(float).dropna().to_numpy()
            for v in variants
        ]
        data = [d[np.isfinite(d)] for d in data]
        params = [
            subset.loc[subset["variant"] == v, "n_params"].astype(float).mean() for v in variants
        ]
        twin = ax.twinx()
        twin.bar(range(len(variants)), params, width=0.7, color="#ececec", zorder=0)
        twin.set_ylabel("mean parameters", color="#777777")
        twin.tick_params(axis="y", colors="#777777")
        ax.set_zorder(twin.get_zorder() + 1)
        ax.patch.set_visible(False)
        _box(ax, data, variants, sig)
        ax.set_ylabel(metric_label)
        ax.set_title(title, loc="left")
        ax.grid(axis="y", color="#eeeeee", linewidth=0.6)
    axes[1].set_xticks(range(len(variants)))
    labels = [v + ("*" if v in significant_all | significant_top else "") for v in variants]
    axes[1].set_xticklabels(labels)
    for tick, variant in zip(axes[1].get_xticklabels(), variants, strict=True):
        tick.set_color(colour(variant))
    fig.tight_layout()
    return save(fig, stem)


def fanova_shares(shares: pd.DataFrame, optuna: dict[str, dict[str, float]], stem: Path) -> Path:
    """Variance shares (the paper's Fig. 5 pies as bars): main effects, pairs, higher order.

    One group of bars per scope (pooled, and the reference model: V, or the config's
    ``reference``). Diamonds mark Optuna's main effects rescaled to our sum
    of main effects (the cross-check).
    """
    scopes = list(dict.fromkeys(shares["scope"]))
    terms = list(dict.fromkeys(shares["term"]))
    labels = [term_label(t) for t in terms]
    fig, ax = plt.subplots(figsize=(6.6, 2.6))
    width = 0.8 / max(1, len(scopes))
    greys = {"pooled": "#9e9e9e"}
    for s_index, scope in enumerate(scopes):
        part = shares[shares["scope"] == scope].set_index("term").reindex(terms)
        pos = np.arange(len(terms)) + (s_index - (len(scopes) - 1) / 2) * width
        ax.bar(
            pos,
            100 * part["share"].to_numpy(),
            width=width,
            yerr=100 * part["std"].to_numpy(),
            color=greys.get(scope) or colour(scope),
            label=f"{scope} (ours)",
            error_kw={"linewidth": 0.6},
        )
        if scope in optuna:
            ours_main = part["share"].iloc[: len(fa.KEYS)].to_numpy()
            theirs = np.array([optuna[scope].get(k, 0.0) for k in fa.KEYS]) * ours_main.sum()
            ax.scatter(
                pos[: len(fa.KEYS)],
                100 * theirs,
                marker="D",
                s=12,
                color="#d00000",
                zorder=4,
                label=f"{scope} (Optuna fANOVA)",
            )
    ax.set_xticks(range(len(terms)))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    ax.set_ylabel("share of variance (%)")
    ax.legend(frameon=False, ncols=2)
    ax.grid(axis="y", color="#eeeeee", linewidth=0.6)
    fig.tight_layout()
    return save(fig, stem)


def term_label(term: str) -> str:
    """'learning_rate|input_noise' -> 'learning rate x input noise std'."""
    if term == "higher_order":
        return "higher order"
    return " x ".join(HP_LABELS.get(p, p) for p in term.split("|"))


def marginals(curves: pd.DataFrame, metric_label: str, stem: Path) -> Path:
    """Predicted test metric against each hyperparameter (the paper's Fig. 4), band = 1 std over
    trees; pooled scope in grey, the reference model's (V, or the config's ``reference``) in its
    colour. Dashed green, right axis: the predicted training time per trial (the reference's
    forest where it has one, else the pooled one), as in the paper."""
    if "target" not in curves:
        curves = curves.assign(target="test_metric")
    fig, axes = plt.subplots(1, 4, figsize=(6.8, 1.9), sharey=True)
    timed = curves[curves["target"] == "wall_time_s"]
    own = reference_scope(curves["scope"])
    time_scope = own if own and (timed["scope"] == own).any() else POOLED
    twins = []
    for ax, dim in zip(axes, fa.DIMENSIONS, strict=True):
        for scope, col in [(POOLED, "#7f7f7f")] + ([(own, colour(own))] if own else []):
            part = curves[
                (curves["scope"] == scope)
                & (curves["hyperparameter"] == dim.key)
                & (curves["target"] == "test_metric")
            ]
            if part.empty:
                continue
            x = _plot_x(part, dim.key)
            m, s = part["mean"].to_numpy(), part["std"].to_numpy()
            ax.plot(x, m, color=col, linewidth=1.2, label=scope)
            ax.fill_between(x, m - s, m + s, color=col, alpha=0.2, linewidth=0)
        part = timed[(timed["scope"] == time_scope) & (timed["hyperparameter"] == dim.key)]
        if not part.empty:
            twin = ax.twinx()
            twin.plot(
                _plot_x(part, dim.key), part["mean"], color="#2ca02c", linestyle="--", linewidth=1
            )
            twin.tick_params(axis="y", labelsize=6, colors="#2ca02c")
            twins.append(twin)
        if dim.key != "input_noise":
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        if dim.key == "hidden_size":
            ax.set_xticks([20, 50, 100, 200], labels=["20", "50", "100", "200"])
        ax.set_xlabel(HP_LABELS[dim.key])
        ax.grid(color="#eeeeee", linewidth=0.6)
    axes[0].set_ylabel(metric_label)
    axes[0].legend(frameon=False)
    if twins:
        low = min(t.get_ylim()[0] for t in twins)
        high = max(t.get_ylim()[1] for t in twins)
        for twin in twins:
            twin.set_ylim(low, high)
        for twin in twins[:-1]:
            twin.tick_params(axis="y", labelright=False)
        twins[-1].set_ylabel("training time (s)", color="#2ca02c", fontsize=7)
    fig.tight_layout()
    return save(fig, stem)


def _plot_x(part: pd.DataFrame, key: str) -> np.ndarray:
    """x values of a marginal curve in raw units; momentum as 1 - momentum (log axis, Fig. 6)."""
    x = part["value"].to_numpy()
    return 1.0 - x if key == "one_minus_momentum" else x


def interactions(surfaces: dict, metric_label: str, stem: Path) -> Path:
    """Pairwise marginals (top) and their interaction-only parts (bottom): the paper's Fig. 6.

    One colour scale per row, shared by all pairs, so the panels compare directly.
    """
    pairs = list(surfaces)
    fig, axes = plt.subplots(2, len(pairs), figsize=(7.0, 2.9), squeeze=False, layout="constrained")
    marg = [np.array(surfaces[p]["marginal"], dtype=float) for p in pairs]
    inter = [np.array(surfaces[p]["interaction"], dtype=float) for p in pairs]
    low = float(min(np.nanmin(z) for z in marg))
    high = float(max(np.nanmax(z) for z in marg))
    lim = float(max(np.nanmax(np.abs(z)) for z in inter)) or 1.0
    images = []
    for j, pair in enumerate(pairs):
        a, b = pair.split("|")
        surface = surfaces[pair]
        extent = [surface["xb"][0], surface["xb"][-1], surface["xa"][0], surface["xa"][-1]]
        for i, (z, cmap, vmin, vmax) in enumerate(
            ((marg[j], "viridis", low, high), (inter[j], "coolwarm", -lim, lim))
        ):
            ax = axes[i, j]
            image = ax.imshow(
                z,
                origin="lower",
                aspect="auto",
                extent=extent,
                cmap=cmap,
                vmin=vmin,
                vmax=vmax,
                interpolation="nearest",
            )
            if j == 0:
                images.append(image)
            ax.tick_params(labelsize=5)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(3))
            ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4))
            if i == 1:
                ax.set_xlabel(_axis(b), fontsize=6)
            ax.set_ylabel(_axis(a), fontsize=6)
    for i, title in enumerate((f"marginal {metric_label}", "interaction only")):
        cbar = fig.colorbar(images[i], ax=list(axes[i]), fraction=0.02, pad=0.01)
        cbar.ax.tick_params(labelsize=5)
        cbar.set_label(title, fontsize=6)
    return save(fig, stem)


def _axis(key: str) -> str:
    """Axis label of a transformed hyperparameter (paper Fig. 6 units)."""
    for dim in fa.DIMENSIONS:
        if dim.key == key:
            return dim.label.replace("learning rate", "lr").replace("hidden size", "hidden")
    return key


def cost(cost_by_task: dict[str, pd.DataFrame], stem: Path) -> Path:
    """Mean training time per trial and mean parameter count per variant, one row per task."""
    tasks = list(cost_by_task)
    fig, axes = plt.subplots(len(tasks), 2, figsize=(6.6, 1.9 * len(tasks)), squeeze=False)
    for row, task in enumerate(tasks):
        frame = cost_by_task[task]
        variants = list(frame["variant"])
        colours = [colour(v) for v in variants]
        axes[row, 0].bar(variants, frame["mean_wall_time_s"], color=colours)
        axes[row, 0].set_ylabel("s per trial")
        axes[row, 0].set_title(f"{task}: training time", loc="left")
        axes[row, 1].bar(variants, frame["mean_params"], color=colours)
        axes[row, 1].set_ylabel("parameters")
        axes[row, 1].set_title(f"{task}: mean parameter count", loc="left")
        for ax in axes[row]:
            ax.tick_params(axis="x", labelrotation=45)
            ax.grid(axis="y", color="#eeeeee", linewidth=0.6)
    fig.tight_layout()
    return save(fig, stem)
