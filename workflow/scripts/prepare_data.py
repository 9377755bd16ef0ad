"""Rule prepare_data: build a task's splits once (real tasks cache them) and describe the task."""

import json
from pathlib import Path

from joblog import redirect

import tasks

with redirect(snakemake.log[0]):
    info = tasks.get(snakemake.wildcards.task, **snakemake.params.options).info()
    Path(snakemake.output[0]).write_text(json.dumps(info, indent=2, default=str) + "\n")
