#!/usr/bin/env bash
# Copy a running study's Optuna journal into this checkout (whole lines only: a line being
# appended at that moment is left for the next snapshot) and collect its trials table beside it,
# so that the record can be committed while the study runs. A fresh clone resumes from it:
# `snakemake --configfile CONFIG` runs only the missing trials (running ones are re-run).
# Usage: bash scripts/snapshot_study.sh RUNNING_JOURNAL CONFIG [TASK ...]
#   (no TASK: every task of the config, one trials table each, e.g. the seed study's seven)
#   e.g. bash scripts/snapshot_study.sh /work/jsb-run/report/published/jsb/journal.log \
#        config/jsb.yaml jsb_chorales
set -euo pipefail
cd "$(dirname "$0")/.."
src=$1 config=$2
shift 2
if [ $# -gt 0 ]; then tasks=("$@"); else
  mapfile -t tasks < <(.venv/bin/python -c "import sys, yaml; print(*yaml.safe_load(open(sys.argv[1]))['tasks'], sep='\n')" "$config")
fi
dst=$(.venv/bin/python -c "import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))['storage'])" "$config")
[ "$(realpath -m "$src")" != "$(realpath -m "$dst")" ] || { echo "error: $src is the config's own storage" >&2; exit 2; }
mkdir -p "$(dirname "$dst")"
.venv/bin/python - "$src" "$dst" <<'PY'
import os, sys
src, dst = sys.argv[1:]
data = open(src, "rb").read()
data = data[: data.rfind(b"\n") + 1]
tmp = dst + ".tmp"
with open(tmp, "wb") as f:
    f.write(data)
os.replace(tmp, dst)
lines = data.count(b"\n")
print(f"{dst}: {len(data)} bytes, {lines} journal lines")
PY
mkdir -p "$(dirname "$dst")/trials"
for task in "${tasks[@]}"; do
  .venv/bin/odyssey collect --config "$config" --task "$task" --out "$(dirname "$dst")/trials/$task.csv"
done
