"""NOAF, no output activation function (Greff et al. 2017, Sec. IV-C): h(x) = x, y^t = c^t ⊙ o^t."""

from variants.spec import VANILLA

SPEC = VANILLA.differs(
    name="NOAF", description="no output activation function: h(x) = x, y = c * o", h="linear"
)
