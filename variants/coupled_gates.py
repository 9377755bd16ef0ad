"""CIFG, coupled input and forget gate (Greff et al. 2017, Sec. IV-C): f^t = 1 - i^t.

As in the authors' code, the input gate's pre-activation (with its peephole p_i ⊙ c^{t-1}) drives
both gates; the forget gate has no parameters of its own.
"""

from variants.spec import VANILLA

SPEC = VANILLA.differs(
    name="CIFG", description="coupled input and forget gate: f = 1 - i", coupled=True
)
