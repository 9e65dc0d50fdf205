#!/bin/bash
# A one-host Slurm cluster for crjob's end-to-end tests (CI) and for trying crjob by hand:
#   scripts/slurm-cluster.sh start | stop | status
# Needs root and Debian's `slurm-wlm` and `munge` packages (apt-get install -y slurm-wlm munge).
# The configuration is the one that worked on Slurm 22.05 in ../shared/reference/slurm.md, but
# for KillWait=30 (scancel/time limit: TERM, then KILL 30 s later; reference/slurm.md used 10, and
# a DMTCP final checkpoint under a loaded 2-core machine once took longer): Slurm's own default,
# and what sites set or more. JobRequeue=1, partitions "normal" (no limit) and "short"
# (MaxTime=1), 8 CPUs on a smaller machine (config_overrides) so several test jobs run at once,
# and a jobcomp text file with a line per finished job.
#
# It writes /etc/slurm/slurm.conf (the packages' default path, so every client finds it without
# SLURM_CONF) only when there is none or when it is the one this script wrote before; a
# slurm.conf of your own is left alone unless CRJOB_SLURM_FORCE=1.
set -euo pipefail

CONF=${SLURM_CONF:-/etc/slurm/slurm.conf}
MARK='# Written by crjob scripts/slurm-cluster.sh'
LOG_DIR=/var/log/slurm
JOBCOMP=$LOG_DIR/jobcomp.txt
HOST=$(hostname -s)
# A requeued job may start again only after the job credential's lifetime (AuthInfo cred_expire,
# default 120 s: "This also controls how long a requeued job must wait before starting again",
# slurm.conf(5) of 22.05); observed ~150 s with the default. 10 s keeps the requeue tests short.
CRED_EXPIRE=${CRJOB_SLURM_CRED_EXPIRE:-10}

say() { printf 'slurm-cluster: %s\n' "$*"; }

write_conf() {
  if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF" && [ "${CRJOB_SLURM_FORCE:-0}" != 1 ]; then
    say "$CONF exists and was not written by this script: using it as it is (CRJOB_SLURM_FORCE=1 replaces it)"
    return 0
  fi
  mkdir -p "$(dirname "$CONF")" "$LOG_DIR" /var/spool/slurmctld /var/spool/slurmd
  cat >"$CONF.tmp.$$" <<CONF
$MARK; rewritten by each start.
ClusterName=crjob
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=cred_expire=$CRED_EXPIRE
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1,sched_min_interval=0,sched_interval=1
ReturnToService=2
JobRequeue=1
KillWait=30
MinJobAge=300
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$JOBCOMP
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmdParameters=config_overrides
NodeName=$HOST CPUs=8 RealMemory=1000 State=UNKNOWN
PartitionName=normal Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
PartitionName=short Nodes=$HOST MaxTime=1 State=UP
CONF
  mv -f "$CONF.tmp.$$" "$CONF"
}

running() { pgrep -x "$1" >/dev/null 2>&1; }

start() {
  [ "$(id -u)" = 0 ] || { say "error: needs root"; exit 1; }
  for cmd in munged slurmctld slurmd sinfo; do
    command -v "$cmd" >/dev/null 2>&1 || { say "error: $cmd not found (apt-get install -y slurm-wlm munge)"; exit 1; }
  done
  # slurmctld and slurmd find each other by the host name: a fresh machine (a CI container) may
  # not resolve its own short name.
  if ! getent hosts "$HOST" >/dev/null 2>&1; then
    say "$HOST does not resolve: adding '127.0.0.1 $HOST' to /etc/hosts"
    printf '127.0.0.1 %s\n' "$HOST" >>/etc/hosts
  fi
  write_conf
  if ! running munged; then
    [ -f /etc/munge/munge.key ] || { say "error: /etc/munge/munge.key missing (reinstall munge)"; exit 1; }
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    runuser -u munge -- munged
  fi
  running slurmctld || slurmctld
  running slurmd || slurmd
  # The node reports in a second or two; wait for it to take jobs.
  local state=''
  for _ in $(seq 1 60); do
    state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null | head -n 1) || true
    case $state in
      idle | mixed | allocated) say "up: node $HOST $state (conf $CONF, job log $JOBCOMP)"; return 0 ;;
      down* | drain*) scontrol update nodename="$HOST" state=resume >/dev/null 2>&1 || true ;;
    esac
    sleep 1
  done
  say "error: node $HOST did not become idle (state: ${state:-none}); see $LOG_DIR/slurmctld.log and slurmd.log"
  exit 1
}

stop() {
  local name
  for name in slurmd slurmctld; do
    if [ -f "/run/$name.pid" ]; then kill "$(cat "/run/$name.pid")" 2>/dev/null || true; fi
  done
  # slurmctld saves its state before it exits: a `start` right after `stop` must not find it still
  # there (it would not start a new one, and the node would never come up).
  local _
  for _ in $(seq 1 60); do
    if ! running slurmctld && ! running slurmd; then
      say "stopped slurmd and slurmctld (munged left running)"
      return 0
    fi
    sleep 0.5
  done
  say "error: slurmctld or slurmd still running 30 s after TERM"
  return 1
}

status() {
  if running slurmctld && running slurmd && sinfo -h -o '%P %a %T %C' 2>/dev/null; then
    squeue 2>/dev/null || true
    return 0
  fi
  say "not running"
  return 1
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
