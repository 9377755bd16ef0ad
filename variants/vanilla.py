"""V: the vanilla LSTM of Greff et al. (2017), Sec. II-A (reference section 1.1).

z = g(W_z x + R_z y' + b_z); i = σ(W_i x + R_i y' + p_i ⊙ c' + b_i);
f = σ(W_f x + R_f y' + p_f ⊙ c' + b_f); c = z ⊙ i + c' ⊙ f;
o = σ(W_o x + R_o y' + p_o ⊙ c + b_o); y = h(c) ⊙ o, with g = h = tanh and no gate recurrence.
"""

from variants.spec import VANILLA

SPEC = VANILLA
