"""Stable derived seeds (DESIGN.md section 5; Greff et al. 2017, section IV-D).

Every random number in a study derives from one root seed. A seed for a purpose is a hash of the
root seed and the parts that name the purpose, so it does not depend on the order in which trials
run, on the number of workers, on the Python process or on the platform:

- ``trial_seed(root, task, variant, trial)``: the seed of trial ``trial`` (the parameter-set index,
  see :mod:`odyssey.sweep.slots`) of study (task, variant); it is the ``seed`` recorded for the
  trial.
- ``stream_seed(seed, stream)``: the separate streams used inside one trial: ``"init"`` (weights),
  ``"data"`` (order of the training sequences) and ``"noise"`` (Gaussian input noise).
- ``params_seed(root, task, variant, trial)``: the draw of the trial's hyperparameters in the
  paper's random search.

The hash is BLAKE2b over a canonical JSON encoding, truncated to 63 bits, so it fits torch, numpy
and the C ``long`` of every platform.
"""

from __future__ import annotations

import hashlib
import json

STREAMS: tuple[str, ...] = ("init", "data", "noise")
"""The streams a trial draws from (DESIGN.md section 5)."""

_MASK_63 = (1 << 63) - 1


def derive_seed(root: int, *parts: str | int) -> int:
    """Return a 63-bit seed that is a stable hash of ``root`` and ``parts``.

    ``parts`` are strings or integers (booleans are rejected because ``True == 1`` would alias).
    The same arguments give the same seed on every platform and Python version.
    """
    if isinstance(root, bool) or not isinstance(root, int):
        raise ValueError(f"seed must be an integer, got {root!r}")
    for part in parts:
        if isinstance(part, bool) or not isinstance(part, (str, int)):
            raise ValueError(f"seed parts must be strings or integers, got {part!r}")
    payload = json.dumps([root, *parts], separators=(",", ":"), ensure_ascii=True)
    digest = hashlib.blake2b(payload.encode("ascii"), digest_size=8).digest()
    return int.from_bytes(digest, "big") & _MASK_63


def trial_seed(root: int, task: str, variant: str, trial: int) -> int:
    """The seed of trial ``trial`` of study (``task``, ``variant``) under root seed ``root``."""
    return derive_seed(root, "trial", task, variant, int(trial))


def params_seed(root: int, task: str, variant: str, trial: int) -> int:
    """The seed of the hyperparameter draw of trial ``trial`` (paper-mode random search)."""
    return derive_seed(root, "params", task, variant, int(trial))


def stream_seed(seed: int, stream: str) -> int:
    """The seed of one stream (``init``, ``data`` or ``noise``) of a trial with seed ``seed``."""
    if stream not in STREAMS:
        raise ValueError(f"unknown seed stream {stream!r}; known: {', '.join(STREAMS)}")
    return derive_seed(seed, "stream", stream)
