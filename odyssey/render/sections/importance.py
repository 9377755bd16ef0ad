"""The hyperparameter importance of one task (the paper's Figs. 4-6, Sec. V-B): fANOVA figures,
the shares table and the cross-check against Optuna."""

from __future__ import annotations

from typing import Any

import pandas as pd

from odyssey.analysis.importance import POOLED, reference_scope
from odyssey.render import figures
from odyssey.render.formatting import Output, metric_label, pct, table
from odyssey.render.prose import text


def importance_section(loaded: dict, out: Output) -> dict[str, Any]:
    """Figures, tables and notes of the hyperparameter-importance subsection of one task."""
    a = loaded["analysis"]
    task = a["task"]
    scopes = {k: v for k, v in a["fanova"].items() if v.get("status") in ("ok", "caveat")}
    notes = [
        f"{scope}: {res['reason']}."
        for scope, res in a["fanova"].items()
        if res.get("status") != "ok" and res.get("reason")
    ]
    if a.get("quick"):
        notes.insert(0, text("importance.quick"))
    if not scopes:
        return {"shown": False, "note": " ".join(notes) or text("importance.not_computed")}
    label = metric_label(a)
    shares_fig = figures.fanova_shares(
        loaded["shares"],
        {s: r["optuna"] for s, r in scopes.items() if "optuna" in r},
        out.figures / f"{task}_fanova_shares",
    )
    marg_fig = figures.marginals(loaded["curves"], label, out.figures / f"{task}_marginals")
    own = reference_scope(scopes)
    inter_scope = own if own and scopes[own]["status"] == "ok" else POOLED
    if inter_scope not in loaded["surfaces"]:
        inter_scope = next(iter(loaded["surfaces"]))
    inter_fig = figures.interactions(
        loaded["surfaces"][inter_scope], label, out.figures / f"{task}_interactions"
    )
    diffs = "; ".join(
        text(
            "importance.cross_check",
            scope=scope,
            difference=pct(res["optuna_max_abs_diff"]),
            same="yes" if res["optuna_same_top"] else "no",
        )
        for scope, res in scopes.items()
        if "optuna_max_abs_diff" in res
    )
    return {
        "shown": True,
        "note": " ".join(notes),
        "shares_fig": out.rel(shares_fig),
        "shares_caption": text("importance.shares_caption", task=task, metric=label),
        "table": shares_table(loaded["shares"], scopes, out.tables / f"{task}_fanova_shares.csv"),
        "table_caption": text("importance.table_caption", task=task, cross_checks=diffs),
        "marg_fig": out.rel(marg_fig),
        "marg_caption": text("importance.marg_caption", task=task, metric=label),
        "inter_fig": out.rel(inter_fig),
        "inter_caption": text(
            "importance.inter_caption", task=task, metric=label, scope=inter_scope
        ),
    }


def shares_table(shares: pd.DataFrame, scopes: dict[str, dict], csv_path: Any) -> dict[str, Any]:
    """Variance shares per term and scope (mean ± std across trees) beside Optuna's main effects."""
    header = ["term"]
    for scope, res in scopes.items():
        header += [f"{scope} (n={res['n']})"]
    for scope in scopes:
        header += [f"Optuna {scope}", f"ours {scope} norm."]
    rows = []
    for term in dict.fromkeys(shares["term"]):
        row = [figures.term_label(term)]
        for scope in scopes:
            part = shares[(shares["scope"] == scope) & (shares["term"] == term)]
            row.append(
                f"{pct(part['share'].iloc[0])} ± {pct(part['std'].iloc[0])}" if len(part) else "–"
            )
        for res in scopes.values():
            if term in res.get("optuna", {}):
                row += [pct(res["optuna"][term]), pct(res["main_normalised"][term])]
            else:
                row += ["", ""]
        rows.append(row)
    return table(header, rows, csv_path)
