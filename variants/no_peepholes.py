"""NP, no peepholes (Greff et al. 2017, Sec. IV-C): the gates see only x^t, y^{t-1} and their bias.

These are exactly torch.nn.LSTM's equations, so the fast path runs on torch's fused kernel.
"""

from variants.spec import VANILLA

SPEC = VANILLA.differs(
    name="NP", description="no peepholes (the standard LSTM of torch.nn.LSTM)", peepholes=False
)
