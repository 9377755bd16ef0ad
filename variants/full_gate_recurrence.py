"""FGR, full gate recurrence (Greff et al. 2017, Sec. IV-C).

Each gate pre-activation gains R_iy i^{t-1} + R_fy f^{t-1} + R_oy o^{t-1} (nine N x N matrices, the
previous gate *activations*). The output-gate peephole reads the new cell c^t as in V (the printed
c^{t-1} is a typo: the authors' code uses c^t; reference section 1.2).
"""

from variants.spec import VANILLA

SPEC = VANILLA.differs(
    name="FGR",
    description="full gate recurrence: previous gate activations feed all gates (9 N x N)",
    gate_recurrence=True,
)
