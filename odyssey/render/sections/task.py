"""One task's part of the report: its variant comparison, hyperparameter importance, and its
numbers and findings against the paper."""

from __future__ import annotations

from typing import Any

from odyssey.render.formatting import Output, task_label
from odyssey.render.prose import text
from odyssey.render.sections.comparison import (
    box_figure,
    captions,
    extra_table,
    table_all,
    table_top,
)
from odyssey.render.sections.importance import importance_section
from odyssey.render.sections.paper import findings_table, paper_table


def task_block(loaded: dict, out: Output) -> tuple[dict[str, Any], list[dict]]:
    """The template's block of one analysed task, and the verdicts on the paper's findings."""
    a = loaded["analysis"]
    task = a["task"]
    box_fig = box_figure(loaded, out)
    all_trials, best_trials = table_all(a, out), table_top(a, out)
    findings, verdicts = findings_table(a, out)
    caption = captions(a)
    block = {
        "name": task,
        "label": task_label(task),
        "caveats": a["caveats"],
        "box_fig": out.rel(box_fig),
        "box_caption": caption["box_caption"],
        "table_all": all_trials,
        "table_all_caption": caption["table_all_caption"],
        "table_top": best_trials,
        "table_top_caption": caption["table_top_caption"],
        "extra": extra_table(a, out),
        "extra_caption": caption["extra_caption"],
        "fanova": importance_section(loaded, out),
        "paper": paper_table(a, out),
        "findings": findings,
        "findings_caption": text("paper.findings_caption", task=task),
    }
    return block, verdicts
