// Asking Slurm about a job for `crjob status`: `scontrol show job -o ID` (it knows a finished job
// for MinJobAge seconds; squeue shows only pending and running ones). Slurm's JobState is mapped
// to the bjobs STAT the status summary reads, so both schedulers share one set of rules.
import { childProcess } from "../builtins.js";
import { findOnPath } from "./lsf.js";

/** Slurm JobState → the bjobs STAT with the same meaning for crjob status. */
const AS_LSF: Record<string, string> = {
  PENDING: "PEND",
  REQUEUED: "PEND",
  REQUEUE_HOLD: "PEND",
  REQUEUE_FED: "PEND",
  RUNNING: "RUN",
  CONFIGURING: "RUN",
  COMPLETING: "RUN",
  RESIZING: "RUN",
  SIGNALING: "RUN",
  STAGE_OUT: "RUN",
  SUSPENDED: "SSUSP",
  STOPPED: "SSUSP",
  COMPLETED: "DONE",
};

/** `JobState=X` of each job in `scontrol show job -o` output (one line per job or array element). */
export function parseScontrolStates(stdout: string): string[] {
  return stdout
    .split("\n")
    .map((l) => /(?:^|\s)JobState=([A-Z_]+)/.exec(l)?.[1])
    .filter((s): s is string => s !== undefined);
}

/** bjobs-style STAT for a Slurm JobState: FAILED, CANCELLED, TIMEOUT, NODE_FAIL, … are EXIT. */
export function slurmStateAsStat(state: string): string {
  return AS_LSF[state] ?? "EXIT";
}

/**
 * The JobStates of job `id` ("123", or "123_4" for an array element), [] when Slurm no longer
 * knows it, null when scontrol is not on PATH or cannot be asked.
 */
export function scontrolStates(id: string, env: NodeJS.ProcessEnv = process.env): string[] | null {
  if (!/^\d+(_\d+)?$/.test(id) || !findOnPath("scontrol", env)) return null;
  const r = childProcess().spawnSync("scontrol", ["show", "job", "-o", id], { env, encoding: "utf8", timeout: 30_000 });
  if (r.error) return null;
  if (r.status !== 0) return /Invalid job id/i.test(r.stderr ?? "") ? [] : null;
  return parseScontrolStates(r.stdout ?? "");
}
