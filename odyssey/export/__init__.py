"""A finished study as a versioned, documented dataset (one Parquet row per trial) others build on.

``schema`` (the columns, their units, the version), ``records`` (one row from one trial's stored
record), ``dataset`` (export a study's storage: the Parquet file and its metadata), ``datasheet``
(the markdown data sheet written beside it), ``read`` (read a dataset back; needs neither Optuna
nor torch). Door: ``odyssey export --config CONFIG --out DIR`` and the Snakemake rule ``export``.
The export reads the sweep's storage, so it sits beside the training half; the surrogate benchmark
(:mod:`odyssey.benchmark`) reads only the dataset.
"""
