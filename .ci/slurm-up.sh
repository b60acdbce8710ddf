#!/usr/bin/env bash
# Start a real single-node SLURM cluster (munge + MariaDB + slurmdbd + slurmctld + slurmd) on
# Debian 12 as root, without systemd. Notes and pitfalls: docs/layout.md#ci-slurm-cluster.
#
# Idempotent: a daemon that is already running (per its pid file) is left alone, packages are
# installed only when missing, accounting entries are added only when absent. Quiet on success
# (one summary line); on failure it prints what failed and the tail of the relevant log, exit 1.
#
#   CI_USER=<name>   extra (non-root) user allowed to submit (added to accounting); default root.
#
# Accounting (slurmdbd) is always on: snakemake-executor-plugin-slurm queries job states with
# sacct and, without accounting, waits forever (docs/layout.md#ci-slurm-cluster, pitfall 1). Stop with .ci/slurm-down.sh.
set -euo pipefail

CI_USER=${CI_USER:-root}
CLUSTER=ci
ACCOUNT=ci_acct
PARTITION=debug

die() {
  echo "slurm-up: ERROR: $1" >&2
  if [ -n "${2:-}" ] && [ -s "$2" ]; then
    echo "---- last lines of $2 ----" >&2
    tail -n 20 "$2" >&2
  fi
  exit 1
}

# running PIDFILE: true when the pid in PIDFILE is alive.
running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# wait_for SECONDS CMD...: poll CMD every 0.5 s until it succeeds or SECONDS pass.
wait_for() {
  local n=$(($1 * 2)); shift
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  return 1
}

[ "$(id -u)" = 0 ] || die "must run as root (SLURM's slurmd and the package install need it)"
[ -r /etc/debian_version ] && command -v apt-get >/dev/null || die "needs Debian with apt-get"

HOST=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(awk '/MemTotal/{print int($2/1024*0.9)}' /proc/meminfo)

# --- packages (only when missing) -----------------------------------------------------------
PKGS="munge slurmctld slurmd slurm-client slurmdbd mariadb-server"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  # Keep the packages' maintainer scripts from starting the daemons (with systemd they would
  # start with the stock config); we start them ourselves below. Docker images already ship
  # a policy-rc.d that does this; only add (and later remove) ours when there is none.
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  apt_log=$(mktemp)
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } >"$apt_log" 2>&1; then
    [ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    die "apt-get install of$missing failed" "$apt_log"
  fi
  [ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  rm -f "$apt_log"
fi

# The node name must resolve (slurmd looks itself up by `hostname -s`).
getent hosts "$HOST" >/dev/null || echo "127.0.0.1 $HOST" >> /etc/hosts

# --- munge ----------------------------------------------------------------------------------
[ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge
if ! running /run/munge/munged.pid; then
  runuser -u munge -- /usr/sbin/munged || die "munged did not start" /var/log/munge/munged.log
fi
wait_for 10 sh -c 'munge -n | unmunge' || die "munge credentials do not round-trip" /var/log/munge/munged.log

# --- config files (rewritten each time; identical content on a re-up) ---------------------------
install -d -o slurm -g slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<EOF
# Written by lowrot .ci/slurm-up.sh: one-node CI cluster.
ClusterName=$CLUSTER
SlurmctldHost=$HOST
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageEnforce=associations
AccountingStoreFlags=job_comment
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=300
KillWait=5
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmdSpoolDir=/var/lib/slurm/slurmd
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
cat > /etc/slurm/slurmdbd.conf <<EOF
AuthType=auth/munge
DbdHost=localhost
SlurmUser=slurm
LogFile=/var/log/slurm/slurmdbd.log
PidFile=/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=slurmci
StorageLoc=slurm_acct_db
EOF
chown slurm:slurm /etc/slurm/slurmdbd.conf && chmod 0600 /etc/slurm/slurmdbd.conf

# --- accounting: MariaDB + slurmdbd -----------------------------------------------------------
install -d -o mysql -g mysql /run/mysqld
if ! running /run/mysqld/mysqld.pid; then
  # setsid: the server must not die with this script's session (e.g. a CI step's shell).
  setsid /usr/sbin/mariadbd --user=mysql >/var/log/mariadb-ci.log 2>&1 < /dev/null &
fi
wait_for 60 mariadb -e 'select 1' || die "MariaDB did not come up" /var/log/mariadb-ci.log
mariadb -e "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurmci';
            GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;" \
  || die "could not create the slurm database user"

running /run/slurmdbd.pid || slurmdbd || die "slurmdbd did not start" /var/log/slurm/slurmdbd.log
wait_for 30 sacctmgr -n list cluster || die "slurmdbd does not answer sacctmgr" /var/log/slurm/slurmdbd.log

sacctmgr -n -P list cluster format=Cluster | grep -qx "$CLUSTER" \
  || sacctmgr -i add cluster "$CLUSTER" >/dev/null || die "sacctmgr add cluster $CLUSTER failed"
sacctmgr -n -P list account format=Account | grep -qx "$ACCOUNT" \
  || sacctmgr -i add account "$ACCOUNT" Description=ci Organization=ci >/dev/null \
  || die "sacctmgr add account $ACCOUNT failed"
for u in $(printf '%s\n' root "$CI_USER" | sort -u); do
  # root already has an association with account `root`; add one with $ACCOUNT and make it
  # the default, so jobs are charged to $ACCOUNT whether or not slurm_account is given.
  sacctmgr -n -P list assoc user="$u" account="$ACCOUNT" format=User | grep -qx "$u" \
    || sacctmgr -i add user "$u" Account="$ACCOUNT" DefaultAccount="$ACCOUNT" >/dev/null \
    || die "sacctmgr add user $u (account $ACCOUNT) failed"
  [ "$(sacctmgr -n -P list user "$u" format=DefaultAccount)" = "$ACCOUNT" ] \
    || sacctmgr -i modify user where name="$u" set DefaultAccount="$ACCOUNT" >/dev/null \
    || die "could not make $ACCOUNT the default account of $u"
done

# --- controller + node daemon (both daemonize; slurmd must run as root) ------------------------
running /run/slurmctld.pid || slurmctld || die "slurmctld did not start" /var/log/slurm/slurmctld.log
wait_for 30 scontrol ping || die "slurmctld does not answer" /var/log/slurm/slurmctld.log
running /run/slurmd.pid || slurmd || die "slurmd did not start" /var/log/slurm/slurmd.log

node_ready() { sinfo -h -n "$HOST" -o %t | grep -Eqx 'idle|mix|alloc'; }
if ! wait_for 30 node_ready; then
  # A node left drained/down by an earlier run (state persists in StateSaveLocation): resume it.
  scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true
  wait_for 15 node_ready || die "node $HOST is not usable: $(sinfo -h -N -o '%N %t %E')" /var/log/slurm/slurmd.log
fi
out=$(timeout 60 srun -N1 -p "$PARTITION" -t 1 hostname 2>&1) \
  || die "test job (srun hostname) failed: $out" /var/log/slurm/slurmctld.log
echo "slurm-up: cluster '$CLUSTER' ready: node $HOST ($CPUS CPUs, $MEM_MB MB), partition $PARTITION, account $ACCOUNT, accounting on"
