"""Validation of the configuration and the names shared by every rule file.

The configuration is checked by odyssey.config (the JSON schema workflow/schemas/config.schema.yaml
plus the task and variant registries and the data paths) before any job is planned: a bad key stops
the run with one line naming it. The validated dict (defaults filled, ODYSSEY_STORAGE and
MLFLOW_TRACKING_URI applied) replaces `config`, so every job sees the same complete configuration.
"""

import json
import sys

from odyssey.config import ConfigError, validate
from odyssey.sweep import StudySpec

try:
    _validated = validate(config)
except ConfigError as _error:
    sys.exit(f"invalid configuration: {_error}")
config.clear()
config.update(_validated)

RESULTS = config["results_dir"].rstrip("/")
TASKS = list(config["tasks"])
VARIANTS = list(config["variants"])
WORKERS = list(range(config["workers_per_study"]))
GRADIENTS = config["gradients"]["enabled"]

TASK_INFO = f"{RESULTS}/data/{{task}}.json"
STORAGE_READY = f"{RESULTS}/sweep/storage.ready"
WORKER_DONE = f"{RESULTS}/sweep/{{task}}/{{variant}}/worker{{worker}}.done"
TRIALS_CSV = f"{RESULTS}/trials/{{task}}.csv"
ANALYSIS_DIR = f"{RESULTS}/analysis/{{task}}"
GRADIENTS_CSV = f"{RESULTS}/gradients/gradients.csv"
REPORT_PDF = f"{RESULTS}/report/odyssey.pdf"
LOGS = f"{RESULTS}/logs"
CONDA_ENV = "../../environment.yml"  # for --use-conda (relative to the rule files)
BENCHMARKS = f"{RESULTS}/benchmarks"


wildcard_constraints:
    task="|".join(TASKS),
    variant="|".join(VARIANTS),
    worker=r"\d+",


def canonical(value):
    """A stable string for a `params` rerun trigger: the order of dict keys does not matter."""
    return json.dumps(value, sort_keys=True, default=str)


def study_key(task, variant):
    """What defines one study (the engine's fingerprint and n_trials) as a string: the worker
    jobs' params, so that a change re-runs them (more trials: the study is extended)."""
    spec = StudySpec.from_config(config, task, variant)
    return f"{spec.fingerprint()} n_trials={spec.n_trials}"


def all_studies_key():
    """What defines every study of the config: a change re-runs the storage initialisation."""
    return "\n".join(f"{t}/{v}: {study_key(t, v)}" for t in TASKS for v in VARIANTS)
