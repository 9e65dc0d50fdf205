#!/bin/bash
# Raise the kernel's pid_max to 4194304 (the 64-bit maximum) when it is lower and we may: the
# PID-restore tests (BLCR and its stand-ins restore an app with its old PID) need a freed PID to
# stay free for a few seconds, and with the default 32768 a busy test run wraps around and reuses
# it that soon. Used by .ci/run and scripts/steady.mjs; best effort (a container may not allow it).
max=4194304
cur=$(cat /proc/sys/kernel/pid_max 2>/dev/null) || exit 0
[ "$cur" -lt "$max" ] || exit 0
if { echo "$max" >/proc/sys/kernel/pid_max; } 2>/dev/null; then
  echo "pid-space: kernel.pid_max $cur -> $max (PID-restore tests)"
else
  echo "pid-space: warning: kernel.pid_max is $cur and cannot be raised here; PID-restore tests may find their PID reused" >&2
fi
