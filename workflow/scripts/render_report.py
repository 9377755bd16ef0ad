"""Rule render_report: figures, tables and the PDF from the analysis folders."""

from pathlib import Path

from joblog import redirect

from odyssey.render.report import build_report
from odyssey.study.locations import redacted_config

gradients = Path(snakemake.input.gradients[0]) if snakemake.input.gradients else None
with redirect(snakemake.log[0]):
    pdf = build_report(
        redacted_config(snakemake.config),  # the report prints the config: no passwords
        [Path(folder) for folder in snakemake.input.analysis],
        gradients,
        Path(snakemake.output[0]),
    )
    print(f"report -> {pdf}")
