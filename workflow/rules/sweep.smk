rule init_storage:
    """Create the Optuna storage, the MLflow store and every study of the config, once.

    Runs before any other job that touches a store: two processes creating a store at the same
    moment race. Re-runs only when the stores or the set of studies change.
    """
    output:
        STORAGE_READY,
    params:
        key=storage_key(),
        tasks=TASKS,
    log:
        f"{LOGS}/init_storage.log",
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        CONDA_ENV
    script:
        "../scripts/init_storage.py"


rule init_task:
    """Bring the studies of one task to the config's n_trials (enqueue the new trials).

    A no-op right after init_storage; after n_trials of the task was raised it extends its studies,
    and only this task's workers run again (finished trials are kept).
    """
    input:
        STORAGE_READY,
    output:
        TASK_READY,
    params:
        key=lambda wildcards: task_key(wildcards.task),
        tasks=lambda wildcards: [wildcards.task],
    log:
        f"{LOGS}/init_task/{{task}}.log",
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
    input:
        data=TASK_INFO,
        studies=TASK_READY,
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
        lambda wildcards: expand(
            WORKER_DONE,
            task=wildcards.task,
            variant=TASK_VARIANTS[wildcards.task],
            worker=WORKERS,
        ),
    output:
        TRIALS_CSV,
    log:
        f"{LOGS}/collect/{{task}}.log",
    conda:
        CONDA_ENV
    script:
        "../scripts/collect.py"
