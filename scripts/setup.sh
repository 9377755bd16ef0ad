#!/usr/bin/env bash
# Create .venv/ in the project root and install the project with its exact pins.
# torch is installed first and alone: `torch==2.13.0` resolves to the CPU build that lies on disk,
# whereas letting another package pull torch in could fetch a several-GB CUDA build.
# Usage: bash scripts/setup.sh [--dev]     (--dev adds pytest and ruff)
set -euo pipefail
cd "$(dirname "$0")/.."
extra=""
[ "${1:-}" = "--dev" ] && extra="[dev]"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".${extra}"
.venv/bin/python -m pip check
# The compiled cell loops (cached under .venv/odyssey-native/). Without a C++ compiler this prints
# one line and the cells run their pure-PyTorch loops instead.
.venv/bin/python -m variants.compile_loops || echo "note: continuing with the pure-PyTorch cell loops" >&2
