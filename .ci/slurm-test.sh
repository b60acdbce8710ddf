#!/usr/bin/env bash
# Cluster-profile test: run config/tiny.yaml through a real one-node SLURM cluster (profile
# profiles/slurm-ci) and locally (--cores 2), each in a fresh temporary directory, check
# with sacct that the jobs really went through SLURM, and check that the science tables are
# byte-identical (figures may differ in bytes and are only checked to exist).
#
# Skips (exit 0) unless root on Debian with apt-get: it installs and starts SLURM daemons
# (.ci/slurm-up.sh). The cluster is always torn down on exit (.ci/slurm-down.sh).
# Prints one final line `PASS slurm-test: ...` or `FAIL slurm-test: ...`; exit 1 on failure.
#   SLURM_TEST_TARGETS=...   what both runs build (default: the tidy table
#                  results/tables/trajectories.csv, i.e. data -> training -> table, a few
#                  minutes); `all` builds the whole workflow (every table and figure: ~12 min on
#                  2 cores); anything else is passed to snakemake as its targets.
#   KEEP_WORK=1   keep the temporary directories (kept anyway on failure).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T0=$(date +%s)
elapsed() { echo $(($(date +%s) - T0)); }
skip() { echo "SKIP slurm-test: $1"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root (installs and starts the SLURM daemons)"
[ -r /etc/debian_version ] || skip "needs Debian (the cluster comes from Debian's slurm packages)"
command -v apt-get >/dev/null 2>&1 || skip "apt-get is not available"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lowrot-slurm-test.XXXXXX")
WORK=$(cd "$WORK" && pwd -P)   # sacct reports the physical working directory
ok=0
local_pid=""
cleanup() {
  [ -n "$local_pid" ] && kill "$local_pid" 2>/dev/null
  bash "$REPO/.ci/slurm-down.sh" || echo "slurm-test: WARNING: cluster teardown reported a problem"
  if [ "$ok" = 1 ] && [ "${KEEP_WORK:-0}" != 1 ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() {
  echo "FAIL slurm-test: $1 (after $(elapsed) s; logs and outputs kept in $WORK)"
  exit 1
}
show_tail() { echo "---- last lines of $1 ----"; tail -n "${2:-40}" "$1"; echo "----"; }

command -v snakemake >/dev/null 2>&1 || fail "snakemake is not on PATH"

# Both runs use this checkout's workflow and library, and no user or site profile.
export PYTHONPATH="$REPO/src${PYTHONPATH:+:$PYTHONPATH}"
export MPLBACKEND=Agg PYTHONUNBUFFERED=1
unset SNAKEMAKE_PROFILE
SMK=(snakemake -s "$REPO/Snakefile" --configfile "$REPO/config/tiny.yaml" --workflow-profile none)
TARGETS=${SLURM_TEST_TARGETS:-results/tables/trajectories.csv}
[ "$TARGETS" = all ] && TARGETS=""
# shellcheck disable=SC2206  # targets are plain paths or rule names, split on spaces
TARGET_ARGS=($TARGETS)
echo "slurm-test: config/tiny.yaml, targets: ${TARGETS:-all (the whole workflow)}"

# The local run needs no cluster: start it now; it runs beside the cluster start and the SLURM run.
mkdir -p "$WORK/local" "$WORK/slurm"
"${SMK[@]}" --directory "$WORK/local" --cores 2 "${TARGET_ARGS[@]}" >"$WORK/local.log" 2>&1 &
local_pid=$!

t=$(date +%s)
bash "$REPO/.ci/slurm-up.sh" >"$WORK/slurm-up.log" 2>&1 || { show_tail "$WORK/slurm-up.log"; fail "the SLURM cluster did not come up"; }
t_up=$(($(date +%s) - t))
sed 's/^/  /' "$WORK/slurm-up.log"
SINCE=$(date -d "@$t" +%Y-%m-%dT%H:%M:%S)

t=$(date +%s)
timeout 1800 "${SMK[@]}" --directory "$WORK/slurm" --profile "$REPO/profiles/slurm-ci" \
  "${TARGET_ARGS[@]}" >"$WORK/slurm.log" 2>&1
rc=$?
t_slurm=$(($(date +%s) - t))
[ "$rc" = 0 ] || { show_tail "$WORK/slurm.log" 60; fail "snakemake through SLURM exited with $rc"; }

# The local run went on beside the cluster start and the SLURM run (which mostly waits on polls).
t=$(date +%s)
wait "$local_pid"
rc=$?
local_pid=""
t_local_wait=$(($(date +%s) - t))
[ "$rc" = 0 ] || { show_tail "$WORK/local.log" 60; fail "the local snakemake run exited with $rc"; }


# --- the jobs went through SLURM: every submission snakemake logged is COMPLETED in sacct -------
submitted=$(grep -oE 'submitted with SLURM jobid [0-9]+' "$WORK/slurm.log" | awk '{print $NF}' | sort -n)
n_sub=$(printf '%s\n' $submitted | grep -c .)
[ "$n_sub" -gt 0 ] || fail "snakemake logged no SLURM submissions (did it run the jobs locally?)"
sacct -a -X -n -P -S "$SINCE" -o JobID,State,Elapsed,AllocCPUS,WorkDir,Comment >"$WORK/sacct.txt" \
  || fail "sacct failed"
# Only this run's jobs (their working directory is this run's directory).
awk -F'|' -v d="$WORK/slurm" '$5 == d' "$WORK/sacct.txt" >"$WORK/sacct-run.txt"
echo "sacct (this run's SLURM jobs: JobID|State|Elapsed|AllocCPUS|Comment=rule or group):"
cut -d'|' -f1-4,6 "$WORK/sacct-run.txt" | sed 's/^/  /'
n_done=$(awk -F'|' '$2 == "COMPLETED"' "$WORK/sacct-run.txt" | grep -c .)
n_other=$(awk -F'|' '$2 != "COMPLETED"' "$WORK/sacct-run.txt" | grep -c .)
for id in $submitted; do
  awk -F'|' -v j="$id" '$1 == j && $2 == "COMPLETED" {f=1} END {exit !f}' "$WORK/sacct-run.txt" \
    || fail "SLURM job $id (submitted by snakemake) is not COMPLETED in sacct"
done
[ "$n_other" = 0 ] || fail "$n_other SLURM job(s) of this run are not COMPLETED"
[ "$n_done" = "$n_sub" ] || fail "sacct shows $n_done COMPLETED jobs for this run, snakemake submitted $n_sub"

# --- same science: the tidy table (and every other science table) byte for byte ---------------
TABLE=results/tables/trajectories.csv
[ -s "$WORK/slurm/$TABLE" ] || fail "the SLURM run did not write $TABLE"
[ -s "$WORK/local/$TABLE" ] || fail "the local run did not write $TABLE"
cmp -s "$WORK/slurm/$TABLE" "$WORK/local/$TABLE" || {
  diff <(head -c 100000 "$WORK/local/$TABLE") <(head -c 100000 "$WORK/slurm/$TABLE") | head -n 20
  fail "$TABLE differs between the SLURM and the local run"
}
# Timings live under results/benchmarks/ and are expected to differ; every other CSV is science.
(cd "$WORK/local" && find results -name '*.csv' -not -path 'results/benchmarks/*' | sort) >"$WORK/csv-local.txt"
(cd "$WORK/slurm" && find results -name '*.csv' -not -path 'results/benchmarks/*' | sort) >"$WORK/csv-slurm.txt"
cmp -s "$WORK/csv-local.txt" "$WORK/csv-slurm.txt" \
  || { diff "$WORK/csv-local.txt" "$WORK/csv-slurm.txt"; fail "the two runs wrote different sets of tables"; }
n_csv=0
while read -r f; do
  cmp -s "$WORK/local/$f" "$WORK/slurm/$f" || fail "$f differs between the SLURM and the local run"
  n_csv=$((n_csv + 1))
done <"$WORK/csv-local.txt"
# figures/: text outputs (claims and margin tables: csv, md, tex) are science, byte for byte;
# images only have to exist in both runs, non-empty (their bytes may differ: fonts, metadata).
(cd "$WORK/local" && find figures -type f 2>/dev/null | sort) >"$WORK/fig-local.txt"
(cd "$WORK/slurm" && find figures -type f 2>/dev/null | sort) >"$WORK/fig-slurm.txt"
cmp -s "$WORK/fig-local.txt" "$WORK/fig-slurm.txt" \
  || { diff "$WORK/fig-local.txt" "$WORK/fig-slurm.txt"; fail "the two runs wrote different sets of files under figures/"; }
n_img=0
while read -r f; do
  case "$f" in
    *.csv | *.md | *.tex | *.txt)
      cmp -s "$WORK/local/$f" "$WORK/slurm/$f" || fail "$f differs between the SLURM and the local run"
      n_csv=$((n_csv + 1)) ;;
    *)
      [ -s "$WORK/slurm/$f" ] || fail "empty file $f in the SLURM run"
      n_img=$((n_img + 1)) ;;
  esac
done <"$WORK/fig-slurm.txt"

rows=$(($(wc -l <"$WORK/slurm/$TABLE") - 1))
sha=$(sha256sum "$WORK/slurm/$TABLE" | cut -c1-16)
ok=1
echo "PASS slurm-test: $n_done SLURM jobs COMPLETED in sacct (= snakemake's $n_sub submissions);" \
  "$TABLE identical to the local run ($rows rows, sha256 $sha...), $n_csv science tables identical," \
  "$n_img figures present in both; $(elapsed) s in all" \
  "(cluster up ${t_up} s, SLURM run ${t_slurm} s, local run done ${t_local_wait} s after it; both runs side by side)"
