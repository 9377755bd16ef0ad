"""Rule export: every finished trial of the config's studies as a dataset (Parquet + data sheet)."""

from pathlib import Path

from joblog import redirect

from odyssey.export.dataset import export_study
from odyssey.study.locations import Locations
from odyssey.study.spec import specs_from_config

cfg = snakemake.config
with redirect(snakemake.log[0]):
    out = export_study(
        specs_from_config(cfg), Locations.from_config(cfg), Path(snakemake.output[0]).parent
    )
    print(f"dataset -> {out}")
