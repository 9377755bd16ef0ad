"""GatedSpec and the one-file-per-variant declarations (variants.spec and the variant files)."""

from __future__ import annotations

from dataclasses import fields

import pytest

import variants
from variants import registry
from variants.spec import VANILLA, GatedSpec

# The single field in which each paper variant differs from V (Greff et al. 2017, Sec. IV-C).
DIFFERENCE = {
    "NIG": ("input_gate", False),
    "NFG": ("forget_gate", False),
    "NOG": ("output_gate", False),
    "NIAF": ("g", "linear"),
    "NOAF": ("h", "linear"),
    "NP": ("peepholes", False),
    "CIFG": ("coupled", True),
    "FGR": ("gate_recurrence", True),
}


@pytest.mark.parametrize("spec", registry._SPECS[1:], ids=lambda s: s.name)
def test_each_variant_differs_from_vanilla_in_one_aspect(spec: GatedSpec) -> None:
    changed = [
        f.name
        for f in fields(GatedSpec)
        if f.name not in ("name", "description")
        and getattr(spec, f.name) != getattr(VANILLA, f.name)
    ]
    field, value = DIFFERENCE[spec.name]
    assert changed == [field]
    assert getattr(spec, field) == value


def test_vanilla_flags() -> None:
    assert VANILLA.gates == ("i", "f", "o")
    assert VANILLA.blocks == ("i", "f", "z", "o")
    assert VANILLA.peephole_gates == ("i", "f", "o")
    assert not VANILLA.is_standard_lstm
    assert registry._SPECS[0] is VANILLA
    assert [s.name for s in registry._SPECS] == list(variants.PAPER_VARIANTS)


def test_cifg_has_no_forget_parameters() -> None:
    spec = VANILLA.differs(name="CIFG", coupled=True)
    assert spec.gates == ("i", "o") and spec.blocks == ("i", "z", "o")
    assert spec.param_count(3, 2) == 3 * 2 * 6 + 2 * 2


def test_only_np_is_standard_lstm() -> None:
    standard = [s.name for s in registry._SPECS if s.is_standard_lstm]
    assert standard == ["NP"]


def test_bad_spec() -> None:
    with pytest.raises(ValueError, match="activations"):
        VANILLA.differs(g="relu")
    with pytest.raises(ValueError, match="coupled"):
        VANILLA.differs(input_gate=False, coupled=True)
