"""NIAF, no input activation function (Greff et al. 2017, Sec. IV-C): g(x) = x, so z^t = z̄^t."""

from variants.spec import VANILLA

SPEC = VANILLA.differs(
    name="NIAF", description="no input activation function: g(x) = x", g="linear"
)
