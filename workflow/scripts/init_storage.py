"""Rules init_storage and init_task: create the stores and studies, or extend one task's studies.

``init_storage`` is idempotent: existing studies are kept, a raised n_trials enqueues the new trials
(a changed budget, search space or seed is refused in one line).
"""

import json
from pathlib import Path

from joblog import redirect

from odyssey.study.locations import Locations
from odyssey.study.spec import task_specs
from odyssey.sweep.studies import init_storage

cfg = snakemake.config
tasks = list(snakemake.params.tasks)
with redirect(snakemake.log[0]):
    init_storage([s for task in tasks for s in task_specs(cfg, task)], Locations.from_config(cfg))
    Path(snakemake.output[0]).write_text(json.dumps({"tasks": tasks}) + "\n")
