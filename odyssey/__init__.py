"""LSTM Odyssey engine: from a study configuration to the PDF report.

Reproduces Greff et al., "LSTM: A Search Space Odyssey" (TNNLS 2017). One trial's way through the
packages, in order (docs/contracts.md):

- ``study``: the study's settings, read once from ``config/*.yaml`` (``config``): the paper's
  search space (``space``), the budget (``budget``), one (task, variant) study and its
  fingerprint (``spec``), where results live (``locations``), derived seeds, the gradient
  probe's settings (``probe``). Light: no torch, no Optuna, so planning the pipeline is fast.
- the training half, ``sweep`` and ``training``: ``sweep.studies`` creates the Optuna studies and
  their slots, ``sweep.worker`` claims a slot and trains it with ``training.trial`` (network,
  optimiser, devices, provenance) under a heartbeat (``sweep.heartbeat``), tracked in MLflow
  (``sweep.tracking``); ``sweep.collect`` writes the trials table.
- ``trials_table``: the trials table's columns, the only thing the two halves share.
- the report half, ``analysis`` and ``render``: ``analysis.analyse`` turns a trials table into
  statistics (Welch tests, fANOVA, verdicts against the paper); ``render.report`` turns them into
  figures, tables and the PDF, section by section (``render.sections``), with the template and
  prose of ``report/``.
- the doors: ``cli`` (the ``odyssey`` command; ``cli_report`` its report subcommands) and the
  Snakemake pipeline's ``workflow/scripts``; they read the config and call the entry points with
  specs and locations. ``fast_exit`` ends a finished worker; ``resources`` finds ``report/`` and
  ``workflow/schemas/`` in a checkout or an installed wheel.

Submodules are imported on demand, so ``import odyssey`` is cheap.
"""

__version__ = "0.1.0"
