DATASET_DIR = f"{RESULTS}/dataset"


rule export:
    """The study as a dataset others build on (odyssey.export): one Parquet row per finished
    trial with its curves, and the data sheet beside it. Not part of `all`: ask for it by name,
    `snakemake --cores all export` (after the sweep: it waits for every task's trials table)."""
    input:
        expand(TRIALS_CSV, task=TASKS),
    output:
        f"{DATASET_DIR}/trials.parquet",
        f"{DATASET_DIR}/DATASHEET.md",
    log:
        f"{LOGS}/export.log",
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        CONDA_ENV
    script:
        "../scripts/export.py"
