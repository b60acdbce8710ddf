#!/usr/bin/env bash
# Stop what .ci/slurm-up.sh started, by pid file: slurmd first, munged last. Idempotent (nothing
# running: nothing to do) and quiet; exits 1 naming any daemon that would not stop.
#   SLURM_RESET=1   also wipe the cluster state (job ids, node state, logs; the accounting
#                   database is kept).
set -uo pipefail

failed=""
for pf in /run/slurmd.pid /run/slurmctld.pid /run/slurmdbd.pid /run/mysqld/mysqld.pid /run/munge/munged.pid; do
  [ -s "$pf" ] || { rm -f "$pf"; continue; }
  pid=$(cat "$pf")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -9 "$pid" 2>/dev/null
      sleep 0.5
      kill -0 "$pid" 2>/dev/null && failed="$failed $pf($pid)"
    fi
  fi
  # A stale /run/slurmctld.pid makes a later `apt-get purge slurmctld` fail (docs/layout.md#ci-slurm-cluster, pitfall 5).
  rm -f "$pf"
done

if [ "${SLURM_RESET:-0}" = 1 ]; then
  rm -rf /var/lib/slurm/slurmctld/* /var/lib/slurm/slurmd/* /var/log/slurm/*
fi

if [ -n "$failed" ]; then
  echo "slurm-down: ERROR: could not stop:$failed" >&2
  exit 1
fi
exit 0
