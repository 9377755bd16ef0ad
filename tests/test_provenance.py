"""Tests of odyssey.training.provenance: commit, versions, device, host."""

from __future__ import annotations

import re

import torch

from odyssey.training import provenance


def test_git_commit_is_a_sha_of_this_checkout() -> None:
    commit = provenance.git_commit()
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", commit), commit


def test_collect_has_every_field() -> None:
    info = provenance.collect("cpu", threads=2)
    assert info["device"] == "cpu" and info["threads"] == 2
    assert info["torch_version"] == torch.__version__
    assert set(provenance.PACKAGES) | {"python"} <= set(info["versions"])
    assert info["hostname"] and info["device_name"] and info["git_commit"]
