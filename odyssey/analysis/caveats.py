"""What a trials table can support: caveats to print and which statistics are findings.

Statistics that the data cannot support are flagged, not hidden: fewer than
:data:`MIN_TRIALS_WELCH` trials per variant, a quick study, single trials and all-diverged tables
produce caveats, and ``reliable`` flags that the report reads before it states a finding.
"""

from __future__ import annotations

import pandas as pd

from odyssey.analysis import stats

MIN_TRIALS_WELCH = 30
"""Trials per variant below which the Welch tests are not treated as findings (issue 5)."""
MIN_TOP_WELCH = 10
"""Trials per variant in the best 10 % below which its tests are not findings (paper: 20)."""


def find_caveats(
    quick: bool,
    per_variant: dict[str, int],
    top_k: dict[str, int],
    frame: pd.DataFrame,
    reference: str = stats.REFERENCE,
) -> tuple[list[str], dict[str, bool]]:
    """Caveats to print and which statistics may be read as findings (the Welch tests are against
    ``reference``)."""
    notes: list[str] = []
    n_min = min(per_variant.values()) if per_variant else 0
    top_min = min(top_k.values()) if top_k else 0
    all_diverged = bool(len(frame)) and bool(frame["diverged"].all())
    has_ref = reference in per_variant
    if quick:
        notes.append(
            "Quick study: small budgets and few trials. The numbers check the pipeline; they are "
            "not findings about the variants."
        )
    if n_min < MIN_TRIALS_WELCH:
        notes.append(
            f"At most {n_min} trials for some variant (fewer than {MIN_TRIALS_WELCH}): Welch tests "
            f"against {reference} have little power and their outcomes are not reported as "
            "findings."
        )
    if n_min <= 1:
        notes.append(
            "A single trial per variant: no variance, so no t-test, effect size or box plot spread."
        )
    if top_min < MIN_TOP_WELCH:
        notes.append(
            f"The best 10 % holds only {top_min} trial(s) per variant (the paper had 20): the "
            "top-10 % statistics are descriptive only."
        )
    if all_diverged:
        notes.append(
            "Every trial diverged: the metrics are those of the last finite epoch (often the "
            "untrained network), so no comparison is meaningful."
        )
    if not has_ref:
        whom = "the vanilla LSTM" if reference == stats.REFERENCE else "the reference model"
        notes.append(f"{reference} is absent from this table: no comparison against {whom}.")
    reliable = {
        "welch_all": (not quick) and n_min >= MIN_TRIALS_WELCH and not all_diverged and has_ref,
        "welch_top": (not quick) and top_min >= MIN_TOP_WELCH and not all_diverged and has_ref,
    }
    return notes, reliable
