"""Rule collect: the trials table of one task, from the storage."""

from pathlib import Path

from joblog import redirect

from odyssey.sweep.collect import collect_task

with redirect(snakemake.log[0]):
    table = collect_task(snakemake.config, snakemake.wildcards.task, Path(snakemake.output[0]))
    print(f"{len(table)} trials -> {snakemake.output[0]}")
