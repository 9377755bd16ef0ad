"""LSTM Odyssey: from a study configuration to the PDF report.

    .venv/bin/snakemake --cores all                                   # the quick study (config/config.yaml)
    .venv/bin/snakemake --cores all --configfile config/smoke.yaml    # about a minute (CI)
    .venv/bin/snakemake --profile profiles/slurm --configfile config/paper.yaml   # a SLURM cluster

prepare data (per task) -> init storage (once) -> init task (per task: its studies' trials) ->
sweep workers (per task, variant) -> collect (per task) -> analysis (per task) -> gradient probe
-> report. `snakemake export` (not part of `all`) writes the study as a dataset (odyssey.export).
See config/README.md for the keys.
"""

import sys

from snakemake.utils import min_version

min_version("9.0")

# Import the project's packages from this checkout, also before `pip install -e .`.
sys.path.insert(0, workflow.basedir)

# The quick study, unless configuration files are given on the command line (--configfile): those
# replace it instead of being merged into it.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/sweep.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/export.smk"


localrules:
    all,
    init_storage,
    init_task,
    collect,
    export,


rule all:
    input:
        REPORT_PDF,
        expand(TRIALS_CSV, task=TASKS),
    default_target: True
