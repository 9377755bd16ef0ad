from odyssey.study.probe import probe_inputs


rule analyse:
    """Statistics of one task from its trials table: box-plot data, Welch tests against the reference, fANOVA."""
    input:
        TRIALS_CSV,
    output:
        directory(ANALYSIS_DIR),
    params:
        quick=config["quick"],
        # the fANOVA's box is the task's configured search space
        search_space=lambda wildcards: canonical(config["tasks"][wildcards.task]["search_space"]),
        # the model every other is tested against (config reference, default V)
        reference=config.get("reference") or "V",
    log:
        f"{LOGS}/analyse/{{task}}.log",
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        CONDA_ENV
    script:
        "../scripts/analyse.py"


rule gradients:
    """The vanishing-gradient probe: gradient norms and success rate against the lag."""
    output:
        GRADIENTS_CSV,
    params:
        # what the probe depends on: its own section, the seed, and its tasks' options and budgets
        probe=canonical(probe_inputs(config)),
    threads: config["threads_per_worker"]
    log:
        f"{LOGS}/gradients.log",
    benchmark:
        f"{BENCHMARKS}/gradients.tsv"
    resources:
        mem_mb=4000,
        runtime=240,
    conda:
        CONDA_ENV
    script:
        "../scripts/gradients.py"
