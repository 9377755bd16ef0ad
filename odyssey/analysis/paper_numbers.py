"""The published numbers of Greff et al. 2017 that the report sets beside ours, with provenance.

Every number carries the provenance tag of ``reference/greff2017.md`` (section 0 and section 5):
``P`` published text, ``F`` read off the paper's figures by eye (approximate), ``D`` derived. Values
are in the paper's units: TIMIT classification error in %, IAM character error rate in %, JSB
Chorales negative log-likelihood per time step (the paper prints -8.38 "log-likelihood"; its plots
show the positive NLL).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Number:
    """A published value: ``value`` (None when only bounded, e.g. '<1 %'), display ``text``, tag."""

    value: float | None
    text: str
    tag: str


@dataclass(frozen=True)
class PaperDataset:
    """What the paper reports for one dataset (reference sections 5.1-5.4)."""

    key: str
    label: str
    metric: str
    unit: str
    best: Number
    best_variant: str
    significant_all: tuple[str, ...]
    significant_top10: tuple[str, ...]
    top10_mean: dict[str, Number] = field(default_factory=dict)
    all_mean: dict[str, Number] = field(default_factory=dict)
    fanova: dict[str, Number] = field(default_factory=dict)


def _n(value: float | None, text: str | None = None, tag: str = "F") -> Number:
    """Shorthand for a Number whose text defaults to the value."""
    return Number(value, text if text is not None else f"{value:g}", tag)


_FANOVA_KEYS = ("learning_rate", "hidden_size", "input_noise", "one_minus_momentum", "higher_order")


def _shares(*texts: str) -> dict[str, Number]:
    """fANOVA shares (Fig. 5 pies, tag F) in the order of ``_FANOVA_KEYS``, e.g. '67 %', '<1 %'."""
    out = {}
    for key, text in zip(_FANOVA_KEYS, texts, strict=True):
        number = text.replace("%", "").strip()
        value = None if number.startswith("<") else float(number) / 100.0
        out[key] = Number(value, text, "F")
    return out


DATASETS: dict[str, PaperDataset] = {
    "timit": PaperDataset(
        key="timit",
        label="TIMIT",
        metric="classification error",
        unit="%",
        best=_n(29.6, "29.6 %", "P"),
        best_variant="CIFG",
        significant_all=("NIAF", "NIG", "NFG", "NOAF"),
        significant_top10=("NOG", "NIAF", "NIG", "NFG", "NOAF"),
        top10_mean={
            "V": _n(29.75),
            "CIFG": _n(29.8),
            "FGR": _n(29.8),
            "NP": _n(30.3),
            "NOG": _n(30.7),
            "NIAF": _n(30.9),
            "NIG": _n(32.6),
            "NFG": _n(34.3),
            "NOAF": _n(None, ">35"),
        },
        all_mean={
            "V": _n(39.7),
            "CIFG": _n(39.9),
            "FGR": _n(41.2),
            "NP": _n(38.8),
            "NOG": _n(40.8),
            "NIAF": _n(46.6),
            "NIG": _n(43.2),
            "NFG": _n(49.3),
            "NOAF": _n(76.0),
        },
        fanova=_shares("67 %", "10 %", "1 %", "<1 %", "20 %"),
    ),
    "iam": PaperDataset(
        key="iam",
        label="IAM Online",
        metric="character error rate",
        unit="%",
        best=_n(9.26, "9.26 %", "P"),
        best_variant="NP",
        significant_all=("NIG", "NFG", "NOAF"),
        significant_top10=("NOG", "NIAF", "NIG", "NFG", "NOAF"),
        top10_mean={
            "V": _n(10.6),
            "CIFG": _n(11.3),
            "FGR": _n(11.6),
            "NP": _n(10.2),
            "NOG": _n(12.4),
            "NIAF": _n(12.95),
            "NIG": _n(15.8),
            "NFG": _n(27.5, "~27.5"),
            "NOAF": _n(None, "off axis"),
        },
        all_mean={
            "V": _n(47.0),
            "CIFG": _n(57.0),
            "FGR": _n(48.0),
            "NP": _n(59.0),
            "NOG": _n(52.0),
            "NIAF": _n(50.0),
            "NIG": _n(59.0),
            "NFG": _n(75.0),
            "NOAF": _n(98.0),
        },
        fanova=_shares("89 %", "2 %", "<1 %", "<1 %", "7 %"),
    ),
    "jsb": PaperDataset(
        key="jsb",
        label="JSB Chorales",
        metric="negative log-likelihood",
        unit="nats per time step",
        best=_n(8.38, "8.38 (printed as -8.38 log-likelihood)", "P"),
        best_variant="NIAF",
        significant_all=("NFG", "NOAF"),
        significant_top10=("FGR", "NFG", "NOAF"),
        top10_mean={
            "V": _n(8.55),
            "CIFG": _n(8.557),
            "FGR": _n(8.62),
            "NP": _n(8.573),
            "NOG": _n(8.57),
            "NIAF": _n(8.52),
            "NIG": _n(8.515),
            "NFG": _n(8.60),
            "NOAF": _n(None, "off axis"),
        },
        all_mean={
            "NFG": _n(10.0),
            "NOAF": _n(10.55),
        },
        fanova=_shares("91 %", "<1 %", "2 %", "<1 %", "5 %"),
    ),
}


def dataset_for_task(task: str) -> PaperDataset | None:
    """The paper's dataset matching one of our task names (``jsb_chorales`` -> JSB), else None."""
    name = task.lower()
    for key, dataset in DATASETS.items():
        if key in name:
            return dataset
    return None


@dataclass(frozen=True)
class Finding:
    """One finding of the paper (reference sections 0, 5.2, 5.4, 5.6) and its provenance."""

    key: str
    text: str
    tag: str


FINDINGS: tuple[Finding, ...] = (
    Finding("none_better", "No variant improves significantly on the vanilla LSTM (V).", "P"),
    Finding(
        "nfg_worse", "No forget gate (NFG) is significantly worse than V on every dataset.", "P"
    ),
    Finding(
        "noaf_worse", "No output activation (NOAF) is significantly worse than V everywhere.", "P"
    ),
    Finding(
        "cifg_same", "Coupling input and forget gate (CIFG) makes no significant difference.", "P"
    ),
    Finding("np_same", "Removing the peepholes (NP) makes no significant difference.", "P"),
    Finding(
        "fgr_jsb",
        "Full gate recurrence (FGR) is worse on JSB Chorales only (best 10 %), not on TIMIT/IAM.",
        "F",
    ),
    Finding(
        "nig_nog_niaf",
        "NIG, NOG and NIAF are significantly worse on TIMIT and IAM, but not on JSB Chorales.",
        "P",
    ),
    Finding("lr_first", "The learning rate explains most of the variance (more than 2/3).", "P"),
    Finding(
        "hidden_second",
        "Network size is the second most important hyperparameter (Fig. 5: TIMIT 10 %, IAM 2 %); "
        "on JSB Chorales input noise (2 %) ranks above it (<1 %).",
        "F",
    ),
    Finding("momentum_small", "Momentum explains less than 1 % of the variance.", "P"),
    Finding(
        "interactions_small",
        "Interactions between hyperparameters are small (all of them together, pairs included, "
        "5-20 %: the 'higher order' slice of Fig. 5).",
        "P",
    ),
    Finding("bigger_better", "Bigger networks perform better (diminishing returns).", "P"),
    Finding(
        "noise_hurts",
        "Input noise hurts: its marginal rises from no noise to the most (Fig. 4; on TIMIT too, "
        "39.5 to 40.7 % with a dip near 0.3, although the text calls noise helpful there).",
        "F",
    ),
)

#: Compute of the paper's study (reference section 0 and 4), for the cost section.
PAPER_COMPUTE = {
    "runs": Number(5400, "5400 runs (27 searches x 200 trials)", "P"),
    "hours_per_run": Number(24.3, "24.3 h per run on average", "P"),
    "cpu_years": Number(15.0, "just under 15 CPU-years on 128 AMD Opteron 2.5 GHz CPUs", "P"),
}
