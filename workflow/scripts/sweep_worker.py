"""Rule sweep_worker: run trials of one (task, variant) study until it has its n_trials.

The device comes from the config (``auto``: the GPU that the scheduler made visible through
CUDA_VISIBLE_DEVICES, else the CPU); the torch threads from the threads Snakemake granted the job.
"""

import json
import os
from pathlib import Path

from joblog import redirect

from odyssey.fast_exit import exit_now
from odyssey.study.locations import Locations
from odyssey.study.spec import StudySpec
from odyssey.sweep.worker import run_worker

cfg = snakemake.config
task, variant = snakemake.wildcards.task, snakemake.wildcards.variant
worker = int(snakemake.wildcards.worker)
with redirect(snakemake.log[0]):
    print(
        f"worker {worker} of study {task}/{variant}: device={cfg['device']} "
        f"threads={snakemake.threads} "
        f"CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', '')} "
        f"SLURM_JOB_ID={os.environ.get('SLURM_JOB_ID', '')}",
        flush=True,
    )
    ran = run_worker(
        StudySpec.from_config(cfg, task, variant),
        Locations.from_config(cfg),
        device=cfg["device"],
        threads=snakemake.threads,
        worker_index=worker,
    )
    done = {"task": task, "variant": variant, "worker": worker, "trials_run": ran}
    Path(snakemake.output[0]).write_text(json.dumps(done) + "\n")

# Everything is written and closed (tracking drained by run_worker, the log restored by redirect,
# the marker written): skip the interpreter's 0.8-1.6 s torch/MLflow teardown. Only reached on the
# normal path; an exception above propagates and exits the ordinary way.
exit_now(0)
