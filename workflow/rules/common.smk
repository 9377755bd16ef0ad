"""Validation of the configuration and the names shared by every rule file.

The configuration is checked by odyssey.study.config (the JSON schema
workflow/schemas/config.schema.yaml plus the task and variant registries, the models and the data
paths)
before any job is planned: a bad key stops the run with one line naming it, and so does a
storage or tracking server that does not answer (odyssey.study.servers). The validated dict (defaults filled, ODYSSEY_STORAGE and
MLFLOW_TRACKING_URI applied) replaces `config`, so every job sees the same complete configuration.
"""

import json
import os
import re
import sys

from odyssey.study.config import ConfigError, validate
from odyssey.study.locations import redact
from odyssey.study.models import model_names
from odyssey.study.questions import task_models
from odyssey.study.servers import unreachable
from odyssey.study.spec import StudySpec

try:
    _validated = validate(config)
except ConfigError as _error:
    sys.exit(f"invalid configuration: {_error}")
# A storage or tracking server that does not answer stops the run here, before any job starts.
_down = unreachable(_validated, os.environ)
if _down:
    sys.exit(f"server not reachable: {_down}")
config.clear()
config.update(_validated)

RESULTS = config["results_dir"].rstrip("/")
TASKS = list(config["tasks"])
VARIANTS = model_names(config)  # the models' names (plain variants: the cells' names)
TASK_VARIANTS = {task: list(task_models(config, task)) for task in TASKS}  # a task's `models`
WORKERS = list(range(config["workers_per_study"]))
GRADIENTS = config["gradients"]["enabled"]

TASK_INFO = f"{RESULTS}/data/{{task}}.json"
STORAGE_READY = f"{RESULTS}/sweep/storage.ready"
TASK_READY = f"{RESULTS}/sweep/{{task}}/studies.ready"
WORKER_DONE = f"{RESULTS}/sweep/{{task}}/{{variant}}/worker{{worker}}.done"
TRIALS_CSV = f"{RESULTS}/trials/{{task}}.csv"
ANALYSIS_DIR = f"{RESULTS}/analysis/{{task}}"
GRADIENTS_CSV = f"{RESULTS}/gradients/gradients.csv"
REPORT_PDF = f"{RESULTS}/report/odyssey.pdf"
LOGS = f"{RESULTS}/logs"
BENCHMARKS = f"{RESULTS}/benchmarks"
CONDA_ENV = "../../environment.yml"  # the conda: of every rule (relative to the rule files)


wildcard_constraints:
    task="|".join(re.escape(name) for name in TASKS),
    variant="|".join(re.escape(name) for name in VARIANTS),
    worker=r"\d+",


def canonical(value):
    """A stable string for a `params` rerun trigger: the order of dict keys does not matter."""
    return json.dumps(value, sort_keys=True, default=str)


def study_key(task, variant, *, with_trials=True):
    """What defines one study (the engine's fingerprint, and n_trials) as a string."""
    spec = StudySpec.from_config(config, task, variant)
    return f"{spec.fingerprint()} n_trials={spec.n_trials}" if with_trials else spec.fingerprint()


def storage_key():
    """What the once-only initialisation depends on: where the stores are and which studies they
    hold (not how many trials: init_task adds trials to the studies of one task)."""
    return canonical(
        {
            # redacted: the metadata Snakemake keeps of params must not hold a password
            "storage": config["storage"] and redact(config["storage"]),
            "tracking_uri": config["tracking_uri"] and redact(config["tracking_uri"]),
            "results_dir": RESULTS,
            "studies": {
                f"{t}/{v}": study_key(t, v, with_trials=False)
                for t in TASKS
                for v in TASK_VARIANTS[t]
            },
        }
    )


def task_key(task):
    """What the studies of one task depend on, n_trials included."""
    return "\n".join(study_key(task, v) for v in TASK_VARIANTS[task])
