"""The study's set-up: what was run, the search space of each task against the paper's, budgets,
and the equations of every variant (with ``models``: every model's cell and shape)."""

from __future__ import annotations

import math
from typing import Any

from odyssey.analysis.stats import order_variants
from odyssey.render.formatting import Output, range_text, table
from odyssey.render.prose import labels, text
from odyssey.study.budget import PAPER_BUDGET, Budget
from odyssey.study.models import Model, config_models
from odyssey.study.space import PAPER_SPACE, with_paper_defaults


def setup_section(cfg: dict, loaded: list[dict], quick: bool, out: Output) -> dict[str, Any]:
    """The set-up text (the paper's space and how this study differs), its table, the variants."""
    variants = order_variants(v for d in loaded for v in d["analysis"]["variants"])
    rows = [
        ["study", str(cfg.get("study", "–"))],
        ["quick study", "yes" if quick else "no"],
        ["tasks", ", ".join(d["analysis"]["task"] for d in loaded)],
        ["models" if cfg.get("models") else "variants", ", ".join(variants)],
        [
            "finished trials",
            ", ".join(f"{d['analysis']['task']}: {d['analysis']['n_trials']}" for d in loaded),
        ],
        ["sampler", str(cfg.get("sweep", {}).get("sampler", "random"))],
        ["root seed", str(cfg.get("seed", "–"))],
    ]
    departures, notes = [], []
    for d in loaded:
        task = d["analysis"]["task"]
        space = space_differences(search_space(cfg, task))
        budget = budget_differences(cfg, task)
        rows.append([f"search space ({task})", "; ".join(space) or "the paper's"])
        rows.append([f"training setup ({task})", "; ".join(budget) or "the paper's"])
        if space or budget:
            departures.append(f"{task}: " + "; ".join(space + budget))
        notes += data_notes(str(((cfg.get("tasks") or {}).get(task) or {}).get("task", task)))
    this_study = (
        text("setup.differs", differences="; ".join(departures))
        if departures
        else text("setup.same")
    )
    if notes:
        this_study += " " + text("setup.data", notes=" ".join(notes))
    return {
        "text": text("setup.text", paper_space=paper_space_text(), this_study=this_study),
        "table": table(["setting", "value"], rows, out.tables / "setup.csv"),
        "variants": variants_table(variants, out, config_models(cfg) if cfg.get("models") else {}),
    }


def paper_space_text() -> str:
    """The paper's search space in words, from its one definition."""
    names = labels("setup.paper_space_labels")
    return ", ".join(f"{names[key]} {range_text(rng)}" for key, rng in PAPER_SPACE.items())


def search_space(cfg: dict, task: str) -> dict[str, dict[str, Any]]:
    """The task's configured search space, the paper's range for any key the config leaves out."""
    tcfg = (cfg.get("tasks") or {}).get(task)
    return with_paper_defaults(tcfg.get("search_space") if isinstance(tcfg, dict) else None)


def space_differences(space: dict[str, dict[str, Any]]) -> list[str]:
    """One phrase per hyperparameter whose range differs from the paper's (empty: the paper's)."""
    names = labels("setup.range_labels")
    out = []
    for key, paper in PAPER_SPACE.items():
        rng = space[key]
        same = bool(rng.get("log")) == bool(paper["log"]) and all(
            math.isclose(float(rng[b]), float(paper[b]), rel_tol=1e-9, abs_tol=1e-12)
            for b in ("low", "high")
        )
        if not same:
            out.append(f"{names[key]} {range_text(rng)} (paper: {range_text(paper)})")
    return out


def budget_differences(cfg: dict, task: str) -> list[str]:
    """One phrase per training setting of the task that differs from the paper's (Budget's
    defaults): batch size, optimiser, epochs, patience, time limit, clipping, loss scale,
    initialisation, autocast. The evaluation batch size changes no metric and is not listed."""
    tcfg = (cfg.get("tasks") or {}).get(task)
    budget = Budget.from_dict(tcfg.get("budget") if isinstance(tcfg, dict) else None).to_dict()
    paper = PAPER_BUDGET.to_dict()
    names = labels("setup.budget_labels")
    return [
        f"{names[key]} {_setting(budget[key])} (paper: {_setting(paper[key])})"
        for key in names
        if budget[key] != paper[key]
    ]


def _setting(value: Any) -> str:
    """A budget value in words (None: none)."""
    return "none" if value is None else str(value)


def data_notes(task: str) -> list[str]:
    """What the report must say about the task's data (scored steps, verification), if known."""
    import tasks

    try:
        return tasks.data_notes(task)
    except ValueError:  # a task of another version of the suite: nothing to add
        return []


def variants_table(
    names: list[str], out: Output, models: dict[str, Model] | None = None
) -> dict[str, Any] | None:
    """Description and parameter formula of every variant in the study (variants.describe); with
    ``models``, of every model's cell, after the model's shape."""
    import variants as variants_module

    infos = {info.name: info for info in variants_module.describe()}
    models = models or {}
    cells = {name: models[name].cell if name in models else name for name in names}
    rows = [
        [name, model_text(models.get(name)) + infos[cell].description, infos[cell].param_formula]
        for name, cell in cells.items()
        if cell in infos
    ]
    if not rows:
        return None
    return table(
        ["model" if models else "variant", "equations (difference from V)", "parameters per layer"],
        rows,
        out.tables / "variants.csv",
    )


def model_text(model: Model | None) -> str:
    """A model's cell and the shape it sets, e.g. ``V, bidirectional, 2 layers: `` (empty for
    none or a plain variant)."""
    if model is None or model.is_plain:
        return ""
    shape = [model.cell]
    if model.bidirectional is not None:
        shape.append("bidirectional" if model.bidirectional else "one direction")
    if model.num_layers != 1:
        shape.append(f"{model.num_layers} layers")
    if model.frontend is not None:
        shape.append(f"front end {model.frontend}")
    if model.init is not None:
        shape.append(f"init {model.init}")
    return ", ".join(shape) + ": "
