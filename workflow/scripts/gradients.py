"""Rule gradients: the vanishing-gradient probe of the report."""

from pathlib import Path

from joblog import redirect

from odyssey.study.probe import ProbeSpec
from odyssey.training.gradients import run_probe

cfg = snakemake.config
with redirect(snakemake.log[0]):
    table = run_probe(
        ProbeSpec.from_config(cfg),
        Path(snakemake.output[0]),
        device=cfg["device"],
        threads=snakemake.threads,
    )
    print(f"{len(table)} rows -> {snakemake.output[0]}")
