"""Provenance: commits, versions, devices, seeds, trial counts, packages and the configuration."""

from __future__ import annotations

import importlib.metadata
from typing import Any

import yaml

from odyssey.render.formatting import Output, table
from odyssey.render.prose import text

PACKAGES = (
    "torch",
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "optuna",
    "matplotlib",
    "seaborn",
    "typst",
    "mlflow",
    "snakemake",
)
"""Packages whose versions at report time are listed."""

HEADER = [
    "task",
    "finished",
    "diverged",
    "pruned",
    "commit",
    "torch",
    "device",
    "seeds",
    "stop reasons",
]


def provenance_section(cfg: dict, loaded: list[dict], out: Output) -> dict[str, Any]:
    """Configuration, commits, versions, devices, seeds, trial counts, failed and pruned trials."""
    rows = []
    for d in loaded:
        a = d["analysis"]
        p = a["provenance"]
        seeds = p.get("seeds", {})
        rows.append(
            [
                a["task"],
                a["n_trials"],
                a["n_diverged"],
                a["n_pruned"],
                ", ".join(
                    c[:10] + ("-dirty" if c.endswith("-dirty") else "")
                    for c in p.get("git_commit", [])
                )
                or "–",
                ", ".join(p.get("torch_version", [])) or "–",
                ", ".join(p.get("device", [])) or "–",
                f"{seeds.get('count', '–')} distinct",
                ", ".join(f"{k} {v}" for k, v in sorted(p.get("stop_reasons", {}).items())),
            ]
        )
    trials_table = table(HEADER, rows, out.tables / "provenance.csv")
    packages = []
    for name in PACKAGES:
        try:
            packages.append([name, importlib.metadata.version(name)])
        except importlib.metadata.PackageNotFoundError:
            packages.append([name, "not installed"])
    package_table = table(["package", "version"], packages, out.tables / "packages.csv")
    return {
        "text": text(
            "provenance.text",
            seed=cfg.get("seed", "–"),
            storage=cfg.get("storage") or text("provenance.default_storage"),
            tracking=cfg.get("tracking_uri") or text("provenance.default_tracking"),
        ),
        "table": trials_table,
        "packages": package_table,
        "config": yaml.safe_dump(cfg, sort_keys=False, default_flow_style=None, width=100),
    }
