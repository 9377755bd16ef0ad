"""Rule init_storage: create every study of the config and the MLflow store, before any worker."""

import json
from pathlib import Path

from joblog import redirect

from odyssey.sweep import init_storage

with redirect(snakemake.log[0]):
    init_storage(snakemake.config)
    ready = {key: snakemake.config[key] for key in ("storage", "tracking_uri")}
    Path(snakemake.output[0]).write_text(json.dumps(ready, indent=2) + "\n")
