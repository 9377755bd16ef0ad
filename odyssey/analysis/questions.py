"""The answer to one of the config's questions (odyssey.study.questions) from analysed trials.

A question compares its ``models`` with its ``reference`` on each of its ``tasks``. Per task and
model: ``n`` finite trials, the ``mean`` test metric over them and ``top10_mean``, the mean over
the best 10 % by validation (the analysis's ``top10`` flag; the paper's Fig. 3, lower row). Each
model is tested against the reference by Welch's unequal-variance t-test
(:func:`odyssey.analysis.stats.welch_against_reference`, Greff et al. 2017 Sec. V-A), and the
Bonferroni correction runs over the question's comparisons: ``m`` is the number of (task, model)
pairs, over all its tasks, for which a test could be made (:func:`odyssey.analysis.stats.
bonferroni`). The reference's own rows carry its numbers and the verdict ``reference``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from odyssey.analysis import stats

COLUMNS: tuple[str, ...] = (
    "task",
    "model",
    "n",
    "mean",
    "top10_mean",
    "diff",
    "t",
    "p",
    "p_bonferroni",
    "m",
    "significant",
    "verdict",
)
"""The columns of :func:`answer_question`'s table, one row per (task, model)."""


def _means(trials: pd.DataFrame, model: str) -> dict[str, float | int]:
    """``n`` finite test values of ``model``, their mean, and the mean of its best 10 %."""
    rows = trials[trials["variant"] == model]
    values = rows["test_metric"].astype(float)
    finite = values[np.isfinite(values)]
    top = finite[rows.loc[finite.index, "top10"].astype(bool)] if "top10" in rows else finite[:0]
    return {
        "n": int(len(finite)),
        "mean": float(finite.mean()) if len(finite) else float("nan"),
        "top10_mean": float(top.mean()) if len(top) else float("nan"),
    }


def answer_question(
    models: Sequence[str],
    reference: str,
    tasks: Mapping[str, tuple[pd.DataFrame, str]],
    alpha: float = stats.ALPHA,
) -> pd.DataFrame:
    """The question's table: ``tasks`` maps each task to (its trials with a ``top10`` flag, its
    metric direction); one row per (task, model) in that order, the reference first."""
    order = [reference] + [name for name in models if name != reference]
    tested = {}
    for task, (trials, direction) in tasks.items():
        part = trials[trials["variant"].isin(order)]
        tested[task] = stats.welch_against_reference(part, direction, reference, alpha)
    m = sum(int(table["p"].notna().sum()) for table in tested.values())
    rows = []
    for task, (trials, direction) in tasks.items():
        welch = stats.bonferroni(tested[task], direction, alpha, m=m).set_index("variant")
        for name in order:
            row = {"task": task, "model": name, **_means(trials, name)}
            if name == reference:
                row.update(diff=0.0, t=np.nan, p=np.nan, p_bonferroni=np.nan, m=m)
                row.update(significant=False, verdict="reference")
            elif name in welch.index:
                found = welch.loc[name]
                row.update({key: found[key] for key in ("diff", "t", "p", "p_bonferroni")})
                row.update(m=m, significant=bool(found["significant"]), verdict=found["verdict"])
            else:  # no finished trial of this model on this task
                row.update(diff=np.nan, t=np.nan, p=np.nan, p_bonferroni=np.nan, m=m)
                row.update(significant=False, verdict="n/a")
            rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS))
