"""NOG, no output gate (Greff et al. 2017, Sec. IV-C): o^t = 1, so y^t = h(c^t)."""

from variants.spec import VANILLA

SPEC = VANILLA.differs(name="NOG", description="no output gate: o = 1, y = h(c)", output_gate=False)
