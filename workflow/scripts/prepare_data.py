"""Rule prepare_data: build a task's splits once (real tasks cache them) and describe the task."""

import json
from pathlib import Path

from joblog import redirect

import tasks

with redirect(snakemake.log[0]):
    name = snakemake.wildcards.task
    info = tasks.get(name, **snakemake.config["tasks"][name]["options"]).info()
    Path(snakemake.output[0]).write_text(json.dumps(info, indent=2, default=str) + "\n")
