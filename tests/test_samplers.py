"""Tests of odyssey.sweep.samplers: TPE with the median pruner, and QMC, stay in the space."""

from __future__ import annotations

from pathlib import Path

from engine_support import (
    assert_exactly_n,
    study_trials,
    tiny_config,
)

from odyssey.study.locations import Locations, default_storage_url
from odyssey.study.spec import StudySpec
from odyssey.sweep.samplers import distributions
from odyssey.sweep.studies import init_storage
from odyssey.sweep.worker import run_worker


def test_tpe_with_median_pruner_and_qmc(tmp_path: Path) -> None:
    cfg = tiny_config(
        tmp_path, n_trials=4, sweep={"sampler": "tpe", "pruner": "median"}, tracking_uri=None
    )
    url = default_storage_url(tmp_path)
    spec = StudySpec.from_config(cfg, "adding", "V")
    qmc = StudySpec.from_config({**cfg, "sweep": {**cfg["sweep"], "sampler": "qmc"}}, "adding", "V")
    qmc = StudySpec(**{**qmc.__dict__, "variant": "NP", "model": None})  # NP's plain model
    init_storage([spec, qmc], Locations(url))
    assert run_worker(spec, Locations(url)) == 4
    assert run_worker(qmc, Locations(url)) == 4
    for variant, study_spec in (("V", spec), ("NP", qmc)):
        done = assert_exactly_n(study_trials(cfg, variant), 4)
        for trial in done.values():
            for key, dist in distributions(study_spec).items():
                assert dist.low <= trial.params[key] <= dist.high
            assert trial.intermediate_values  # per-epoch reports for the pruner
