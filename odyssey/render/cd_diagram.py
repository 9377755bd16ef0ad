"""The critical-difference diagram of the cells' average ranks across tasks (Demsar 2006)."""

from __future__ import annotations

from pathlib import Path

from odyssey.render.figures import colour, plt, save


def cliques(ranks: dict[str, float], cd: float) -> list[list[str]]:
    """Maximal runs of cells (in rank order) whose average ranks lie within ``cd`` of each other:
    the groups the Nemenyi test does not tell apart (the diagram's bars)."""
    names = sorted(ranks, key=ranks.get)
    groups: list[list[str]] = []
    for i, first in enumerate(names):
        group = [n for n in names[i:] if ranks[n] - ranks[first] < cd]
        if len(group) > 1 and not any(set(group) <= set(g) for g in groups):
            groups.append(group)
    return groups


def cd_diagram(ranks: dict[str, float], cd: float, stem: Path) -> Path:
    """Average rank axis (1 = best, left), one tick per cell, the CD as a scale bar, and a bar
    joining every group of cells closer than CD."""
    names = sorted(ranks, key=ranks.get)
    k = len(names)
    fig, ax = plt.subplots(figsize=(6.6, 0.9 + 0.22 * k))
    ax.set_xlim(1, k)
    ax.set_ylim(0, 1)
    ax.invert_yaxis()
    ax.xaxis.set_ticks_position("top")
    ax.set_xticks(range(1, k + 1))
    for spine in ("left", "right", "bottom"):
        ax.spines[spine].set_visible(False)
    ax.set_yticks([])
    ax.plot([1, 1 + cd], [0.04, 0.04], color="black", linewidth=1.4)
    ax.text(1 + cd / 2, 0.0, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=7)
    step = 0.8 / max(k, 1)
    for j, name in enumerate(names):
        y = 0.15 + step * (j + 0.5)
        ax.plot([ranks[name]] * 2, [0.1, y], color=colour(name), linewidth=0.9)
        ax.text(ranks[name], y, f" {name} ({ranks[name]:.2f})", va="center", fontsize=7)
    for g, group in enumerate(cliques(ranks, cd)):
        y = 0.1 + 0.02 * (g + 1)
        ax.plot([ranks[group[0]], ranks[group[-1]]], [y, y], color="black", linewidth=2.2)
    fig.tight_layout()
    return save(fig, stem)
