#!/usr/bin/env bash
# Set up .venv/ (with the dev tools) and run the checks: ruff lint, then the whole test suite.
# The multi-worker storage tests start a real PostgreSQL server themselves from Debian's package;
# this script installs the package when its binaries are missing (root and Debian's registry needed).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "note: PostgreSQL binaries absent and cannot be installed here; its tests will skip" >&2
  fi
fi
bash scripts/setup.sh --dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
