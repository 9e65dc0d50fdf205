// The final checkpoint before the run limit against what this job's checkpoints cost. The script
// starts it max(margin, 2 × the slowest of the last 5 checkpoints + 10 s) before the limit, at most
// half the limit (templates/partials/lib.hbs: crjob_slowest_checkpoint, crjob_set_deadline); a
// declared lsf.warning.before shorter than the measured cost gets a warning from `validate`, and
// `status` says when the margin is too short. Pure: the history comes from the caller.
import type { Diagnostic } from "../diagnostics.js";
import { formatDuration } from "../jobspec/duration.js";
import type { MeasuredCost } from "./interval.js";
import type { HistoryEvent } from "./parse.js";

/** How many of the newest checkpoints count as "recent" (as the script). */
export const RECENT_CHECKPOINTS = 5;
/** Room on top of twice the slowest recent checkpoint (as the script). */
export const MARGIN_SLACK_SECONDS = 10;

/** The slowest of the newest RECENT_CHECKPOINTS `checkpoint gen=N duration=S` events, or null. */
export function slowestRecentCheckpoint(history: readonly HistoryEvent[]): MeasuredCost | null {
  const recent = history
    .filter((e) => e.kind === "checkpoint" && /^\d+$/.test(e.fields.duration ?? ""))
    .slice(-RECENT_CHECKPOINTS);
  let slowest: MeasuredCost | null = null;
  for (const e of recent) {
    const seconds = Number(e.fields.duration);
    if (!slowest || seconds >= slowest.seconds) slowest = { seconds, job: e.job, time: e.time };
  }
  return slowest;
}

/** How long before the run limit the script starts the final checkpoint (crjob_set_deadline). */
export function finalCheckpointMargin(marginSeconds: number, slowestSeconds: number, runlimitSeconds: number): number {
  if (slowestSeconds <= 0) return marginSeconds;
  const need = Math.min(2 * slowestSeconds + MARGIN_SLACK_SECONDS, Math.floor(runlimitSeconds / 2));
  return Math.max(marginSeconds, need);
}

export interface MarginCheckInput {
  file: string;
  /** Where lsf.warning.before is in the spec. */
  position: { line: number; col: number };
  beforeSeconds: number;
  cost: MeasuredCost;
  runlimitSeconds: number;
  stateDir: string;
}

/** A warning when a declared lsf.warning.before is shorter than the job's slowest recent checkpoint. */
export function marginCostWarning(input: MarginCheckInput): Diagnostic | null {
  if (input.beforeSeconds >= input.cost.seconds) return null;
  const by = input.cost.job ? ` by job ${input.cost.job}` : "";
  const margin = finalCheckpointMargin(input.beforeSeconds, input.cost.seconds, input.runlimitSeconds);
  return {
    file: input.file,
    line: input.position.line,
    col: input.position.col,
    path: "lsf.warning.before",
    severity: "warning",
    message:
      `${formatDuration(input.beforeSeconds)} is shorter than this job's slowest recent checkpoint, ${input.cost.seconds}s${by} ` +
      `(${input.stateDir}): a final checkpoint started then would not finish before the run limit`,
    hint: `the script starts it ${formatDuration(margin)} before the limit instead; set before: ${formatDuration(roundUpMinutes(2 * input.cost.seconds + MARGIN_SLACK_SECONDS))} or more`,
  };
}

/** The note `crjob status` prints when the margin is shorter than the measured cost, or null. */
export function marginNote(marginSeconds: number, cost: MeasuredCost | null, runlimitSeconds: number | null): string | null {
  if (!cost || !runlimitSeconds || marginSeconds >= cost.seconds) return null;
  const margin = finalCheckpointMargin(marginSeconds, cost.seconds, runlimitSeconds);
  return (
    `the margin before the run limit (${formatDuration(marginSeconds)}) is shorter than the slowest recent checkpoint ` +
    `(${cost.seconds}s${cost.job ? `, job ${cost.job}` : ""}); the script starts the final checkpoint ${formatDuration(margin)} before the limit`
  );
}

function roundUpMinutes(seconds: number): number {
  return Math.ceil(seconds / 60) * 60;
}
