#!/usr/bin/env bash
# Set up .venv/ (with the dev tools) and run the checks: ruff lint, then the whole test suite.
# The server tests start a real PostgreSQL server and a single-node SLURM themselves from Debian's
# packages; scripts/system_packages.sh installs them when missing (root and Debian's registry needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system_packages.sh
bash scripts/setup.sh --dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
