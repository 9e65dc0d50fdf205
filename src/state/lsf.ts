// Asking the machine about a job: LSF commands on PATH, bjobs, and whether a lock's owner lives.
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { delimiter, join } from "node:path";
import { childProcess } from "../builtins.js";
import { parseBjobsStats, type LockOwner } from "./parse.js";
import { isLiveStat } from "./summary.js";

/** The full path of `cmd` on PATH (an executable file), or null. */
export function findOnPath(cmd: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      if (!statSync(p).isFile()) continue;
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/**
 * The STAT of job `id` (`"123"` or `"123[4]"`) from `bjobs -a -w`: a STAT, "" when bjobs does not
 * know the job, or null when bjobs is not on PATH (or the id is not an LSF job id, e.g. local123).
 */
export function bjobsStat(id: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const stats = bjobsStats(id, env);
  return stats === null ? null : (stats[0] ?? "");
}

/** Every row's STAT (one per array element), [] when bjobs does not know the job, null as above. */
export function bjobsStats(id: string, env: NodeJS.ProcessEnv = process.env): string[] | null {
  if (!/^\d+(\[\d+\])?$/.test(id) || !findOnPath("bjobs", env)) return null;
  const r = childProcess().spawnSync("bjobs", ["-a", "-w", id], { env, encoding: "utf8", timeout: 30_000 });
  if (r.error) return null;
  return parseBjobsStats(r.stdout ?? "");
}

/** Short host name as the script's `uname -n` gives it. */
export function thisHost(): string {
  return hostname();
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/**
 * Whether the job that holds a state's lock is alive, as the script's crjob_lock_is_stale decides
 * it: same host → its PID; another host → bjobs (of the array element `index`); else null (cannot tell).
 */
export function lockOwnerLive(owner: LockOwner, env: NodeJS.ProcessEnv = process.env, index: number | null = null): boolean | null {
  if (owner.job === "?") return null;
  if (owner.host === thisHost() && owner.pid !== null) return pidAlive(owner.pid);
  if (owner.job.startsWith("local")) return null; // run outside LSF on another host
  const stats = bjobsStats(index === null ? owner.job : `${owner.job}[${index}]`, env);
  if (stats === null) return null;
  return stats.some(isLiveStat);
}
