"""NIG, no input gate (Greff et al. 2017, Sec. IV-C): i^t = 1, so c^t = z^t + c^{t-1} ⊙ f^t."""

from variants.spec import VANILLA

SPEC = VANILLA.differs(
    name="NIG", description="no input gate: i = 1, c = z + f * c_prev", input_gate=False
)
