"""The study's settings: what a config says, read once at the door, without torch or Optuna.

``config`` (load and check a config), ``space`` (the paper's search space: its one definition),
``budget`` (the training budget: its defaults are the paper's), ``spec`` (one (task, variant)
study, its fingerprint and its slots' draws), ``locations`` (the Optuna storage, the MLflow store),
``probe`` (the gradient probe's settings), ``seeds`` (derived seeds), ``catalogue`` (the
registries' names for the checks, cached so that a check need not import torch).
"""
