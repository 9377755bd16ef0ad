rule render_report:
    """Figures, tables and the PDF, from the analysis folders (and the gradient probe) only."""
    input:
        analysis=expand(ANALYSIS_DIR, task=TASKS),
        gradients=[GRADIENTS_CSV] if GRADIENTS else [],
    output:
        REPORT_PDF,
    params:
        study=config["study"],
        quick=config["quick"],
    log:
        f"{LOGS}/report.log",
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        CONDA_ENV
    script:
        "../scripts/render_report.py"
