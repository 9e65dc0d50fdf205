// `crjob validate`'s advice from a job's own state: is a fixed checkpoint interval far from the
// Young/Daly optimum for the checkpoint cost the job last measured? Reads the state (filesystem);
// the rule itself is pure (interval.ts: intervalCostWarning).
import { join } from "node:path";
import type { Diagnostic } from "../diagnostics.js";
import { parseDuration } from "../jobspec/duration.js";
import { locate, type LoadedSpec } from "../jobspec/load.js";
import { normalizeSpec } from "../jobspec/normalize.js";
import type { LoadedSite } from "../jobspec/site.js";
import type { Spec } from "../jobspec/types.js";
import { DEFAULT_MTBF_SECONDS, intervalCostWarning, lastCheckpointCost, type MeasuredCost } from "./interval.js";
import { marginCostWarning, slowestRecentCheckpoint } from "./margin.js";
import { elementIndexes, expandStateDir, readSnapshot, userHome } from "./store.js";

/** The newest measured checkpoint cost in a state dir (or any element dir of an array job). */
export function measuredCost(stateDir: string): MeasuredCost | null {
  const dirs = [stateDir, ...elementIndexes(stateDir).map((i) => join(stateDir, String(i)))];
  let best: MeasuredCost | null = null;
  for (const dir of dirs) {
    const snap = readSnapshot(dir);
    const cost = lastCheckpointCost(snap.history, snap.generations);
    if (cost && (!best || (cost.time ?? 0) > (best.time ?? 0))) best = cost;
  }
  return best;
}

/** The warning for a valid spec whose job has state, or []. */
export function intervalWarnings(loaded: LoadedSpec, site: LoadedSite | null, cwd = process.cwd(), env = process.env): Diagnostic[] {
  const spec = loaded.data as Spec;
  const job = normalizeSpec(spec, { specFile: loaded.file, site: site?.data ?? null });
  if (job.tool === "none" || job.intervalAuto || job.intervalSeconds === null) return [];
  const stateDir = expandStateDir(job.stateDir, userHome(env), cwd);
  const cost = measuredCost(stateDir);
  if (!cost) return [];
  const fromSpec = spec.checkpoint?.mtbf !== undefined ? parseDuration(spec.checkpoint.mtbf) : null;
  const fromSite = site?.data.mtbf !== undefined ? parseDuration(site.data.mtbf) : null;
  const [mtbfSeconds, mtbfFrom] =
    fromSpec !== null ? [fromSpec, "checkpoint.mtbf"] : fromSite !== null ? [fromSite, "site profile"] : [DEFAULT_MTBF_SECONDS, "default"];
  const w = intervalCostWarning({
    file: loaded.file,
    position: locate(loaded, ["checkpoint", "interval"]),
    intervalSeconds: job.intervalSeconds,
    cost,
    mtbfSeconds,
    mtbfFrom,
    runlimitSeconds: job.runlimitSeconds ?? 0,
    stateDir,
  });
  return w ? [w] : [];
}

/** The slowest recent checkpoint in a state dir (or any element dir of an array job). */
export function slowestCost(stateDir: string): MeasuredCost | null {
  const dirs = [stateDir, ...elementIndexes(stateDir).map((i) => join(stateDir, String(i)))];
  let slowest: MeasuredCost | null = null;
  for (const dir of dirs) {
    const cost = slowestRecentCheckpoint(readSnapshot(dir).history);
    if (cost && (!slowest || cost.seconds > slowest.seconds)) slowest = cost;
  }
  return slowest;
}

/** A warning for a valid spec whose declared lsf.warning.before is shorter than its measured checkpoint cost, or []. */
export function marginWarnings(loaded: LoadedSpec, site: LoadedSite | null, cwd = process.cwd(), env = process.env): Diagnostic[] {
  const spec = loaded.data as Spec;
  const before = spec.lsf?.warning?.before !== undefined ? parseDuration(spec.lsf.warning.before) : null;
  if (before === null) return [];
  const job = normalizeSpec(spec, { specFile: loaded.file, site: site?.data ?? null });
  if (job.tool === "none" || job.runlimitSeconds === null) return [];
  const stateDir = expandStateDir(job.stateDir, userHome(env), cwd);
  const cost = slowestCost(stateDir);
  if (!cost) return [];
  const w = marginCostWarning({
    file: loaded.file,
    position: locate(loaded, ["lsf", "warning", "before"]),
    beforeSeconds: before,
    cost,
    runlimitSeconds: job.runlimitSeconds,
    stateDir,
  });
  return w ? [w] : [];
}
