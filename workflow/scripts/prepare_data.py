"""Rule prepare_data: build a task's splits once (real tasks cache them) and describe the task
(an alias's task with the alias's options)."""

import json
from pathlib import Path

from joblog import redirect

import tasks
from odyssey.study.config import registry_task

with redirect(snakemake.log[0]):
    name = snakemake.wildcards.task  # a registry name, or an alias such as adding_lag100
    entry = snakemake.config["tasks"][name]
    info = tasks.get(registry_task(snakemake.config, name), **entry["options"]).info()
    Path(snakemake.output[0]).write_text(json.dumps(info, indent=2, default=str) + "\n")
