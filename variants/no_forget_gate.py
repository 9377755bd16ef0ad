"""NFG, no forget gate (Greff et al. 2017, Sec. IV-C): f^t = 1, so c^t = z^t ⊙ i^t + c^{t-1}."""

from variants.spec import VANILLA

SPEC = VANILLA.differs(
    name="NFG", description="no forget gate: f = 1, c = z * i + c_prev", forget_gate=False
)
