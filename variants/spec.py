"""Declarative description of a gated (LSTM-family) cell.

Greff et al. (2017), Sec. II-A, define the vanilla LSTM (V); every variant of Sec. IV-C changes
exactly one aspect of it. A :class:`GatedSpec` holds those aspects as flags; each variant file
(``variants/vanilla.py``, ``variants/no_input_gate.py``, ...) declares only how it differs from V.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

ACTIVATIONS = ("tanh", "linear")


@dataclass(frozen=True)
class GatedSpec:
    """Flags of the generic gated cell (reference section 1; authors' ``Lstm97Layer``).

    Attributes:
        name: variant code, e.g. ``"V"``.
        description: one line for listings.
        input_gate: compute i^t (else i^t = 1, NIG).
        forget_gate: compute f^t (else f^t = 1, NFG); ignored when ``coupled`` is set.
        output_gate: compute o^t (else o^t = 1, NOG).
        peepholes: add p_* ⊙ c to the gate pre-activations (else none, NP).
        g: block-input activation, ``"tanh"`` or ``"linear"`` (NIAF).
        h: block-output activation, ``"tanh"`` or ``"linear"`` (NOAF).
        coupled: f^t = 1 - i^t with no forget-gate parameters (CIFG).
        gate_recurrence: previous gate activations feed every gate through R_xy (FGR).
    """

    name: str
    description: str
    input_gate: bool = True
    forget_gate: bool = True
    output_gate: bool = True
    peepholes: bool = True
    g: str = "tanh"
    h: str = "tanh"
    coupled: bool = False
    gate_recurrence: bool = False

    def __post_init__(self) -> None:
        if self.g not in ACTIVATIONS or self.h not in ACTIVATIONS:
            raise ValueError(
                f"activations must be one of {ACTIVATIONS}, got g={self.g!r}, h={self.h!r}"
            )
        if self.coupled and not self.input_gate:
            raise ValueError("a coupled input-forget gate needs the input gate")

    def differs(self, **changes: object) -> GatedSpec:
        """Copy with the given fields changed (a variant declared as a difference from V)."""
        return replace(self, **changes)

    @property
    def has_forget_params(self) -> bool:
        """Whether the forget gate has its own parameters (it has none under NFG or CIFG)."""
        return self.forget_gate and not self.coupled

    @property
    def gates(self) -> tuple[str, ...]:
        """Gates with their own parameters, in the packing order ``i, f, o``."""
        out = []
        if self.input_gate:
            out.append("i")
        if self.has_forget_params:
            out.append("f")
        if self.output_gate:
            out.append("o")
        return tuple(out)

    @property
    def blocks(self) -> tuple[str, ...]:
        """Row blocks of the packed weights: ``i, f, z, o`` (torch.nn.LSTM's order); with gate
        recurrence ``i, f, o, z``, so that the gate-to-gate product is one dense G N x G N block."""
        if self.gate_recurrence:
            return (*self.gates, "z")
        out = [k for k in ("i", "f") if k in self.gates]
        out.append("z")
        if "o" in self.gates:
            out.append("o")
        return tuple(out)

    @property
    def peephole_gates(self) -> tuple[str, ...]:
        """Gates that carry a peephole weight p_* (none without peepholes)."""
        return self.gates if self.peepholes else ()

    @property
    def is_standard_lstm(self) -> bool:
        """True when the equations equal torch.nn.LSTM's (NP), so a fused kernel applies."""
        return (
            self.blocks == ("i", "f", "z", "o")
            and not self.peepholes
            and self.g == "tanh"
            and self.h == "tanh"
            and not self.gate_recurrence
        )

    def param_count(self, input_size: int, hidden_size: int) -> int:
        """Parameters of one unidirectional layer: blocks K + peepholes N + (FGR) gates^2 N^2."""
        n, m = hidden_size, input_size
        k = n * (m + n + 1)
        total = len(self.blocks) * k + len(self.peephole_gates) * n
        if self.gate_recurrence:
            total += (len(self.gates) * n) ** 2
        return total

    def param_formula(self) -> str:
        """Parameter-count formula as text, with K = N(M + N + 1)."""
        terms = [f"{len(self.blocks)}K"]
        if self.peephole_gates:
            terms.append(f"{len(self.peephole_gates)}N")
        if self.gate_recurrence:
            terms.append(f"{len(self.gates) ** 2}N^2")
        return " + ".join(terms)


VANILLA = GatedSpec(
    name="V",
    description="vanilla LSTM: input, forget, output gates, peepholes, tanh g and h",
)
