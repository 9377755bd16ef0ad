"""Rules init_storage and init_task: create the stores and studies, or extend one task's studies.

``init_storage`` is idempotent: existing studies are kept, a raised n_trials enqueues the new trials
(a changed budget, search space or seed is refused in one line).
"""

import json
from pathlib import Path

from joblog import redirect

from odyssey.sweep.worker import init_storage

cfg = dict(snakemake.config)
cfg["tasks"] = {task: cfg["tasks"][task] for task in snakemake.params.tasks}
with redirect(snakemake.log[0]):
    init_storage(cfg)
    Path(snakemake.output[0]).write_text(json.dumps({"tasks": list(cfg["tasks"])}) + "\n")
