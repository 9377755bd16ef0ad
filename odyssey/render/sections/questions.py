"""The config's questions (config ``questions``): a section each, a table per task, one sentence of
answer per comparison generated from the numbers, and the closing list of answers."""

from __future__ import annotations

from typing import Any

import pandas as pd

from odyssey.analysis.questions import answer_question
from odyssey.render.formatting import Output, metric_label, num, pval, table, task_label
from odyssey.render.prose import text
from odyssey.study.questions import reference

HEADER = ["model", "n", "mean", "best 10 % mean", "Δ vs {reference}", "p", "p·m", "verdict"]


def questions_section(cfg: dict, loaded: list[dict], out: Output) -> list[dict[str, Any]]:
    """One block per question: its title, text, a table per task and its answer; the answers of
    every question also go to ``tables/answers.csv``."""
    by_task = {d["analysis"]["task"]: d for d in loaded}
    blocks, answers = [], []
    for index, question in enumerate(cfg.get("questions") or [], start=1):
        ref = reference(cfg, question)
        tasks = [task for task in question["tasks"] if task in by_task]
        frame = answer_question(
            question["models"],
            ref,
            {t: (by_task[t]["trials"], by_task[t]["analysis"]["direction"]) for t in tasks},
        )
        tables, sentences = [], []
        for task in tasks:
            rows = frame[frame["task"] == task]
            analysis = by_task[task]["analysis"]
            tables.append(task_table(rows, analysis, ref, out, f"question{index}_{task}"))
            for _, row in rows[rows["model"] != ref].iterrows():
                ref_row = rows[rows["model"] == ref].iloc[0]
                sentence = answer_sentence(row, ref_row, analysis["metric_name"])
                sentences.append(sentence)
                answers.append({"question": question["title"], **row.to_dict(), "answer": sentence})
        counts = frame["n"] if len(frame) else pd.Series([0])
        blocks.append(
            {
                "title": question["title"],
                "text": text(
                    "questions.text",
                    models=", ".join(question["models"]),
                    reference=ref,
                    tasks=", ".join(tasks),
                    m=int(frame["m"].iloc[0]) if len(frame) else 0,
                    trials=spread(int(counts.min()), int(counts.max())),
                ),
                "tables": tables,
                "answer": " ".join(sentences),
            }
        )
    pd.DataFrame(answers).to_csv(out.tables / "answers.csv", index=False)
    return blocks


def task_table(
    rows: pd.DataFrame, analysis: dict, ref: str, out: Output, name: str
) -> dict[str, Any]:
    """The question's table on one task: n, mean, best-10 % mean, the test against ``ref``."""
    body = [
        [
            r["model"],
            r["n"],
            num(r["mean"]),
            num(r["top10_mean"]),
            num(r["diff"], 3) if r["model"] != ref else "–",
            pval(r["p"]),
            pval(r["p_bonferroni"]),
            r["verdict"],
        ]
        for _, r in rows.iterrows()
    ]
    header = [h.format(reference=ref) for h in HEADER]
    return {
        "table": table(header, body, out.tables / f"{name}.csv"),
        "caption": text(
            "questions.table_caption",
            task=task_label(analysis["task"]),
            metric=metric_label(analysis),
            reference=ref,
            m=int(rows["m"].iloc[0]) if len(rows) else 0,
        ),
    }


def answer_sentence(row: pd.Series, ref_row: pd.Series, metric: str) -> str:
    """One sentence from the numbers: which of the two is better on the task, or that the test
    finds no difference at this size, or that no test could be made."""
    values = {
        "model": row["model"],
        "reference": ref_row["model"],
        "task": row["task"],
        "metric": metric,
        "mean": num(row["mean"]),
        "ref_mean": num(ref_row["mean"]),
        "p": pval(row["p"]),
        "p_bonferroni": pval(row["p_bonferroni"]),
        "m": int(row["m"]),
        "n": int(row["n"]),
        "n_ref": int(ref_row["n"]),
    }
    if row["verdict"] == "better":
        return text("questions.better", winner=row["model"], loser=ref_row["model"], **values)
    if row["verdict"] == "worse":
        return text("questions.better", winner=ref_row["model"], loser=row["model"], **values)
    if row["verdict"] == "n.s.":
        return text("questions.not_significant", **values)
    return text("questions.untestable", **values)


def spread(low: int, high: int) -> str:
    """A count, or its range where it varies: ``12`` or ``10-12``."""
    return str(low) if low == high else f"{low}-{high}"
