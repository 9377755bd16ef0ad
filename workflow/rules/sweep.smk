rule init_storage:
    """Create the Optuna storage with every study of the config and the MLflow store, once.

    Runs before any worker, so that no two workers race to create a store. Re-runs when a study's
    definition changes (e.g. more trials: the new trials are added to the existing studies).
    """
    output:
        STORAGE_READY,
    params:
        studies=all_studies_key(),
    log:
        f"{LOGS}/init_storage.log",
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        CONDA_ENV
    script:
        "../scripts/init_storage.py"


rule sweep_worker:
    """One long-lived worker of study (task, variant): claims and runs trials until the study has
    its n_trials finished trials. A killed worker's running trial is re-run by a later worker;
    finished trials are never re-run (the storage keeps them). Writes its marker at the end."""
    # Not ancient(): Snakemake 9 then skips the params check of the workers downstream of a job
    # that re-runs. So re-initialising the storage (a study changed) re-runs every worker; those
    # of unchanged studies find them complete and stop at once.
    input:
        data=TASK_INFO,
        storage=STORAGE_READY,
    output:
        WORKER_DONE,
    params:
        study=lambda wildcards: study_key(wildcards.task, wildcards.variant),
    threads: config["threads_per_worker"]
    log:
        f"{LOGS}/sweep/{{task}}/{{variant}}/worker{{worker}}.log",
    benchmark:
        f"{BENCHMARKS}/sweep/{{task}}/{{variant}}/worker{{worker}}.tsv"
    resources:
        mem_mb=8000,
        runtime=2880,
    conda:
        CONDA_ENV
    script:
        "../scripts/sweep_worker.py"


rule collect:
    """One trials table per task, read from the storage (the report's only input from the sweep)."""
    input:
        expand(WORKER_DONE, task="{task}", variant=VARIANTS, worker=WORKERS),
    output:
        TRIALS_CSV,
    log:
        f"{LOGS}/collect/{{task}}.log",
    conda:
        CONDA_ENV
    script:
        "../scripts/collect.py"
