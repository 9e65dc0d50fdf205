// `crjob status [SPEC|NAME...] [--format text|json] [--site F]`: how jobs are doing, from their own
// state dirs (and bjobs when it is on PATH). Without arguments: every job under the state root.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { formatDuration } from "../jobspec/duration.js";
import { bjobsStat, lockOwnerLive, thisHost } from "../state/lsf.js";
import { marginNote, slowestRecentCheckpoint } from "../state/margin.js";
import { scontrolStates, slurmStateAsStat } from "../state/slurm.js";
import { elementIndexes, readSnapshot } from "../state/store.js";
import { currentJobId, summarizeState, type StateStatus } from "../state/summary.js";
import { allTargets, resolveTarget, type Target } from "../state/target.js";
import { out } from "../output.js";

export interface StatusOptions {
  targets: string[];
  format: "text" | "json";
  site?: string;
}

/** One line of `--format json` output: a job, or one element of a job array. */
export interface StatusRecord extends StateStatus {
  name: string;
  /** Array element index, or null for a plain job. */
  index: number | null;
  /** Absolute path of the spec, when one was given. */
  spec: string | null;
  stateDir: string;
  exists: boolean;
  /** The script's own log lines of every run (job.log in the state dir), when there are any. */
  jobLog: string | null;
  /** DMTCP's own messages (tool dmtcp), when the job has written any. */
  dmtcpLog: string | null;
  /** When the final checkpoint's margin is shorter than the measured checkpoint cost (spec given). */
  marginNote: string | null;
}

/** The site profile says which scheduler (the spec's, or for a bare job name the one found here). */
export function onSlurm(t: Target): boolean {
  return t.flavour === "slurm";
}

/** The status of each state dir of a target (one per array element). */
export function statusRecords(t: Target, now = Date.now(), env: NodeJS.ProcessEnv = process.env): StatusRecord[] {
  const slurm = onSlurm(t);
  const dirs: { dir: string; index: number | null }[] = t.array
    ? elementIndexes(t.root).map((i) => ({ dir: join(t.root, String(i)), index: i }))
    : [{ dir: t.root, index: null }];
  if (dirs.length === 0) dirs.push({ dir: t.root, index: null }); // an array job not started yet
  return dirs.map(({ dir, index }) => {
    const snap = readSnapshot(dir, t.root);
    if (t.array && index === null) snap.exists = snap.exists && snap.submissions.length > 0;
    const jobId = currentJobId(snap);
    const inState = (f: string) => (existsSync(join(dir, f)) ? join(dir, f) : null);
    const note = t.job ? marginNote(t.job.limitMarginSeconds, slowestRecentCheckpoint(snap.history), t.job.runlimitSeconds) : null;
    const base = { name: t.name, index, spec: t.spec, stateDir: dir, exists: snap.exists, jobLog: inState("job.log"), dmtcpLog: inState("dmtcp.log"), marginNote: note };
    if (slurm) {
      // Slurm: scontrol's JobState, read as the bjobs STAT of the same meaning.
      const states = jobId === null ? null : scontrolStates(index === null ? jobId : `${jobId}_${index}`, env);
      const said = states === null ? null : states[0] ?? "";
      const lock = snap.lock;
      let lockLive: boolean | null = null;
      if (lock && (lock.host === thisHost() || lock.job.startsWith("local"))) lockLive = lockOwnerLive(lock, env, index);
      else if (lock) {
        const lockStates = scontrolStates(lock.job, env);
        lockLive = lockStates === null ? null : lockStates.some((st) => ["PEND", "RUN", "SSUSP"].includes(slurmStateAsStat(st)));
      }
      const status = summarizeState(snap, { now, mode: t.mode, lsfStat: said === null || said === "" ? said : slurmStateAsStat(said), lockLive });
      if (said) status.reason = status.reason.replace(/^bjobs \S+/, `scontrol JobState=${said}`);
      return { ...base, ...status };
    }
    const lsfStat = jobId === null ? null : bjobsStat(index === null ? jobId : `${jobId}[${index}]`, env);
    const lockLive = snap.lock ? lockOwnerLive(snap.lock, env, index) : null;
    const status = summarizeState(snap, { now, mode: t.mode, lsfStat, lockLive });
    return { ...base, ...status };
  });
}

export async function statusCommand(opts: StatusOptions): Promise<number> {
  let targets: Target[];
  let root: string | null = null;
  if (opts.targets.length === 0) {
    ({ root, targets } = allTargets({ site: opts.site }));
  } else {
    targets = opts.targets.map((a) => resolveTarget(a, { site: opts.site }));
  }
  const records = targets.flatMap((t) => statusRecords(t));

  if (opts.format === "json") {
    out(`${JSON.stringify(records, null, 2)}\n`);
  } else if (records.length === 0) {
    out(`no jobs with state under ${root}\n`);
  } else {
    out(formatStatusText(records, targets.length > 0 && targets.every((t) => onSlurm(t)) ? "sbatch" : "bsub"));
  }
  // A job asked for by name or spec that has no state at all: exit 1 (it was said clearly above).
  return opts.targets.length > 0 && records.some((r) => !r.exists) ? 1 : 0;
}

// --- Text ------------------------------------------------------------------------------------------

/** "45s", "4m10s", "12m", "1h12m", "3d2h": the two largest units, no seconds from 10 minutes on. */
export function formatAge(seconds: number | null): string {
  if (seconds === null) return "-";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const full = formatDuration(s >= 600 ? s - (s % 60) : s);
  const parts = full.match(/\d+[dhms]/g) ?? [full];
  return parts.slice(0, 2).join("");
}

export function formatSize(kb: number | null): string {
  if (kb === null) return "-";
  if (kb < 1024) return `${kb} KB`;
  if (kb < 1024 * 1024) return `${(kb / 1024).toFixed(1)} MB`;
  return `${(kb / 1024 / 1024).toFixed(1)} GB`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join("  ").trimEnd()).join("\n") + "\n";
}

function shortNext(r: StatusRecord): string {
  const n = r.next;
  const what = n.action === "restart" ? `restart gen ${n.generation}` : n.action === "fresh" ? "fresh" : "fails";
  return n.blockedBy ? `${what} (busy)` : what;
}

export function formatStatusText(records: StatusRecord[], submitCommand: "bsub" | "sbatch" = "bsub"): string {
  const rows = [["JOB", "STATE", "JOBID", "GENS", "LAST CHECKPOINT", "LOST WORK", "RESTARTS", "REQUEUES", "NEXT"]];
  for (const r of records) {
    const ck = r.lastCheckpoint;
    rows.push([
      r.index === null ? r.name : `${r.name}[${r.index}]`,
      r.state,
      r.jobId ?? "-",
      String(r.generations.length),
      ck ? `gen ${ck.gen}, ${formatAge(ck.ageSeconds)} ago` : "-",
      r.lostWorkSeconds === null ? "-" : `≤ ${formatAge(r.lostWorkSeconds)}`,
      String(r.restarts),
      String(r.requeues),
      shortNext(r),
    ]);
  }
  let out = table(rows);
  for (const r of records) {
    const label = r.index === null ? r.name : `${r.name}[${r.index}]`;
    out += `\n${label}: `;
    if (!r.exists) {
      out += `no state in ${r.stateDir} (never submitted, or cleaned)\n`;
      continue;
    }
    out += `${r.state} (${r.reason})${r.jobId ? `, job ${r.jobId}` : ""}\n`;
    out += `  state dir:   ${r.stateDir}\n`;
    if (r.generations.length === 0) out += "  generations: none\n";
    for (const [i, g] of r.generations.entries()) {
      const by = g.job ? ` by job ${g.job}${g.host ? ` on ${g.host}` : ""}` : "";
      out += `  ${i === 0 ? "generations:" : "            "} gen ${g.gen}  ${formatAge(g.ageSeconds)} ago  ${formatSize(g.sizeKb)}  took ${g.durationSeconds ?? "?"}s${by}\n`;
    }
    if (r.inProgress.length) out += `  writing:     gen ${r.inProgress.join(", ")} (in progress, or left by a killed checkpoint)\n`;
    out += `  so far:      ${r.checkpoints} checkpoint(s)${r.checkpointFailures ? `, ${r.checkpointFailures} failed` : ""}, ${r.restarts} restart(s), ${r.requeues} requeue(s) since the fresh start\n`;
    if (r.lostWorkSeconds !== null) out += `  at risk:     ${formatAge(r.lostWorkSeconds)} of work since the last checkpoint\n`;
    if (r.lastEvent) out += `  last event:  ${r.lastEvent}${r.since ? ` (${r.since})` : ""}\n`;
    if (r.lastSubmission) out += `  submitted:   job ${r.lastSubmission.jobId}${r.lastSubmission.time ? ` at ${r.lastSubmission.time}` : ""}\n`;
    if (r.marginNote) out += `  warning:     ${r.marginNote}\n`;
    if (r.jobLog) out += `  job log:     ${r.jobLog}\n`;
    if (r.dmtcpLog) out += `  DMTCP log:   ${r.dmtcpLog}\n`;
    out += submitCommand === "sbatch" ? `  next sbatch: ${r.next.text}\n` : `  next bsub:   ${r.next.text}\n`;
  }
  return out;
}
