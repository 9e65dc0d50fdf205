// Phase 3: cross-field rules the schema cannot express. Each rule is a small named function, run
// in order. Rules read the data defensively: a value of the wrong type was already reported by
// the schema, so a rule skips it instead of adding a second, confusing message.
import * as posix from "node:path/posix";
import type { Diagnostic, Severity } from "../diagnostics.js";
import { DEFAULTS } from "./defaults.js";
import { formatDuration, parseDuration, parseRunlimit } from "./duration.js";
import { formatPath, locate, locateInValue, type LoadedSpec, type PathSegment } from "./load.js";
import { slurmRules } from "./rules-slurm.js";
import { RUNLIMIT_PATTERN, ROOTED_PATH_PATTERN } from "./schema.js";
import type { LoadedSite } from "./site.js";
import type { SiteProfile } from "./types.js";
import { didYouMean } from "./validate.js";

/** The schema's patterns, compiled once (the rules run for every spec of a bulk render; no /g: test() keeps no state). */
const RUNLIMIT = new RegExp(RUNLIMIT_PATTERN);
const ROOTED = new RegExp(ROOTED_PATH_PATTERN);

export interface RuleContext {
  loaded: LoadedSpec;
  /** The spec data (a mapping; fields unchecked). */
  spec: Record<string, unknown>;
  site: SiteProfile | null;
  siteFile: string | null;
  /** Known tool, or undefined when the value is invalid (the schema reported it). */
  tool: "blcr" | "none" | "dmtcp" | "app" | undefined;
  report(path: PathSegment[], severity: Severity, message: string, hint?: string, at?: At): void;
}
/** Where a diagnostic points: the value (default), the key, or a character inside the value. */
type At = "value" | "key" | { index: number };
type Rule = (ctx: RuleContext) => void;

const DEFAULT_SCRATCH = DEFAULTS.scratch;
const DEFAULT_REQUEUE_EXIT = DEFAULTS.requeueExit;

export function checkRules(loaded: LoadedSpec, site: LoadedSite | null): Diagnostic[] {
  if (!isRecord(loaded.data)) return [];
  const out: Diagnostic[] = [];
  const tool = get(loaded.data, "checkpoint", "tool") ?? DEFAULTS.tool;
  const ctx: RuleContext = {
    loaded,
    spec: loaded.data,
    site: site ? site.data : null,
    siteFile: site ? site.file : null,
    tool: ["blcr", "none", "dmtcp", "app"].includes(tool as string) ? (tool as RuleContext["tool"]) : undefined,
    report(path, severity, message, hint, at = "value") {
      const pos = typeof at === "object" ? locateInValue(loaded, path, at.index) : locate(loaded, path, at);
      out.push({ file: loaded.file, ...pos, path: formatPath(path), message, severity, ...(hint ? { hint } : {}) });
    },
  };
  for (const rule of RULES) rule(ctx);
  return out;
}

// --- checkpointing -----------------------------------------------------------------------------

function intervalRequired(ctx: RuleContext): void {
  if (ctx.tool === undefined || ctx.tool === "none" || get(ctx.spec, "checkpoint", "interval") !== undefined) return;
  const section = ctx.spec.checkpoint;
  if (section !== undefined && !isRecord(section)) return; // the schema reports the wrong type
  // A misspelt key ("intervall") is reported as unknown, with the suggestion: one line is enough.
  if (isRecord(section) && Object.keys(section).some((k) => didYouMean(k, ["interval"]))) return;
  const hasSection = section !== undefined;
  ctx.report(
    hasSection ? ["checkpoint"] : [],
    "error",
    `missing required field "${hasSection ? "interval" : "checkpoint.interval"}"`,
    'needed unless checkpoint.tool is "none"; e.g. interval: 12h',
    "key",
  );
}

/** Fields that mean something only for some tools: set elsewhere, they are ignored. */
const TOOL_FIELDS: [PathSegment[], RuleContext["tool"][]][] = [
  [["checkpoint", "interval"], ["blcr", "dmtcp", "app"]],
  [["checkpoint", "mtbf"], ["blcr", "dmtcp", "app"]],
  [["checkpoint", "keep"], ["blcr", "dmtcp", "app"]],
  [["checkpoint", "keep_on_success"], ["blcr", "dmtcp", "app"]],
  [["checkpoint", "restore_pid"], ["blcr"]],
  [["checkpoint", "files"], ["app"]],
  [["checkpoint", "signal"], ["app"]],
  [["checkpoint", "ready"], ["app"]],
  [["app", "restart_command"], ["app"]],
  [["app", "restart_args"], ["app"]],
];

function toolOnlyFields(ctx: RuleContext): void {
  if (ctx.tool === undefined) return;
  for (const [path, tools] of TOOL_FIELDS) {
    if (get(ctx.spec, ...path) === undefined || tools.includes(ctx.tool)) continue;
    const only = tools.length === 1 ? `checkpoint.tool "${tools[0]}"` : `a checkpoint.tool other than "none"`;
    ctx.report(path, "warning", `ignored: checkpoint.tool is "${ctx.tool}"`, `only used with ${only}`, "key");
  }
}

function appToolNeedsFiles(ctx: RuleContext): void {
  if (ctx.tool !== "app" || get(ctx.spec, "checkpoint", "files") !== undefined) return;
  ctx.report(["checkpoint"], "error", 'missing required field "files"', 'checkpoint.tool "app" saves the files the app writes; e.g. files: [state.cpt]', "key");
}

function intervalLength(ctx: RuleContext): void {
  if (ctx.tool === "none") return;
  for (const field of ["interval", "mtbf"] as const) {
    const secs = durationAt(ctx, "checkpoint", field);
    if (secs === 0) ctx.report(["checkpoint", field], "error", "must be longer than 0s");
    else if (field === "interval" && secs !== null && secs < 60) {
      ctx.report(["checkpoint", field], "warning", "shorter than 1m: allowed for testing", "each checkpoint pauses the app; use minutes to hours for real jobs");
    }
  }
}

function intervalAuto(ctx: RuleContext): void {
  if (ctx.tool === "none") return;
  const interval = get(ctx.spec, "checkpoint", "interval");
  const mtbf = get(ctx.spec, "checkpoint", "mtbf");
  if (interval === "auto" && mtbf === undefined && !ctx.site?.mtbf) {
    ctx.report(["checkpoint", "interval"], "error", '"auto" needs a mean time between failures', "set checkpoint.mtbf, e.g. mtbf: 3d, or mtbf in the site profile");
  }
  if (mtbf !== undefined && typeof interval === "string" && interval !== "auto") {
    ctx.report(["checkpoint", "mtbf"], "warning", 'ignored: only used with interval: auto', undefined, "key");
  }
}

function restartNeedsCheckpoints(ctx: RuleContext): void {
  if (ctx.spec.mode === "restart" && ctx.tool === "none") {
    ctx.report(["mode"], "error", '"restart" needs checkpoints, but checkpoint.tool is "none"');
  }
}

// --- run limit ---------------------------------------------------------------------------------

function runlimitParses(ctx: RuleContext): void {
  const v = get(ctx.spec, "lsf", "runlimit");
  if (typeof v !== "string" || !RUNLIMIT.test(v)) return; // schema reports it
  const secs = parseRunlimit(v);
  if (secs === null) {
    const whole = Math.ceil((parseDuration(v) ?? 0) / 60) * 60;
    ctx.report(["lsf", "runlimit"], "error", `must be whole minutes: LSF cannot express seconds, got "${v}"`, `e.g. ${formatDuration(whole)}`);
  } else if (secs === 0) {
    ctx.report(["lsf", "runlimit"], "error", "must be longer than 0 minutes");
  }
}

/**
 * An interval as long as the run limit or longer means "checkpoint only at the run limit's warning
 * and on bkill": right for an app whose checkpoint is expensive (NERSC's variable-time jobs work
 * so), but a lost node then loses the whole run. Allowed, with the cost named.
 */
function intervalBelowRunlimit(ctx: RuleContext): void {
  const limit = runlimitOf(ctx);
  const interval = durationAt(ctx, "checkpoint", "interval");
  if (ctx.tool === "none" || limit === null || interval === null || interval < limit) return;
  // Checkpointing only at the run limit (its final checkpoint) and at bkill/scancel is a valid
  // strategy for an expensive checkpoint; it costs the whole run when the node is lost. Both
  // schedulers alike: the script's own timer takes the final checkpoint before the limit.
  ctx.report(
    ["checkpoint", "interval"],
    "warning",
    `not shorter than lsf.runlimit (${JSON.stringify(get(ctx.spec, "lsf", "runlimit"))}): the job checkpoints only before its run limit and when killed (bkill, scancel), so a lost node loses the whole run`,
    `right when a checkpoint is expensive; else e.g. interval: ${formatDuration(Math.floor(limit / 2))}`,
  );
}

function warningBeforeRunlimit(ctx: RuleContext): void {
  if (!isRecord(get(ctx.spec, "lsf", "warning"))) return;
  const limit = runlimitOf(ctx);
  if (get(ctx.spec, "lsf", "runlimit") === undefined) {
    ctx.report(["lsf", "warning"], "warning", "ignored without lsf.runlimit", undefined, "key");
    return;
  }
  const before = durationAt(ctx, "lsf", "warning", "before");
  if (limit !== null && before !== null && before >= limit) {
    ctx.report(["lsf", "warning", "before"], "error", `must be shorter than lsf.runlimit (${JSON.stringify(get(ctx.spec, "lsf", "runlimit"))})`);
  }
}

/** On OpenLava a job can requeue itself only through the queue's REQUEUE_EXIT_VALUES or brequeue. */
function requeuePath(ctx: RuleContext): void {
  const requeue = get(ctx.spec, "lsf", "requeue");
  if (ctx.tool === "none" || runlimitOf(ctx) === null) return;
  if (requeue === "none") {
    ctx.report(
      ["lsf", "requeue"],
      "warning",
      "no requeue path: at its run limit the job takes a final checkpoint and stops (EXIT); resubmit to continue",
      'lsf.requeue: auto requeues it by itself',
    );
    return;
  }
  // IBM has -Q; on OpenLava "auto" requeues with brequeue from inside the job unless the queue's
  // REQUEUE_EXIT_VALUES has the code. Only an explicit "exit" can lack a path.
  if (flavourOf(ctx) !== "openlava" || requeue !== "exit") return;
  const queue = ctx.spec.queue;
  const queues = ctx.site?.queues ?? {};
  if (typeof queue !== "string" || (Object.keys(queues).length > 0 && !(queue in queues))) return; // unknown queue: reported
  const code = get(ctx.spec, "lsf", "requeue_exit") ?? DEFAULT_REQUEUE_EXIT;
  if (typeof code !== "number") return; // the schema reports it
  const values = queues[queue]?.requeue_exit_values ?? [];
  if (values.includes(code)) return;
  ctx.report(
    ["lsf", "runlimit"],
    "warning",
    `the job cannot requeue itself at its run limit: OpenLava has no -Q, and queue "${queue}" has no requeue_exit_values with ${String(code)} in the site profile`,
    `set lsf.requeue: auto (brequeue from inside the job), or add ${String(code)} to the queue's requeue_exit_values if its REQUEUE_EXIT_VALUES has it`,
  );
}

// --- scheduler options -------------------------------------------------------------------------

function extraOptions(ctx: RuleContext): void {
  const extra = get(ctx.spec, "lsf", "extra");
  const flavour = flavourOf(ctx);
  if (!Array.isArray(extra) || flavour === "slurm") return; // Slurm: rules-slurm.ts
  extra.forEach((entry, i) => {
    if (typeof entry !== "string" || entry === "") return;
    const problem = checkBsubOption(entry, flavour);
    if (problem) ctx.report(["lsf", "extra", i], "error", problem.message, problem.hint, { index: problem.index });
  });
}

/** Options crjob writes itself, and the field that sets each. */
const CONTROLLED: Record<string, string> = {
  "-q": "the field queue",
  "-J": "the fields name and array",
  "-n": "the field slots",
  "-o": "the field lsf.output",
  "-e": "the field lsf.error",
  "-W": "the field lsf.runlimit",
  "-R": "the field lsf.resources",
  "-Q": "the fields lsf.requeue and lsf.requeue_exit",
  "-r": "the field lsf.rerunnable",
  "-wa": "the field lsf.warning.signal",
  "-wt": "the field lsf.warning.before",
};

/** What OpenLava/volclava does with options it lacks (observed: ../shared/reference/volclava.md). */
const OPENLAVA_LACKS: Record<string, string> = {
  "-Q": "OpenLava rejects -Q as an illegal option",
  "-G": "OpenLava rejects -G as an illegal option",
  "-We": "OpenLava rejects -We",
  "-cwd": "OpenLava mis-parses -cwd as -c wd, a CPU limit, and rejects the job",
  "-wa": 'OpenLava mis-parses -wa as -w a, a dependency on a job named "a": the job would never run',
  "-wt": "OpenLava mis-parses -wt as -w t, a dependency condition",
  "-oo": 'OpenLava mis-parses -oo as -o o: output to a file named "o"',
  "-eo": 'OpenLava mis-parses -eo as -e o: errors to a file named "o"',
  "-outdir": 'OpenLava mis-parses -outdir as -o utdir: output to a file named "utdir"',
  "-env": 'OpenLava mis-parses -env as -e nv: errors to a file named "nv"',
  "-app": "OpenLava has no -app and mis-parses it by short-option bundling",
};

const OPENLAVA_INSTEAD: Record<string, string> = {
  "-Q": "crjob requeues through the queue's REQUEUE_EXIT_VALUES or brequeue instead; see lsf.requeue",
  "-wa": "use lsf.warning: on OpenLava crjob runs its own timer",
  "-wt": "use lsf.warning: on OpenLava crjob runs its own timer",
  "-oo": "use lsf.output",
  "-eo": "use lsf.error",
};

interface Word {
  text: string;
  quoted: boolean;
  index: number;
}

/** Shell-like words of a #BSUB line: quotes group, backslash escapes outside single quotes. */
export function splitWords(line: string): Word[] | { error: string; index: number } {
  const words: Word[] = [];
  let i = 0;
  while (i < line.length) {
    if (/\s/.test(line[i]!)) { i++; continue; }
    const word: Word = { text: "", quoted: false, index: i };
    while (i < line.length && !/\s/.test(line[i]!)) {
      const c = line[i]!;
      if (c === "'" || c === '"') {
        const end = line.indexOf(c, i + 1);
        if (end < 0) return { error: `unclosed ${c === "'" ? "single" : "double"} quote`, index: i };
        word.text += line.slice(i + 1, end);
        word.quoted = true;
        i = end + 1;
      } else if (c === "\\" && i + 1 < line.length) {
        word.text += line[i + 1];
        i += 2;
      } else {
        word.text += c;
        i++;
      }
    }
    words.push(word);
  }
  return words;
}

/** One lsf.extra entry: exactly one bsub option with its value, one the flavour has, not one crjob sets. */
export function checkBsubOption(
  entry: string,
  flavour: "ibm" | "openlava",
): { message: string; hint?: string; index: number } | null {
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/.exec(entry);
  if (control) return { message: "must be one line without control characters", index: control.index };
  const words = splitWords(entry);
  if (!Array.isArray(words)) return { message: words.error, index: words.index };
  const [first, ...rest] = words;
  if (!first || first.quoted || !first.text.startsWith("-")) {
    return { message: `${JSON.stringify(entry)} is not a bsub option`, hint: 'one option with its value, e.g. "-M 4000"', index: first?.index ?? 0 };
  }
  const glued = /^(-[A-Za-z]+?)(\d.*)$/.exec(first.text);
  if (glued) {
    return { message: `write the option and its value as two words`, hint: `"${glued[1]} ${glued[2]}"`, index: first.index };
  }
  if (!/^-[A-Za-z][A-Za-z_]*$/.test(first.text)) {
    return { message: `${JSON.stringify(first.text)} is not a bsub option`, hint: 'one option with its value, e.g. "-M 4000"', index: first.index };
  }
  const options = [first, ...rest.filter((w) => !w.quoted && /^-[A-Za-z]/.test(w.text))];
  if (options.length > 1) {
    const parts = options.map((w, i) => entry.slice(w.index, options[i + 1]?.index ?? entry.length).trim());
    return {
      message: `holds ${options.length} options: ${options.map((w) => w.text).join(", ")}`,
      hint: `one option per entry: ${parts.map((p) => JSON.stringify(p)).join(", ")}`,
      index: options[1]!.index,
    };
  }
  const option = first.text;
  if (flavour === "openlava" && OPENLAVA_LACKS[option]) {
    return { message: OPENLAVA_LACKS[option], hint: OPENLAVA_INSTEAD[option], index: first.index };
  }
  if (CONTROLLED[option]) {
    return { message: `${option} is set by crjob`, hint: `use ${CONTROLLED[option]} instead`, index: first.index };
  }
  const comment = rest.find((w) => !w.quoted && w.text.startsWith("#"));
  if (comment) return { message: 'a word starting with "#" ends a #BSUB line: the rest would be lost', hint: "quote it", index: comment.index };
  if (rest.length > 1) {
    return { message: `${option} takes one value, got ${rest.length}`, hint: `quote a value with spaces: ${option} "${rest.map((w) => w.text).join(" ")}"`, index: rest[1]!.index };
  }
  return null;
}

// --- site profile ------------------------------------------------------------------------------

function siteQueue(ctx: RuleContext): void {
  const queues = Object.keys(ctx.site?.queues ?? {});
  const queue = ctx.spec.queue;
  if (queues.length === 0 || typeof queue !== "string" || queues.includes(queue)) return;
  const near = didYouMean(queue, queues);
  ctx.report(
    ["queue"],
    "error",
    `unknown queue "${queue}" in site profile ${ctx.siteFile}`,
    near ? `did you mean "${near}"?` : `queues: ${queues.join(", ")}`,
  );
}

function blcrQueue(ctx: RuleContext): void {
  const queues = ctx.site?.queues ?? {};
  const queue = ctx.spec.queue;
  if (ctx.tool !== "blcr" || typeof queue !== "string" || !(queue in queues) || queues[queue]?.blcr) return;
  const withBlcr = Object.keys(queues).filter((q) => queues[q]?.blcr);
  const toolSet = get(ctx.spec, "checkpoint", "tool") !== undefined;
  ctx.report(
    toolSet ? ["checkpoint", "tool"] : ["queue"],
    "error",
    `queue "${queue}" has no BLCR in site profile ${ctx.siteFile}${toolSet ? "" : ", and checkpoint.tool defaults to blcr"}`,
    withBlcr.length
      ? `queues with BLCR: ${withBlcr.join(", ")}`
      : 'no queue there has BLCR; use checkpoint.tool "dmtcp", "app" or "none"',
  );
}

// --- paths ---------------------------------------------------------------------------------------

function checkpointDirOffScratch(ctx: RuleContext): void {
  const dir = get(ctx.spec, "checkpoint", "dir");
  const scratch = [ctx.spec.scratch, ctx.site?.scratch, DEFAULT_SCRATCH].find((s) => typeof s === "string");
  if (typeof dir !== "string" || typeof scratch !== "string" || !ROOTED.test(dir) || !ROOTED.test(scratch)) return;
  const d = canonical(dir);
  const s = canonical(scratch);
  if (d !== s && !d.startsWith(s === "/" ? "/" : `${s}/`)) return;
  ctx.report(
    ["checkpoint", "dir"],
    "warning",
    `inside the scratch dir ${scratch}, which is wiped when the job ends and lost with its node`,
    "keep checkpoints under $HOME or a shared project dir",
  );
}

/** Paths that must stay inside the work dir (or the submit dir): relative, no "..". */
const RELATIVE_PATHS: [PathSegment[], string][] = [
  [["app", "output"], "a file in the work dir: a relative path"],
  [["stage", "in"], "a path relative to the submit dir"],
  [["stage", "out"], "a path relative to the work dir"],
  [["checkpoint", "files"], "a path relative to the work dir"],
];

function relativePaths(ctx: RuleContext): void {
  for (const [path, what] of RELATIVE_PATHS) {
    const v = get(ctx.spec, ...path);
    const entries: [PathSegment[], unknown][] = Array.isArray(v) ? v.map((x, i) => [[...path, i], x]) : [[path, v]];
    for (const [p, value] of entries) {
      if (typeof value !== "string" || value === "") continue;
      const absolute = value.startsWith("/") || value.startsWith("~");
      if (absolute || value.split("/").includes("..")) {
        ctx.report(p, "error", `must be ${what} without "..", got ${JSON.stringify(value)}`);
      }
    }
  }
}

// --- job arrays ----------------------------------------------------------------------------------

export interface ArraySpec {
  /** Ranges as written: [start, end, step]. */
  ranges: [number, number, number][];
  /** "%N": at most N elements at once, or null. */
  limit: number | null;
}
export type ArrayParse = ArraySpec | { error: string; hint?: string; index: number };

/** LSF's array index list: "1-100", "1-100:2", "1,3,5-9", with an optional "%N" (at most N at once). */
export function parseArraySpec(text: string): ArrayParse {
  const [list = "", limitText, ...more] = text.split("%");
  const ranges: [number, number, number][] = [];
  let index = 0;
  for (const item of list.split(",")) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(item);
    if (!m) {
      return item === ""
        ? { error: "empty entry in the index list", hint: 'e.g. "1-100" or "1,3,5-9"', index }
        : { error: `${JSON.stringify(item)} is not an index or a range`, hint: 'e.g. "1-100", "1-100%10" or "1,3,5-9"', index };
    }
    const start = Number(m[1]);
    const end = m[2] === undefined ? start : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    if (start === 0 || end === 0) return { error: "array indices start at 1, got 0", index };
    if (start > end) return { error: `range ${item} starts after it ends`, hint: `write ${end}-${start}`, index };
    if (step === 0) return { error: `range ${item} has step 0`, hint: "the step after \":\" is at least 1", index };
    ranges.push([start, end, step]);
    index += item.length + 1;
  }
  if (limitText === undefined) return { ranges, limit: null };
  const at = list.length + 1;
  if (more.length > 0 || !/^\d+$/.test(limitText)) {
    return { error: `"%${text.slice(at)}" is not a limit`, hint: 'e.g. "1-100%10": at most 10 elements at once', index: at - 1 };
  }
  if (Number(limitText) === 0) return { error: "%0 would never run an element", hint: "use %1 or more", index: at - 1 };
  return { ranges, limit: Number(limitText) };
}

function arraySyntax(ctx: RuleContext): void {
  const array = ctx.spec.array;
  if (typeof array !== "string") return;
  const parsed = parseArraySpec(array);
  if ("error" in parsed) ctx.report(["array"], "error", parsed.error, parsed.hint, { index: parsed.index });
}

function arrayOutputs(ctx: RuleContext): void {
  if (typeof ctx.spec.array !== "string") return;
  for (const field of ["output", "error"] as const) {
    const v = get(ctx.spec, "lsf", field);
    if (typeof v === "string" && !v.includes("%I")) {
      ctx.report(["lsf", field], "warning", "every array element writes to this same file", 'add %I, the array index: e.g. "%J.%I.out"');
    }
  }
}

/** A NUL byte cannot be part of any argument, path or variable: the shell would silently drop it. */
function noNulBytes(ctx: RuleContext): void {
  const walk = (v: unknown, path: PathSegment[]): void => {
    if (typeof v === "string") {
      if (v.includes("\0")) ctx.report(path, "error", "contains a NUL byte, which no argument, path or variable can hold");
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (isRecord(v)) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(ctx.spec, []);
}

/**
 * Values that end up on a `#BSUB` line or in the script's header comment: a line break there would
 * end the comment and make the rest a command, and LSF's parser takes one quoting style only.
 */
const ONE_LINE_FIELDS: PathSegment[][] = [
  ["lsf", "output"],
  ["lsf", "error"],
  ["lsf", "resources"],
  ["checkpoint", "dir"],
];
function oneLineValues(ctx: RuleContext): void {
  for (const path of ONE_LINE_FIELDS) {
    const v = get(ctx.spec, ...path);
    if (typeof v !== "string") continue;
    if (/[\r\n]/.test(v)) ctx.report(path, "error", "must be one line (it goes on a #BSUB line or in a comment)");
    else if (path[0] === "lsf" && v.includes('"') && v.includes("'")) {
      ctx.report(path, "error", "cannot hold both ' and \" (LSF's #BSUB parser has no escapes)");
    }
  }
}

const RULES: Rule[] = [
  noNulBytes,
  oneLineValues,
  intervalRequired,
  toolOnlyFields,
  appToolNeedsFiles,
  intervalLength,
  intervalAuto,
  restartNeedsCheckpoints,
  runlimitParses,
  intervalBelowRunlimit,
  warningBeforeRunlimit,
  extraOptions,
  slurmOnly,
  siteQueue,
  blcrQueue,
  requeuePath,
  checkpointDirOffScratch,
  relativePaths,
  arraySyntax,
  arrayOutputs,
];

// --- helpers -------------------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function get(data: unknown, ...path: PathSegment[]): unknown {
  let v = data;
  for (const seg of path) v = isRecord(v) || Array.isArray(v) ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

function durationAt(ctx: RuleContext, ...path: string[]): number | null {
  const v = get(ctx.spec, ...path);
  return typeof v === "string" ? parseDuration(v) : null;
}

function runlimitOf(ctx: RuleContext): number | null {
  const v = get(ctx.spec, "lsf", "runlimit");
  if (typeof v === "number") return Number.isInteger(v) && v > 0 ? v * 60 : null;
  if (typeof v !== "string" || !RUNLIMIT.test(v)) return null;
  const secs = parseRunlimit(v);
  return secs ? secs : null;
}

function flavourOf(ctx: RuleContext): "ibm" | "openlava" | "slurm" {
  const f = ctx.site?.flavour;
  return f === "openlava" || f === "slurm" ? f : "ibm";
}

/** Slurm: what the lsf.* fields cannot carry over, and slurm.extra (rules-slurm.ts). */
function slurmOnly(ctx: RuleContext): void {
  slurmRules(ctx, (v) => (typeof v === "string" ? parseDuration(v) : null));
}

/** "~/x", "${HOME}/x/" → "$HOME/x", so prefixes compare. */
function canonical(p: string): string {
  const home = p.replace(/^~(?=\/|$)/, "$HOME").replace(/^\$\{HOME\}/, "$HOME");
  const n = posix.normalize(home);
  return n.length > 1 ? n.replace(/\/+$/, "") : n;
}
