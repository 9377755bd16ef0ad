"""A published study: its analysis, figures and PDF regenerated from its committed record.

A published study lives in one folder (e.g. ``report/published/jsb/``) beside the config that ran
it (``config/jsb.yaml``): the raw record (the Optuna journal, the config's ``storage``), the
trials tables ``trials/<task>.csv`` collected from it (``odyssey collect``), the long-lag probe's
``gradients/gradients.csv`` where the config enables it (``odyssey gradients``), and what this
module makes from them without any training: ``analysis/<task>/`` and ``report/odyssey.pdf``
with its figures and tables. The same record gives the same bytes (tested on the committed JSB
study). A study of several tasks (e.g. ``config/seed.yaml``) keeps one trials table per task; its
analysis tests against the config's ``reference`` and its report answers the config's
``questions``.

    odyssey publish --config config/jsb.yaml --out report/published/jsb
"""

from __future__ import annotations

from pathlib import Path

from odyssey.analysis.analyse import analyse_task
from odyssey.render.report import build_report
from odyssey.study.questions import reference


def trials_table(folder: Path, task: str) -> Path:
    """Where a published study keeps the trials table of ``task``."""
    return folder / "trials" / f"{task}.csv"


def gradients_table(folder: Path) -> Path:
    """Where a published study keeps its long-lag probe's table (``odyssey gradients``)."""
    return folder / "gradients" / "gradients.csv"


def publish_study(cfg: dict, folder: Path | str) -> Path:
    """Analyse every task's committed trials table and render the PDF (with the committed probe
    table when the config's ``gradients`` probe is enabled); returns the PDF's path.

    Raises:
        ValueError: a task of the config has no trials table in ``folder``, or the enabled
            probe has no table there (one line).
    """
    folder = Path(folder)
    probe = None
    if (cfg.get("gradients") or {}).get("enabled"):
        probe = gradients_table(folder)
        if not probe.is_file():
            raise ValueError(
                f"{probe} is missing: the config's gradients probe is enabled; run it first "
                f"(odyssey gradients --config ... --out {probe}) or set gradients.enabled: false"
            )
    dirs = []
    for task, entry in (cfg.get("tasks") or {}).items():
        table = trials_table(folder, task)
        if not table.is_file():
            raise ValueError(
                f"{table} is missing: collect it from the study's storage first "
                f"(odyssey collect --config ... --task {task} --out {table})"
            )
        space = entry.get("search_space") if isinstance(entry, dict) else None
        out = folder / "analysis" / task
        analyse_task(
            table, out, quick=bool(cfg.get("quick")), search_space=space, reference=reference(cfg)
        )
        dirs.append(out)
    return build_report(cfg, dirs, probe, folder / "report" / "odyssey.pdf")
