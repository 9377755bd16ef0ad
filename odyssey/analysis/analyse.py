"""Analysis of one collected trials table: everything the report needs, as CSV tables and one JSON.

Pipeline-facing: :func:`analyse_task` (docs/contracts.md). It reads only
``results/trials/{task}.csv`` and writes into ``out_dir``:

- ``trials_used.csv``: the finished trials with a ``top10`` flag (the box plots' data, Fig. 3);
- ``variants_all.csv`` / ``variants_top10.csv``: per-variant summary and Welch test against V (or
  the config's ``reference`` model) for all trials and for the best 10 % by validation (Fig. 3
  top and bottom rows; Sec. V-A);
- ``fanova_shares.csv``, ``fanova_marginals.csv``, ``fanova_surfaces.json``: the functional ANOVA of
  Sec. V-B (Figs. 4-6) for two scopes: all variants pooled and V alone (the paper does not say which
  feeds its Fig. 5 pies: reference section 8, item 5);
- ``cost.csv``: training time and parameters per variant;
- ``analysis.json``: all of the above that the report prints, plus counts, caveats and provenance.

Statistics that the data cannot support are flagged, not hidden: fewer than 30 trials per
variant, a quick study, single trials and all-diverged tables produce caveats (``reliable``
flags) that the report prints instead of findings.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from odyssey.analysis import stats
from odyssey.analysis.caveats import find_caveats
from odyssey.analysis.importance import fanova_scope
from odyssey.study.space import with_paper_defaults
from odyssey.trials_table import ANALYSIS_COLUMNS


def load_trials(trials_csv: Path) -> pd.DataFrame:
    """Read a trials table and check its columns (docs/contracts.md, 'The trials table')."""
    frame = pd.read_csv(trials_csv)
    missing = [c for c in ANALYSIS_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{trials_csv}: trials table lacks columns {', '.join(missing)}")
    frame["diverged"] = frame["diverged"].map(_as_bool)
    frame["variant"] = frame["variant"].astype(str)
    return frame


def _as_bool(value: Any) -> bool:
    """Booleans as pandas may read them from CSV (True/False/1/0/strings)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)


def _records(frame: pd.DataFrame) -> list[dict]:
    """DataFrame rows as JSON-ready dicts (NaN -> None)."""
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _clean(value: Any) -> Any:
    """Convert numpy scalars and non-finite floats into JSON values."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return float(value) if math.isfinite(float(value)) else None
    return value


def _variant_table(trials: pd.DataFrame, direction: str, reference: str) -> pd.DataFrame:
    """Summary (stats.summarise) joined with the Welch test against ``reference``
    (stats.welch_...)."""
    summary = stats.summarise(trials, direction)
    if reference in set(trials["variant"]):
        welch = stats.welch_against_reference(trials, direction, reference)
        summary = summary.merge(
            welch[
                ["variant", "diff", "t", "p", "p_bonferroni", "significant", "hedges_g", "verdict"]
            ],
            on="variant",
            how="left",
        )
        ref = summary["variant"] == reference
        summary["verdict"] = summary["verdict"].astype(object)
        summary.loc[ref, "verdict"] = "reference"
        summary["significant"] = summary["significant"].map(_as_bool)
    else:
        for column in ("diff", "t", "p", "p_bonferroni", "hedges_g"):
            summary[column] = float("nan")
        summary["significant"] = False
        summary["verdict"] = "n/a"
    return summary


def _cost(trials: pd.DataFrame) -> pd.DataFrame:
    """Training time and parameters per variant (issue 5, 'Cost')."""
    rows = []
    for variant in stats.order_variants(trials["variant"].unique()):
        group = trials[trials["variant"] == variant]
        wall = group["wall_time_s"].astype(float)
        epochs = group["epochs"].astype(float) if "epochs" in group else pd.Series(dtype=float)
        rows.append(
            {
                "variant": variant,
                "trials": int(len(group)),
                "mean_wall_time_s": float(wall.mean()),
                "median_wall_time_s": float(wall.median()),
                "total_wall_time_s": float(wall.sum()),
                "mean_epochs": float(epochs.mean()) if len(epochs) else float("nan"),
                "time_per_epoch_s": float((wall / epochs.clip(lower=1)).mean())
                if len(epochs)
                else float("nan"),
                "mean_params": float(group["n_params"].astype(float).mean()),
                "min_params": float(group["n_params"].astype(float).min()),
                "max_params": float(group["n_params"].astype(float).max()),
            }
        )
    return pd.DataFrame(rows)


def _provenance(frame: pd.DataFrame) -> dict:
    """Commits, versions, devices and seeds found in the table (contract provenance columns)."""
    out: dict[str, Any] = {}
    for column in ("git_commit", "torch_version", "device"):
        if column in frame:
            out[column] = sorted({str(v) for v in frame[column].dropna().unique()})
    if "seed" in frame and len(frame):
        seeds = frame["seed"].dropna()
        out["seeds"] = {
            "count": int(seeds.nunique()),
            "min": _clean(seeds.min()),
            "max": _clean(seeds.max()),
        }
    if "stop_reason" in frame:
        out["stop_reasons"] = {
            str(k): int(v) for k, v in frame["stop_reason"].value_counts().items()
        }
    return out


def analyse_task(
    trials_csv: Path | str,
    out_dir: Path | str,
    *,
    quick: bool,
    search_space: dict | None = None,
    reference: str = stats.REFERENCE,
) -> dict:
    """Analyse one task's trials table; write CSV tables and ``analysis.json`` under ``out_dir``.

    ``search_space`` (optional, config ``tasks.<task>.search_space``) fixes the fANOVA's box;
    without it the observed range of the trials is used (odyssey.analysis.fanova). ``reference``
    (config ``reference``, default V) is the model every other is tested against; its row's
    verdict is ``reference``. Returns the dict written to ``analysis.json`` (see the module
    docstring for the files).
    """
    trials_csv, out_dir = Path(trials_csv), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame = load_trials(trials_csv)
    if frame.empty:
        raise ValueError(f"{trials_csv}: the trials table is empty")
    pruned = frame[frame["state"].astype(str).str.upper() == "PRUNED"]
    done = frame[frame["state"].astype(str).str.upper() == "COMPLETE"].copy()
    metric_name = str(frame["metric_name"].iloc[0])
    direction = str(frame["metric_direction"].iloc[0])
    variants = stats.order_variants(done["variant"].unique())

    top = stats.top_fraction(done, direction)
    done["top10"] = done.index.isin(top.index)
    done.to_csv(out_dir / "trials_used.csv", index=False)
    table_all, table_top = _variant_tables(done, top, pruned, direction, reference, out_dir)

    per_variant = {v: int((done["variant"] == v).sum()) for v in variants}
    top_k = {v: int((top["variant"] == v).sum()) for v in variants}
    caveats, reliable = find_caveats(quick, per_variant, top_k, done, reference)
    fanova = _importance(done, variants, search_space, out_dir, reference)
    for scope, res in fanova.items():
        if res["status"] != "ok":
            caveats.append(f"fANOVA ({scope}): {res.get('reason', res['status'])}.")
    reliable["fanova"] = (not quick) and fanova["pooled"]["status"] == "ok"

    extras = sorted(
        c[len("test_") :] for c in done.columns if c.startswith("test_") and c != "test_metric"
    )
    cost = _cost(done)
    cost.to_csv(out_dir / "cost.csv", index=False)

    result = {
        "task": str(frame["task"].iloc[0]),
        "metric_name": metric_name,
        "direction": direction,
        "quick": bool(quick),
        "trials_csv": str(trials_csv),
        "n_rows": int(len(frame)),
        "n_trials": int(len(done)),
        "n_pruned": int(len(pruned)),
        "n_diverged": int(done["diverged"].sum()),
        "variants": variants,
        "trials_per_variant": per_variant,
        "top10_per_variant": top_k,
        "summary_all": _records(table_all),
        "summary_top10": _records(table_top),
        "significant_all": _significant(table_all),
        "significant_top10": _significant(table_top),
        "bonferroni_m_all": _m(done, direction, reference),
        "bonferroni_m_top10": _m(top, direction, reference),
        "fanova": fanova,
        "search_space": with_paper_defaults(search_space),  # what the trials were drawn from
        "cost": _records(cost),
        "total_wall_time_s": float(done["wall_time_s"].astype(float).sum()),
        "provenance": _provenance(frame),
        "caveats": caveats,
        "reliable": reliable,
        "extra_metrics": extras,
        "extra_summary": _extra_summary(done, top, extras, metric_name),
    }
    result = _clean(result)
    (out_dir / "analysis.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


def _variant_tables(
    done: pd.DataFrame,
    top: pd.DataFrame,
    pruned: pd.DataFrame,
    direction: str,
    reference: str,
    out_dir: Path,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-variant summaries and Welch tests of all trials and of the best 10 %, written as CSV."""
    table_all = _variant_table(done, direction, reference)
    table_top = _variant_table(top, direction, reference)
    top_params = top.groupby("variant")["n_params"].mean()
    table_top["mean_params"] = table_top["variant"].map(top_params).astype(float)
    pruned_counts = pruned["variant"].value_counts()
    table_all["pruned"] = table_all["variant"].map(pruned_counts).fillna(0).astype(int)
    table_all.to_csv(out_dir / "variants_all.csv", index=False)
    table_top.to_csv(out_dir / "variants_top10.csv", index=False)
    return table_all, table_top


def _importance(
    done: pd.DataFrame,
    variants: list[str],
    search_space: dict | None,
    out_dir: Path,
    reference: str = stats.REFERENCE,
) -> dict[str, dict]:
    """The fANOVA of all variants pooled and of the reference model alone (V in the paper's
    Fig. 4 and 5; the config's ``reference``, e.g. the seed study's LSTM), keyed by its name; its
    shares, curves and surfaces files."""
    share_rows: list[dict] = []
    curves: list[pd.DataFrame] = []
    surfaces: dict[str, Any] = {}
    fanova = {"pooled": fanova_scope(done, "pooled", share_rows, curves, surfaces, search_space)}
    if reference in variants:
        fanova[reference] = fanova_scope(
            done[done["variant"] == reference],
            reference,
            share_rows,
            curves,
            surfaces,
            search_space,
        )
    pd.DataFrame(share_rows, columns=["scope", "term", "share", "std"]).to_csv(
        out_dir / "fanova_shares.csv", index=False
    )
    columns = ["scope", "hyperparameter", "target", "x", "value", "mean", "std"]
    (pd.concat(curves) if curves else pd.DataFrame(columns=columns)).to_csv(
        out_dir / "fanova_marginals.csv", index=False
    )
    (out_dir / "fanova_surfaces.json").write_text(json.dumps(_clean(surfaces)), encoding="utf-8")
    return fanova


def _extra_summary(
    done: pd.DataFrame, top: pd.DataFrame, extras: list[str], metric_name: str
) -> list[dict]:
    """Mean of every extra test metric (``test_<name>``) per variant, all trials and best 10 %.

    The task's own metric under another name (e.g. ``test_loss`` when the metric is the loss) is
    kept: it is cheap and shows what the task reports. Rows: variant, metric, mean_all, mean_top10.
    """
    rows = []
    for variant in stats.order_variants(done["variant"].unique()):
        for name in extras:
            if name == metric_name:
                continue
            column = f"test_{name}"
            values = done.loc[done["variant"] == variant, column].astype(float)
            best = top.loc[top["variant"] == variant, column].astype(float)
            rows.append(
                {
                    "variant": variant,
                    "metric": name,
                    "mean_all": float(values.mean()) if values.notna().any() else None,
                    "mean_top10": float(best.mean()) if best.notna().any() else None,
                }
            )
    return _records(pd.DataFrame(rows)) if rows else []


def _significant(table: pd.DataFrame) -> list[dict]:
    """Variants significantly different from the reference, with the direction of the
    difference."""
    rows = table[table["significant"].map(_as_bool)]
    return [{"variant": r["variant"], "verdict": r["verdict"]} for _, r in rows.iterrows()]


def _m(trials: pd.DataFrame, direction: str, reference: str) -> int:
    """The Bonferroni number of comparisons actually made on ``trials``."""
    if reference not in set(trials["variant"]):
        return 0
    welch = stats.welch_against_reference(trials, direction, reference)
    return int(welch["m"].iloc[0]) if len(welch) else 0
