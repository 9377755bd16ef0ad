"""Cost: training time per trial and per variant, parameter counts, total compute."""

from __future__ import annotations

from typing import Any

from odyssey.analysis.paper_numbers import PAPER_COMPUTE
from odyssey.render import figures
from odyssey.render.formatting import Output, duration, num, table
from odyssey.render.prose import text

HEADER = ["task", "variant", "trials", "per trial", "total", "epochs", "per epoch", "parameters"]


def cost_section(loaded: list[dict], out: Output) -> dict[str, Any]:
    """Training time per trial and per variant, parameter counts, total compute."""
    cost_by_task = {d["analysis"]["task"]: d["cost"] for d in loaded}
    fig = figures.cost(cost_by_task, out.figures / "cost")
    rows = []
    total = 0.0
    for task, frame in cost_by_task.items():
        for _, r in frame.iterrows():
            total += float(r["total_wall_time_s"])
            rows.append(
                [
                    task,
                    r["variant"],
                    int(r["trials"]),
                    duration(r["mean_wall_time_s"]),
                    duration(r["total_wall_time_s"]),
                    num(r["mean_epochs"], 3),
                    duration(r["time_per_epoch_s"]),
                    num(r["mean_params"], 5),
                ]
            )
    cost_table = table(HEADER, rows, out.tables / "cost.csv")
    paper = PAPER_COMPUTE
    summary = text(
        "cost.text",
        n_trials=sum(d["analysis"]["n_trials"] for d in loaded),
        total=duration(total),
        runs=paper["runs"].text,
        hours_per_run=paper["hours_per_run"].text,
        cpu_years=paper["cpu_years"].text,
    )
    return {
        "text": summary,
        "fig": out.rel(fig),
        "caption": text("cost.caption"),
        "table": cost_table,
        "table_caption": text("cost.table_caption"),
        "total_s": total,
    }
