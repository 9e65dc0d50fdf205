// Young/Daly: the checkpoint interval that loses least work, √(2·C·MTBF) for a checkpoint cost C
// and a mean time between failures MTBF. The same arithmetic as the script's crjob_auto_interval
// (templates/partials/lib.hbs), so `validate` advises what `interval: auto` would choose. Pure.
import type { Diagnostic } from "../diagnostics.js";
import { formatDuration } from "../jobspec/duration.js";
import type { GenerationMeta, HistoryEvent } from "./parse.js";

/** Never checkpoint more often than this, whatever the cost (as the script). */
export const INTERVAL_FLOOR_SECONDS = 60;
/** MTBF when neither the spec nor the site profile gives one (as normalizeSpec). */
export const DEFAULT_MTBF_SECONDS = 3 * 86400;
/** A fixed interval further than this factor from the optimum gets a warning. */
export const FAR_FACTOR = 2;

/** The interval `interval: auto` picks after a checkpoint that took `costSeconds`. */
export function youngDaly(costSeconds: number, mtbfSeconds: number, runlimitSeconds = 0): number {
  const cost = Math.max(1, Math.floor(costSeconds));
  let iv = Math.floor(Math.sqrt(2 * cost * mtbfSeconds));
  if (iv < INTERVAL_FLOOR_SECONDS) iv = INTERVAL_FLOOR_SECONDS;
  if (runlimitSeconds > 0 && iv > Math.floor(runlimitSeconds / 2)) iv = Math.floor(runlimitSeconds / 2);
  return Math.max(1, iv);
}

export interface MeasuredCost {
  seconds: number;
  /** Job that measured it, and when (epoch ms), for the message. */
  job: string | null;
  time: number | null;
}

/**
 * The last measured checkpoint cost: the newest `checkpoint gen=N duration=S` history event,
 * else the newest generation's meta `duration`, else null.
 */
export function lastCheckpointCost(history: readonly HistoryEvent[], generations: readonly GenerationMeta[] = []): MeasuredCost | null {
  for (let i = history.length - 1; i >= 0; i--) {
    const e = history[i];
    const d = e.fields.duration;
    if (e.kind === "checkpoint" && d !== undefined && /^\d+$/.test(d)) return { seconds: Number(d), job: e.job, time: e.time };
  }
  const newest = [...generations].filter((g) => g.duration !== null).sort((a, b) => b.gen - a.gen)[0];
  return newest ? { seconds: newest.duration!, job: newest.job, time: newest.time === null ? null : newest.time * 1000 } : null;
}

export interface IntervalAdvice {
  optimum: number;
  /** interval / optimum */
  ratio: number;
  far: boolean;
}

export function intervalAdvice(intervalSeconds: number, costSeconds: number, mtbfSeconds: number, runlimitSeconds = 0): IntervalAdvice {
  const optimum = youngDaly(costSeconds, mtbfSeconds, runlimitSeconds);
  const ratio = intervalSeconds / optimum;
  return { optimum, ratio, far: ratio > FAR_FACTOR || ratio < 1 / FAR_FACTOR };
}

export interface IntervalCheckInput {
  file: string;
  /** Where checkpoint.interval is in the spec. */
  position: { line: number; col: number };
  intervalSeconds: number;
  cost: MeasuredCost;
  mtbfSeconds: number;
  /** Where the MTBF came from, for the message: "checkpoint.mtbf", "site profile", "default". */
  mtbfFrom: string;
  runlimitSeconds: number;
  stateDir: string;
}

/** A warning when a fixed interval is far from the optimum for the measured cost, else null. */
export function intervalCostWarning(input: IntervalCheckInput): Diagnostic | null {
  const advice = intervalAdvice(input.intervalSeconds, input.cost.seconds, input.mtbfSeconds, input.runlimitSeconds);
  if (!advice.far) return null;
  const how = advice.ratio > 1 ? `${advice.ratio.toFixed(1)}× longer` : `${(1 / advice.ratio).toFixed(1)}× shorter`;
  const by = input.cost.job ? ` by job ${input.cost.job}` : "";
  const mtbf = `MTBF ${formatDuration(input.mtbfSeconds)}${input.mtbfFrom === "default" ? " (the default; set mtbf in the site profile)" : ` (${input.mtbfFrom})`}`;
  return {
    file: input.file,
    line: input.position.line,
    col: input.position.col,
    path: "checkpoint.interval",
    severity: "warning",
    message:
      `${formatDuration(input.intervalSeconds)} is ${how} than the Young/Daly optimum ${formatDuration(advice.optimum)} ` +
      `for the last measured checkpoint cost ${input.cost.seconds}s${by} (${input.stateDir}) and ${mtbf}`,
    hint: `use interval: auto, or about ${formatDuration(roundInterval(advice.optimum))}`,
  };
}

/** A readable interval near `seconds`: whole minutes from 10 minutes, whole hours from 10 hours. */
export function roundInterval(seconds: number): number {
  if (seconds >= 36000) return Math.round(seconds / 3600) * 3600;
  if (seconds >= 600) return Math.round(seconds / 60) * 60;
  return seconds;
}
