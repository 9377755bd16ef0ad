"""Tests of odyssey.analysis.paper_numbers: the published values and their provenance tags."""

from __future__ import annotations

from odyssey.analysis import paper_numbers as pn


def test_task_names_map_to_the_paper_datasets() -> None:
    assert pn.dataset_for_task("jsb_chorales").label == "JSB Chorales"
    assert pn.dataset_for_task("timit").key == "timit"
    assert pn.dataset_for_task("iam_ondb").key == "iam"
    assert pn.dataset_for_task("adding") is None


def test_every_number_has_a_provenance_tag() -> None:
    for dataset in pn.DATASETS.values():
        numbers = [dataset.best, *dataset.top10_mean.values(), *dataset.all_mean.values()]
        numbers += list(dataset.fanova.values())
        assert all(n.tag in {"P", "F", "D"} for n in numbers)
        assert dataset.best.tag == "P"


def test_published_headline_values() -> None:
    assert pn.DATASETS["jsb"].best.value == 8.38 and pn.DATASETS["jsb"].best_variant == "NIAF"
    assert pn.DATASETS["timit"].best.value == 29.6
    assert pn.DATASETS["iam"].best_variant == "NP"
    for dataset in pn.DATASETS.values():
        assert {"NFG", "NOAF"} <= set(dataset.significant_all)
        known = [n.value for n in dataset.fanova.values() if n.value is not None]
        assert 0.9 <= sum(known) <= 1.02
    assert pn.DATASETS["jsb"].fanova["learning_rate"].value == 0.91


def test_findings_are_unique() -> None:
    keys = [f.key for f in pn.FINDINGS]
    assert len(keys) == len(set(keys)) and len(keys) >= 10
