rule prepare_data:
    """Build (and cache) the three splits of a task once; write its description as JSON."""
    output:
        TASK_INFO,
    params:
        options=lambda wildcards: canonical(config["tasks"][wildcards.task]["options"]),
    log:
        f"{LOGS}/prepare_data/{{task}}.log",
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        CONDA_ENV
    script:
        "../scripts/prepare_data.py"
