"""Rule collect: the trials table of one task, from the storage."""

from pathlib import Path

from joblog import redirect

from odyssey.study.locations import Locations
from odyssey.study.spec import task_specs
from odyssey.sweep.collect import collect_task

cfg = snakemake.config
with redirect(snakemake.log[0]):
    table = collect_task(
        task_specs(cfg, snakemake.wildcards.task),
        Locations.from_config(cfg),
        Path(snakemake.output[0]),
    )
    print(f"{len(table)} trials -> {snakemake.output[0]}")
