#!/usr/bin/env bash
# Install the Debian packages the server tests need, when missing: a PostgreSQL server (the
# multi-worker storage tests) and a single-node SLURM (slurmctld, slurmd, munge: the cluster
# test). Needs root and apt-get; elsewhere it says so once and those tests skip with the reason.
set -euo pipefail
need=()
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
for binary in slurmctld slurmd munged sbatch; do
  if ! command -v "$binary" >/dev/null 2>&1; then
    need+=(slurm-wlm slurmctld slurmd munge)
    break
  fi
done
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${need[*]} (Debian packages for the server tests)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "note: ${need[*]} absent and cannot be installed here (root and apt-get needed); their tests will skip" >&2
fi
