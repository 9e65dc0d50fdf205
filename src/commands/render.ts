import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import type { Worker } from "node:worker_threads";
import type { Diagnostic } from "../diagnostics.js";
import { SpecError, UsageError, UserError } from "../errors.js";
import { compileJob, renderCompiled, renderCompiledBytes, renderInputs } from "../index.js";
import { hasErrors } from "../diagnostics.js";
import { loadSpec } from "../jobspec/load.js";
import { NAME_PATTERN } from "../jobspec/schema.js";
import type { Mode } from "../jobspec/types.js";
import { resolveSite, resolveTemplates } from "./context.js";
import { isOurs, readInput, stageFile, writeAtomic } from "./io.js";
import { isCurrent, staleness } from "./stale.js";
import { out, printDiagnostics } from "../output.js";

export interface RenderCommandOptions {
  specs: string[];
  output?: string;
  outdir?: string;
  mode?: Mode;
  site?: string;
  templates?: string;
  force?: boolean;
  /** Exit 1 naming every committed script that is stale or hand-edited; write nothing. */
  check?: boolean;
}

export interface Rendered {
  spec: string;
  target: string | null;
  /** The script, unless it waits in `staged` or only `stale` was needed. */
  script?: string;
  /** --outdir: the script already written under writeAtomic's temporary name; step 4 renames it. */
  staged?: string;
  /** --check: why the committed script differs ("missing", ...), or null when it is current. */
  stale?: string | null;
  /** --outdir without --force: whether the target is absent or crjob's (isOurs), for step 4. */
  ours?: boolean;
  /** --outdir: the target already holds this script (step 4 leaves it alone). */
  unchanged?: boolean;
}

/** Step 1 for one spec: its diagnostics, and what it renders to unless it has errors. */
export interface SpecResult {
  diagnostics: Diagnostic[];
  rendered?: Rendered;
}

/** The spec's name as the header shows it: relative to the script's directory, `/`-separated. */
function displayName(spec: string, target: string | null): string {
  const from = target ? dirname(resolve(target)) : process.cwd();
  const rel = target ? relative(from, resolve(spec)) : spec;
  return rel.split(sep).join("/");
}

/**
 * Render one spec. Throws what is not a SpecError (that ends the command). With --outdir the
 * per-target work of the later steps that only reads or prepares (isOurs, the --check comparison,
 * writing the temporary file) is done here, so that it is spread over threads with the rendering.
 */
export function renderSpec(spec: string, opts: RenderCommandOptions): SpecResult {
  try {
    const source = readInput(spec);
    const site = resolveSite(spec, opts.site);
    const templates = resolveTemplates(opts.templates, site);
    // With --outdir the target's name comes from the job, but its directory (all the header needs)
    // is the outdir whatever the name: one render per spec.
    const where = opts.outdir ? join(opts.outdir, "job.sh") : (opts.output ?? null);
    const renderOpts = { site, mode: opts.mode, templates, displayName: displayName(spec, where) };
    if (opts.check) {
      // A committed script whose fingerprint says it was rendered from exactly these inputs is
      // current: no render needed (its spec had no errors then, and has none now).
      const loaded = loadSpec(source, spec);
      const data = hasErrors(loaded.diagnostics) ? undefined : (loaded.data as Record<string, unknown> | undefined);
      const target = !data ? null : opts.outdir ? quickTarget(data, opts.outdir) : (opts.output ?? null);
      if (target && isCurrent(target, renderInputs(data, spec, renderOpts))) {
        return { diagnostics: [], rendered: { spec, target, stale: null } };
      }
    }
    const compiled = compileJob(source, spec, renderOpts); // every diagnostic, as always
    const { diagnostics } = compiled;
    const target = opts.outdir ? join(opts.outdir, `${compiled.job.name}.sh`) : (opts.output ?? null);
    const rendered: Rendered = { spec, target };
    const existing = opts.outdir && !opts.check && listed(opts, target!) ? statSync(target!, { throwIfNoEntry: false }) : undefined;
    if (existing?.isFile() && (existing.mode & 0o7777) === 0o755 && isCurrent(target!, renderInputs(compiled.data, spec, renderOpts))) {
      // Already the script these inputs render to (its fingerprint says so; rendering is
      // deterministic): left as it is, with its mtime, and not rendered again (re-rendering a
      // directory of scripts after editing a few specs; bench/run.mjs, "over the previous output").
      rendered.unchanged = true;
      return { diagnostics, rendered };
    }
    if (opts.check || opts.outdir) {
      // Bytes only (no script text): the kept partials' bytes are copied, not rendered and encoded.
      const bytes = renderCompiledBytes(compiled, spec, renderOpts);
      if (opts.check) {
        if (target) rendered.stale = staleness(target, bytes); // else step 3 says what is missing
      } else {
        // (A target that held these very bytes with mode 0755 was left alone above: its fingerprint matched.)
        if (!opts.force) rendered.ours = !existing || isOurs(target!);
        try {
          rendered.staged = stageFile(target!, bytes, 0o755);
        } catch {
          rendered.script = bytes.toString("utf8"); // step 4 writes it as usual, and reports what fails then
        }
      }
    } else {
      rendered.script = renderCompiled(compiled, spec, renderOpts).script;
    }
    return { diagnostics, rendered };
  } catch (e) {
    if (e instanceof SpecError) return { diagnostics: e.diagnostics };
    throw e;
  }
}

/** --outdir: the names in the output directory when this command's thread first looked at it. */
const listings = new WeakMap<RenderCommandOptions, Set<string>>();

/**
 * Whether `target` (in --outdir) was there when this thread first listed the directory for this
 * command (its options object: one per command, and a copy of its own in each worker): one
 * readdir instead of a stat per absent target (thousands, into a new directory). A file that
 * appears after the listing counts as absent, as one that appeared after the stat did: the window
 * is the render's length instead of one spec's.
 */
function listed(opts: RenderCommandOptions, target: string): boolean {
  let names = listings.get(opts);
  if (!names) listings.set(opts, (names = new Set(readdirSync(opts.outdir!))));
  return names.has(basename(target));
}

const NAME = new RegExp(NAME_PATTERN);

/** --outdir: the target named by the spec's `name`, before any check (null: cannot tell). */
function quickTarget(data: Record<string, unknown>, outdir: string): string | null {
  const name = data.name;
  return typeof name === "string" && NAME.test(name) ? join(outdir, `${name}.sh`) : null;
}

export async function renderCommand(opts: RenderCommandOptions): Promise<number> {
  if (opts.output && opts.outdir) throw new UsageError("use either -o FILE or --outdir DIR, not both");
  if (opts.output && opts.specs.length > 1) throw new UsageError("-o FILE takes one spec; use --outdir DIR for several");
  if (!opts.output && !opts.outdir && opts.specs.length > 1 && !opts.check) {
    throw new UsageError("several specs need --outdir DIR (stdout takes one script)");
  }
  if (opts.outdir && !opts.check && (!existsSync(opts.outdir) || !statSync(opts.outdir).isDirectory())) {
    throw new UserError(`${opts.outdir}: output directory not found`);
  }

  // 1. Render everything first: if any spec is invalid, nothing is written (staged files go again).
  const { results, error } = await renderSpecs(opts);
  try {
    if (error) throw error;
    return finish(opts, results);
  } finally {
    for (const r of results) if (r?.rendered?.staged) rmSync(r.rendered.staged, { force: true });
  }
}

function finish(opts: RenderCommandOptions, results: SpecResult[]): number {
  const diagnostics: Diagnostic[] = [];
  const rendered: Rendered[] = [];
  for (const r of results) {
    for (const d of r.diagnostics) diagnostics.push(d);
    if (r.rendered) rendered.push(r.rendered);
  }
  printDiagnostics(diagnostics);
  if (diagnostics.some((d) => d.severity === "error")) return 1;

  // 2. Two specs with one job name would write one file twice.
  const seen = new Map<string, string>();
  for (const r of rendered) {
    if (!r.target) continue;
    const prev = seen.get(resolve(r.target));
    if (prev) throw new UserError(`${r.spec}: renders to ${r.target}, as ${prev} does (same job name)`);
    seen.set(resolve(r.target), r.spec);
  }

  // 3. --check: compare with what is committed.
  if (opts.check) {
    let stale = 0;
    for (const r of rendered) {
      if (!r.target) throw new UsageError("--check needs -o FILE or --outdir DIR (the committed scripts)");
      const why = r.stale!;
      if (why) {
        stale++;
        // A diagnostic like any other (file:line:col severity), for problem matchers and CI annotations.
        const message = `${why}; run: crjob render ${r.spec} -o ${r.target}`;
        printDiagnostics([{ file: r.target, line: 1, col: 1, path: "", severity: "error", message }]);
      }
    }
    return stale ? 1 : 0;
  }

  // 4. Write.
  if (rendered.length === 1 && !rendered[0]!.target) {
    out(rendered[0]!.script!);
    return 0;
  }
  for (const r of rendered) {
    if (r.unchanged) continue;
    if (!opts.force && !(r.ours ?? isOurs(r.target!))) {
      throw new UserError(`${r.target}: exists and was not generated by crjob; use --force to overwrite it`);
    }
  }
  for (const r of rendered) {
    if (r.unchanged) continue;
    if (r.staged) {
      renameSync(r.staged, r.target!); // as writeAtomic ends (on failure the caller removes it)
      r.staged = undefined;
    } else {
      writeAtomic(r.target!, r.script!, 0o755);
    }
  }
  return 0;
}

// --- step 1 over many specs: both cores ---------------------------------------------------------

/** Specs per thread below which a worker thread costs more (its start-up) than it saves. */
const SPECS_PER_THREAD = 256;
/** Specs a thread takes at a time from the shared queue. */
const BATCH = 16;

/** What a worker is sent to do (its one message). */
export interface RenderWorkerWork {
  opts: RenderCommandOptions;
  /** Int32Array over it: [0] next spec index to take, [1] lowest index whose spec threw. */
  queue: SharedArrayBuffer;
}

/**
 * Where dist/cli.cjs leaves the worker threads it starts for a bulk render (scripts/build.mjs,
 * loader): one per core but this one (CRJOB_THREADS: threads in all), while this thread loads
 * crjob. None when crjob runs from src/ (tests): one thread.
 */
const EARLY_WORKERS = Symbol.for("crjob.renderWorkers");
/** One of them; `gone` once it has exited (it failed to start). */
interface EarlyWorker {
  worker: Worker;
  gone: boolean;
}

/** What a worker sends back: its results by spec index, and what it threw (if it did). */
export interface RenderWorkerReply {
  results: [number, SpecResult][];
  thrown?: { index: number; error: SerializedError };
}

interface SerializedError {
  kind: "usage" | "user" | "other";
  name: string;
  message: string;
  stack?: string;
}

/**
 * Step 1 for every spec, in spec order: results up to the first spec that threw something other
 * than a SpecError, and that error (as one render after another would have it). Many specs with
 * --outdir are shared with worker threads; results and the error are the same as one by one.
 */
async function renderSpecs(opts: RenderCommandOptions): Promise<{ results: SpecResult[]; error?: unknown }> {
  const n = opts.specs.length;
  const early = (globalThis as Record<symbol, EarlyWorker[] | undefined>)[EARLY_WORKERS] ?? [];
  const threads = Math.min(early.length + 1, Math.floor(n / SPECS_PER_THREAD));
  const queue = new Int32Array(new SharedArrayBuffer(8));
  queue[1] = n;
  const results: SpecResult[] = new Array(n);
  const multi = !!opts.outdir && threads >= 2;
  // The workers not needed here end now.
  for (const { worker } of early.splice(multi ? threads - 1 : 0)) void worker.terminate();
  if (!multi) {
    for (let i = 0; i < n; i++) {
      try {
        results[i] = renderSpec(opts.specs[i]!, opts);
      } catch (error) {
        return { results, error };
      }
    }
    return { results };
  }

  const work: RenderWorkerWork = { opts, queue: queue.buffer as SharedArrayBuffer };
  const replies = Array.from({ length: threads - 1 }, (_, k) => {
    const { worker, gone } = early[k]!;
    if (gone) return null; // it failed to start: its share is rendered below
    return new Promise<RenderWorkerReply | null>((done) => {
      worker.once("message", (reply: RenderWorkerReply) => done(reply));
      worker.once("error", () => done(null)); // its specs are rendered below
      worker.once("exit", () => done(null));
      worker.ref(); // until it replies
      worker.postMessage(work);
    });
  });
  const errors = new Map<number, unknown>();
  const thrown = takeSpecs(opts, queue, (i, r) => (results[i] = r));
  if (thrown) errors.set(thrown.index, thrown.error);
  for (const reply of await Promise.all(replies)) {
    for (const [i, r] of reply?.results ?? []) results[i] = r;
    if (reply?.thrown) errors.set(reply.thrown.index, deserializeError(reply.thrown.error));
  }
  // Anything a worker took but did not report (it failed to start or died): render it here.
  const firstError = Math.min(n, ...errors.keys());
  for (let i = 0; i < firstError; i++) {
    if (results[i]) continue;
    try {
      results[i] = renderSpec(opts.specs[i]!, opts);
    } catch (error) {
      errors.set(i, error);
      break;
    }
  }
  const first = Math.min(n, ...errors.keys());
  return first < n ? { results, error: errors.get(first) } : { results };
}

/** Take batches of specs from the shared queue until it is empty or some spec (here or in another thread) threw. */
export function takeSpecs(
  opts: RenderCommandOptions,
  queue: Int32Array,
  put: (index: number, result: SpecResult) => void,
): { index: number; error: unknown } | undefined {
  const n = opts.specs.length;
  for (;;) {
    const start = Atomics.add(queue, 0, BATCH);
    if (start >= n) return undefined;
    for (let i = start; i < Math.min(start + BATCH, n); i++) {
      if (i > Atomics.load(queue, 1)) return undefined; // a spec before this one threw: the command ends there
      try {
        put(i, renderSpec(opts.specs[i]!, opts));
      } catch (error) {
        for (let low = Atomics.load(queue, 1); i < low; low = Atomics.load(queue, 1)) {
          if (Atomics.compareExchange(queue, 1, low, i) === low) break;
        }
        return { index: i, error };
      }
    }
  }
}

export function serializeError(e: unknown): SerializedError {
  const kind = e instanceof UsageError ? "usage" : e instanceof UserError ? "user" : "other";
  if (e instanceof Error) return { kind, name: e.name, message: e.message, stack: e.stack };
  return { kind, name: "Error", message: String(e), stack: String(e) };
}

function deserializeError(s: SerializedError): Error {
  if (s.kind === "usage") return new UsageError(s.message);
  if (s.kind === "user") return new UserError(s.message);
  const e = new Error(s.message);
  e.name = s.name;
  e.stack = s.stack;
  return e;
}
