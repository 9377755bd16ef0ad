"""Rule gradients: the vanishing-gradient probe of the report."""

from pathlib import Path

from joblog import redirect

from odyssey.training.gradients import run_probe

cfg = dict(snakemake.config)
cfg["threads_per_worker"] = snakemake.threads
with redirect(snakemake.log[0]):
    table = run_probe(cfg, Path(snakemake.output[0]))
    print(f"{len(table)} rows -> {snakemake.output[0]}")
