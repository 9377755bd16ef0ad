"""Rule analyse: tables and statistics of one task from its trials table."""

from pathlib import Path

from joblog import redirect

from odyssey.analysis.analyse import analyse_task

with redirect(snakemake.log[0]):
    analyse_task(
        Path(snakemake.input[0]),
        Path(snakemake.output[0]),
        quick=snakemake.params.quick,
        search_space=snakemake.config["tasks"][snakemake.wildcards.task]["search_space"],
        reference=snakemake.params.reference,
    )
