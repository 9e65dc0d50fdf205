import type { JobModel } from "../model.js";
import { formatRunlimit, parseDuration, parseRunlimit } from "./duration.js";
import { DEFAULTS, defaultLsfOutput } from "./defaults.js";
import { DEFAULT_STATE_ROOT } from "./paths.js";
import { splitWords } from "./rules.js";
import { sbatchWord, slurmFileName } from "./slurm.js";
import type { Flavour, Mode, SiteProfile, Spec } from "./types.js";
import { VERSION } from "../version.js";

export interface NormalizeContext {
  /** Spec file as the user named it; shown in the script's header. */
  specFile: string;
  site?: SiteProfile | null;
  /** `crjob render --mode` overrides the spec. */
  mode?: Mode;
}

const DEFAULT_MTBF = 3 * 86400;
/** Assumed cost of the first checkpoint when the interval picks itself (Young/Daly). */
const ASSUMED_CHECKPOINT_COST = 60;

/** A #BSUB value as LSF's parser reads it: one word, or double-quoted. */
function bsubWord(value: string): string {
  // Validation rejects line breaks and values with both quote kinds; this is the last guard.
  if (/[\r\n\0]/.test(value)) throw new Error(`#BSUB value with a line break: ${JSON.stringify(value)}`);
  if (/^[A-Za-z0-9_@%+=:,./\[\]-]+$/.test(value)) return value;
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/**
 * Every default applied once, every decision made here, so templates stay layout.
 * The spec must already be valid (validateSpec + checkRules without errors).
 */
export function normalizeSpec(spec: Spec, ctx: NormalizeContext): JobModel {
  const site = ctx.site ?? {};
  const flavour: Flavour = site.flavour ?? "ibm";
  const queueProfile = site.queues?.[spec.queue] ?? {};
  const ck = spec.checkpoint ?? {};
  const lsf = spec.lsf ?? {};
  const tool = ck.tool ?? DEFAULTS.tool;

  // Run limit, the margin for the final checkpoint, and how the job gets requeued.
  const runlimitSeconds = lsf.runlimit !== undefined ? parseRunlimit(lsf.runlimit) : null;
  const warningBefore = lsf.warning?.before ? parseDuration(lsf.warning.before) : null;
  const limitMarginSeconds =
    runlimitSeconds === null
      ? 0
      : warningBefore ?? Math.min(900, Math.max(60, Math.round(runlimitSeconds / 10)), Math.floor(runlimitSeconds / 2));
  const requeueExit = lsf.requeue_exit ?? DEFAULTS.requeueExit;
  let method: JobModel["requeue"]["method"];
  const wanted = tool === "none" ? "none" : lsf.requeue ?? DEFAULTS.requeue;
  if (flavour === "slurm") {
    // Slurm has no per-job requeue exit code; the job asks with scontrol requeue (rules.ts
    // rejects "exit" and "brequeue" there).
    method = wanted === "none" ? "none" : "scontrol";
  } else if (wanted === "auto") {
    const queueRequeues = queueProfile.requeue_exit_values?.includes(requeueExit) ?? false;
    method = flavour === "ibm" || queueRequeues ? "exit" : "brequeue";
  } else {
    method = wanted;
  }
  const specSignal = lsf.warning?.signal ? lsf.warning.signal.replace(/^SIG/, "") : null;
  // Slurm sends USR2 (trapped anyway) unless the spec names another signal.
  const warningSignal =
    flavour === "ibm" || (flavour === "slurm" && specSignal !== "USR2") ? specSignal : null;
  if (flavour === "slurm") {
    const sbatch = sbatchLines(spec, { runlimitSeconds, limitMarginSeconds, method, signal: specSignal ?? "USR2", tool });
    return model(spec, ctx, { flavour, bsub: [], sbatch, method, requeueExit, runlimitSeconds, limitMarginSeconds, warningSignal });
  }

  // #BSUB lines: only options the flavour has (rules.ts rejects the rest in lsf.extra).
  // "1-100%10" → name[1-100]%10: the element limit goes after the brackets.
  const [range, limit] = (spec.array ?? "").split("%");
  const jobName = spec.array ? `${spec.name}[${range}]${limit !== undefined ? `%${limit}` : ""}` : spec.name;
  const defaultLog = defaultLsfOutput(spec.name, spec.array !== undefined);
  const bsub: string[] = [];
  bsub.push(`-J ${bsubWord(jobName)}`);
  bsub.push(`-q ${bsubWord(spec.queue)}`);
  bsub.push(`-n ${spec.slots ?? DEFAULTS.slots}`);
  bsub.push(`-o ${bsubWord(lsf.output ?? defaultLog)}`);
  if (lsf.error !== undefined) bsub.push(`-e ${bsubWord(lsf.error)}`);
  if (runlimitSeconds !== null) bsub.push(`-W ${formatRunlimit(runlimitSeconds)}`);
  if (lsf.resources !== undefined) bsub.push(`-R ${bsubWord(lsf.resources)}`);
  if (lsf.rerunnable) bsub.push("-r");
  if (flavour === "ibm" && method === "exit") bsub.push(`-Q "${requeueExit}"`);
  if (warningSignal && warningBefore !== null) {
    bsub.push(`-wa ${warningSignal}`);
    bsub.push(`-wt ${formatRunlimit(Math.max(60, warningBefore))}`);
  }
  for (const extra of lsf.extra ?? []) {
    // The words as bsub would read them (a value the user quoted is one word, quotes off), then
    // quoted again as the #BSUB line needs: -P "my project" stays that, not -P '"my project"'.
    const words = splitWords(extra);
    if (!Array.isArray(words) || words.length === 0) continue; // checkBsubOption reported it
    const [option, value] = words;
    bsub.push(value !== undefined ? `${option!.text} ${bsubWord(value.text)}` : option!.text);
  }

  return model(spec, ctx, { flavour, bsub, sbatch: [], method, requeueExit, runlimitSeconds, limitMarginSeconds, warningSignal });
}

interface SchedulerPart {
  flavour: Flavour;
  bsub: string[];
  sbatch: string[];
  method: JobModel["requeue"]["method"];
  requeueExit: number;
  runlimitSeconds: number | null;
  limitMarginSeconds: number;
  warningSignal: string | null;
}

/**
 * #SBATCH lines from the same fields: queue → partition, slots → tasks, lsf.runlimit → --time,
 * lsf.warning.before (else the margin) → --signal=B:SIG@secs (the batch shell only),
 * lsf.rerunnable → --requeue, %J/%I → %j/%A/%a. --open-mode=append keeps a requeued job's first
 * lines in its output file (Slurm truncates it otherwise).
 */
function sbatchLines(
  spec: Spec,
  t: { runlimitSeconds: number | null; limitMarginSeconds: number; method: JobModel["requeue"]["method"]; signal: string; tool: string },
): string[] {
  const lsf = spec.lsf ?? {};
  const array = spec.array !== undefined;
  const defaultLog = array ? `${spec.name}.%A.%a.log` : `${spec.name}.%j.log`;
  const out: string[] = [];
  out.push(`--job-name=${sbatchWord(spec.name)}`);
  out.push(`--partition=${sbatchWord(spec.queue)}`);
  out.push(`--ntasks=${spec.slots ?? 1}`);
  out.push(`--output=${sbatchWord(lsf.output !== undefined ? slurmFileName(lsf.output, array) : defaultLog)}`);
  if (lsf.error !== undefined) out.push(`--error=${sbatchWord(slurmFileName(lsf.error, array))}`);
  out.push("--open-mode=append");
  if (spec.array !== undefined) out.push(`--array=${spec.array}`);
  if (t.runlimitSeconds !== null) {
    out.push(`--time=${Math.round(t.runlimitSeconds / 60)}`);
    if (t.tool !== "none") out.push(`--signal=B:${t.signal}@${Math.min(65535, Math.max(1, t.limitMarginSeconds))}`);
  }
  // scontrol requeue of a --no-requeue job fails ("Requested operation is presently disabled",
  // observed on 22.05), so a job that requeues itself at its run limit is requeueable; otherwise
  // a job Slurm may rerun is what lsf.rerunnable says (the cluster's JobRequeue default is not).
  const requeuesItself = t.method === "scontrol" && t.runlimitSeconds !== null;
  out.push(lsf.rerunnable || requeuesItself ? "--requeue" : "--no-requeue");
  for (const extra of spec.slurm?.extra ?? []) {
    const m = /^(--?[A-Za-z][A-Za-z0-9-]*)(?:(=|\s+)(.*))?$/.exec(extra.trim());
    if (m) out.push(m[3] !== undefined ? `${m[1]}${m[2] === "=" ? "=" : " "}${sbatchWord(m[3])}` : m[1]!);
  }
  return out;
}

function model(spec: Spec, ctx: NormalizeContext, s: SchedulerPart): JobModel {
  const site = ctx.site ?? {};
  const queueProfile = site.queues?.[spec.queue] ?? {};
  const ck = spec.checkpoint ?? {};
  const tool = ck.tool ?? "blcr";
  // Checkpoint timing.
  const intervalAuto = ck.interval === "auto";
  const mtbfSeconds = intervalAuto ? parseDuration(ck.mtbf ?? site.mtbf ?? "") ?? DEFAULT_MTBF : null;
  let intervalSeconds: number | null = null;
  if (tool !== "none") {
    intervalSeconds = intervalAuto
      ? Math.round(Math.sqrt(2 * ASSUMED_CHECKPOINT_COST * (mtbfSeconds ?? DEFAULT_MTBF)))
      : parseDuration(ck.interval ?? "") ?? 3600;
  }
  const { flavour, method, requeueExit, runlimitSeconds, limitMarginSeconds, warningSignal } = s;
  const slurm = flavour === "slurm";

  // Where things live.
  const stateRoot = site.state_root ?? DEFAULT_STATE_ROOT;
  const stateDir = ck.dir ?? `${stateRoot.replace(/\/+$/, "")}/${spec.name}`;

  return {
    specFile: ctx.specFile,
    crjobVersion: VERSION,
    name: spec.name,
    queue: spec.queue,
    slots: spec.slots ?? DEFAULTS.slots,
    mode: ctx.mode ?? spec.mode ?? DEFAULTS.mode,
    flavour,
    scheduler: slurm ? "slurm" : "lsf",
    submitCommand: slurm ? "sbatch" : "bsub",
    jobIdVar: slurm ? "SLURM_JOB_ID" : "LSB_JOBID",
    bsubLines: s.bsub,
    sbatchLines: s.sbatch,
    array: spec.array ?? null,
    app: {
      command: spec.app.command,
      args: spec.app.args ?? [],
      output: spec.app.output ?? `${spec.name}.out`,
      env: Object.entries(spec.app.env ?? {}).map(([name, value]) => ({ name, value: String(value) })),
      restartCommand: spec.app.restart_command ?? null,
      restartArgs: spec.app.restart_args ?? null,
    },
    stageIn: spec.stage?.in ?? [],
    stageOut: spec.stage?.out ?? [],
    tool,
    intervalSeconds,
    intervalAuto,
    mtbfSeconds,
    stateDir,
    keep: ck.keep ?? DEFAULTS.keep,
    keepOnSuccess: ck.keep_on_success ?? DEFAULTS.keepOnSuccess,
    restorePid: ck.restore_pid ?? DEFAULTS.restorePid,
    appFiles: ck.files ?? [],
    appSignal: ck.signal ? ck.signal.replace(/^SIG/, "") : null,
    appReady: {
      marker: ck.ready?.marker ?? null,
      stableSeconds: ck.ready?.stable ? parseDuration(ck.ready.stable) : null,
      timeoutSeconds: ck.ready?.timeout ? parseDuration(ck.ready.timeout) ?? DEFAULTS.readyTimeoutSeconds : DEFAULTS.readyTimeoutSeconds,
    },
    scratch: spec.scratch ?? site.scratch ?? DEFAULTS.scratch,
    blcrPrefix: tool === "blcr" ? queueProfile.blcr ?? null : null,
    dmtcpPrefix: tool === "dmtcp" ? queueProfile.dmtcp ?? null : null,
    runlimitSeconds,
    limitMarginSeconds,
    requeue: { method, exitCode: requeueExit, maxRequeues: spec.lsf?.max_requeues ?? DEFAULTS.maxRequeues },
    warningSignal,
  };
}
