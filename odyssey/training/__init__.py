"""The training half, one trial: ``trial`` (the paper's training setup, a trial's record),
``model`` (the network: a cell of ``variants`` plus an output layer), ``optim`` (the paper's
Nesterov step), ``devices``, ``provenance``, ``progress``; and ``gradients`` (the vanishing-gradient
probe, which trains its own trials)."""
