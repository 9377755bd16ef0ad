"""How the report writes numbers, ranges and tables (also used by the tests to find values in the
PDF's text), and where it puts its files.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from odyssey.analysis.paper_numbers import dataset_for_task


def num(value: Any, digits: int = 4) -> str:
    """A number with ``digits`` significant digits; missing values as an en dash."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.{digits}g}"


def pval(value: Any) -> str:
    """A p-value: three decimals, or scientific below 0.001."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.1e}" if value < 1e-3 else f"{value:.3f}"


def pct(value: Any) -> str:
    """A share as a percentage."""
    if value is None:
        return "–"
    return f"{100.0 * float(value):.1f} %"


def duration(seconds: float) -> str:
    """Seconds as s, min or h."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"


def bound(value: Any, sci: bool = False) -> str:
    """A search-space bound as written in the report: 200, 0.01, or 1e-6 / 2.5e-4 (``sci``)."""
    value = float(value)
    if sci and value != 0:
        mantissa, exponent = f"{value:.2e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent)}"
    if value.is_integer() and abs(value) < 1e5:
        return str(int(value))
    return f"{value:g}"


def range_text(rng: dict[str, Any]) -> str:
    """A searched range as the paper writes it: ``log-uniform in [1e-6, 1e-2]``."""
    kind = "log-uniform" if rng.get("log") else "uniform"
    # small bounds (the learning rate's) in powers of ten for both ends, as the paper writes them
    sci = any(0 < abs(float(rng[b])) < 1e-3 for b in ("low", "high"))
    return f"{kind} in [{bound(rng['low'], sci)}, {bound(rng['high'], sci)}]"


def metric_label(analysis: dict) -> str:
    """'test nll (lower is better)'."""
    better = "lower" if analysis["direction"] == "minimize" else "higher"
    return f"test {analysis['metric_name']} ({better} is better)"


def task_label(task: str) -> str:
    """Display name of a task (the paper's dataset name where it is one)."""
    dataset = dataset_for_task(task)
    return f"{task} ({dataset.label})" if dataset else task


NUMERIC = re.compile(r"^[-+−–]?[\d.,]*(e[-+]?\d+)?( ?%| s| min| h)?( ± [\d.]+ ?%)?$|^–$|^n/a$")
"""Cells that are numbers (right-aligned in the report's tables)."""


def table(header: list[str], rows: list[list[Any]], csv_path: Path) -> dict[str, Any]:
    """A table for the template (strings, with column alignment) and the same table as CSV.

    Columns whose cells are all numbers are right-aligned, the others left-aligned.
    """
    rows = [[str(c) for c in row] for row in rows]
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=header).to_csv(csv_path, index=False)
    align = [
        "r" if rows and all(NUMERIC.match(row[j]) for row in rows) else "l"
        for j in range(len(header))
    ]
    return {"header": header, "rows": rows, "align": align}


@dataclass(frozen=True)
class Output:
    """Where a report goes: ``root`` (beside the PDF), its ``figures/`` and ``tables/``."""

    root: Path

    @property
    def figures(self) -> Path:
        """Figures (SVG and PDF)."""
        return self.root / "figures"

    @property
    def tables(self) -> Path:
        """Tables (CSV)."""
        return self.root / "tables"

    def rel(self, path: Path) -> str:
        """``path`` relative to ``root``, as the template refers to it."""
        return Path(path).resolve().relative_to(self.root.resolve()).as_posix()
