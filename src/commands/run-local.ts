// `crjob run --local SPEC [--interval 5s] [--kill-after 10s] [--limit 30s] [--flavour F]`: a try-run
// of a job on this machine through the LSF emulator (src/lsf), before spending an allocation.
//
// The spec is rendered with scratch and checkpoint.dir in a temp dir (nothing touches the cluster's
// paths), a short checkpoint interval, and, with --limit, a run limit the emulator scales to that
// many seconds (LSFEMU_SECONDS_PER_MINUTE; the job gets CRJOB_RUNLIMIT_SECONDS). The job is
// submitted from the current directory as `bsub < script` would be (stage.in is read from here and
// stage.out lands here). With --kill-after it is bkill'ed (LSF's signal sequence) that long after it
// started and submitted again, as a user would after a bkill; it should resume. What the job logs
// is streamed; the exit status is the final job's.
import { existsSync, mkdtempSync, readFileSync, openSync, readSync, closeSync, fstatSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, relative, resolve } from "node:path";
import { parseDocument } from "yaml";
import { SpecError, UsageError, UserError } from "../errors.js";
import { compileJob, renderJob } from "../index.js";
import type { JobModel } from "../model.js";
import { formatDuration, parseDuration } from "../jobspec/duration.js";
import { loadSite, type LoadedSite } from "../jobspec/site.js";
import type { Flavour } from "../jobspec/types.js";
import { findOnPath } from "../state/lsf.js";
import { parseHistory } from "../state/parse.js";
import { elementIndexes } from "../state/store.js";
import { storyOf } from "../state/summary.js";
import { resolveSite, resolveTemplates } from "./context.js";
import { readInput } from "./io.js";
import { out as print, printDiagnostics } from "../output.js";

export interface RunLocalOptions {
  spec: string;
  interval?: string;
  killAfter?: string;
  limit?: string;
  flavour?: Flavour;
  /** false: --no-checkpoint (run with checkpoint.tool: none). */
  checkpoint?: boolean;
  site?: string;
  keep?: boolean;
  timeout?: string;
}

/** The external programs a checkpoint tool needs on PATH. */
const TOOL_PROGRAMS: Record<string, string[]> = {
  blcr: ["cr_run", "cr_checkpoint", "cr_restart"],
  dmtcp: ["dmtcp_launch", "dmtcp_command", "dmtcp_restart"],
};

/** Ctrl-C or TERM during the run: the emulated jobs are killed; exit 130. */
class Interrupted extends UserError {
  override readonly exitCode = 130;
}

const DEFAULT_INTERVAL = "5s";
const DEFAULT_TIMEOUT = "1h";

function seconds(option: string, text: string | undefined, fallback?: string): number | null {
  const t = text ?? fallback;
  if (t === undefined) return null;
  const s = parseDuration(t);
  if (s === null || s <= 0) throw new UsageError(`--${option}: not a duration: ${JSON.stringify(t)} (e.g. 5s, 2m, 1h30m)`);
  return s;
}

/** Fields that mean something only with a checkpoint tool (dropped with --no-checkpoint). */
const TOOL_ONLY = ["interval", "mtbf", "keep", "keep_on_success", "restore_pid", "files", "signal", "ready"];

/** The spec text with the try-run's overrides, as YAML (the original is validated first). */
export function overrideSpec(
  source: string,
  o: { scratch: string; stateDir: string; interval: number | null; noCheckpoint: boolean; runlimitMinutes: number | null },
): string {
  const doc = parseDocument(source);
  doc.setIn(["scratch"], o.scratch);
  doc.setIn(["checkpoint", "dir"], o.stateDir);
  if (o.noCheckpoint) {
    doc.setIn(["checkpoint", "tool"], "none");
    for (const k of TOOL_ONLY) doc.deleteIn(["checkpoint", k]);
    doc.deleteIn(["app", "restart_command"]);
    doc.deleteIn(["app", "restart_args"]);
    if (doc.getIn(["mode"]) === "restart") doc.deleteIn(["mode"]);
  } else if (o.interval !== null) {
    doc.setIn(["checkpoint", "interval"], `${o.interval}s`);
    doc.deleteIn(["checkpoint", "mtbf"]);
  }
  if (o.runlimitMinutes !== null) doc.setIn(["lsf", "runlimit"], String(o.runlimitMinutes));
  return doc.toString();
}

/** The site profile of the run: the spec's (if any) with the flavour to emulate. */
function runSite(site: LoadedSite | null, flavour: Flavour): LoadedSite {
  if (site) return { ...site, data: { ...site.data, flavour } };
  return loadSite(`flavour: ${flavour}\n`, "<crjob run --local>");
}

const out = (s: string) => print(s.endsWith("\n") ? s : `${s}\n`);

export async function runLocalCommand(opts: RunLocalOptions): Promise<number> {
  const interval = seconds("interval", opts.interval, DEFAULT_INTERVAL)!;
  const killAfter = seconds("kill-after", opts.killAfter);
  const limit = seconds("limit", opts.limit);
  const timeout = seconds("timeout", opts.timeout, DEFAULT_TIMEOUT)!;
  const cwd = process.cwd();

  // 1. The spec as it is: every problem reported against the user's file.
  const source = readInput(opts.spec);
  const site = resolveSite(opts.spec, opts.site);
  const { job: original, diagnostics } = compileJob(source, opts.spec, { site });
  printDiagnostics(diagnostics);
  const flavour: Flavour = opts.flavour ?? site?.data.flavour ?? "ibm";
  if (flavour === "slurm") {
    // The emulator is LSF's (src/lsf). Slurm's semantics (scontrol requeue cancelling the job at
    // once, --signal=B:, KillWait) come from a real Slurm instead: one host is enough.
    throw new UserError(
      `crjob run --local emulates LSF only, and the site profile${site ? ` ${site.file}` : ""} says flavour slurm. ` +
        "To run the Slurm script here, start a real one-host Slurm (as root: scripts/slurm-cluster.sh start, from apt's slurm-wlm and munge) " +
        "and `crjob submit` the spec; or try the same spec's lifecycle under the LSF emulator with --flavour ibm.",
    );
  }

  // 2. The checkpointer: the real one when it is installed here; never a silent downgrade.
  let noCheckpoint = opts.checkpoint === false && original.tool !== "none";
  const needed = TOOL_PROGRAMS[original.tool] ?? [];
  const searchEnv = { ...process.env };
  // The script puts the site profile's install prefix first on PATH; here it counts if it exists.
  const prefix = original.blcrPrefix ?? original.dmtcpPrefix;
  if (prefix && existsSync(join(prefix, "bin"))) searchEnv.PATH = `${join(prefix, "bin")}${delimiter}${process.env.PATH ?? ""}`;
  const missing = needed.filter((p) => !findOnPath(p, searchEnv));
  if (missing.length && !noCheckpoint) {
    throw new UserError(
      `checkpoint.tool ${original.tool} needs ${needed.join(", ")} on PATH, and ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not there: ` +
        `crjob run --local cannot emulate ${original.tool.toUpperCase()} (its checkpoints, the resume after a kill, the requeue at the run limit). ` +
        `Install it here, or pass --no-checkpoint to try the rest (staging, the app, its output and exit status, bkill) with checkpoint.tool: none.`,
    );
  }

  // 3. The run's own places, and the spec with the overrides.
  const tmp = mkdtempSync(join(tmpdir(), "crjob-run-"));
  const dirs = { lsf: join(tmp, "lsf"), scratch: join(tmp, "scratch"), state: join(tmp, "state"), logs: join(tmp, "logs") };
  let secondsPerMinute: number | null = null;
  let runlimitMinutes: number | null = null;
  if (limit !== null) {
    // Keep the spec's run limit (and so its #BSUB -W and margin) and scale LSF's minute to fit;
    // a spec without one gets -W 1.
    const specMinutes = original.runlimitSeconds !== null ? original.runlimitSeconds / 60 : null;
    if (specMinutes === null) runlimitMinutes = 1;
    secondsPerMinute = limit / (specMinutes ?? 1);
  }
  let job: JobModel;
  let script: string;
  try {
    const text = overrideSpec(source, { scratch: dirs.scratch, stateDir: dirs.state, interval, noCheckpoint, runlimitMinutes });
    const r = renderJob(text, opts.spec, {
      site: runSite(site, flavour),
      templates: resolveTemplates(undefined, site),
      displayName: relative(cwd, resolve(opts.spec)) || opts.spec,
    });
    job = r.job;
    script = r.script;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    // Only the errors: the spec's own warnings were printed above, each on its own line, and the
    // overrides' (e.g. "interval ignored" with --no-checkpoint) are the try-run's, not the user's.
    if (e instanceof SpecError) {
      const errors = e.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.path}: ${d.message}`);
      throw new UserError(`${opts.spec}: the try-run's overrides do not validate: ${errors.join("; ")}`);
    }
    throw e;
  }

  // 4. The emulated cluster: the spec's queue (with the site's requeue exit values), the flavour.
  const queueConf = site?.data.queues?.[original.queue]?.requeue_exit_values;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LSFEMU_HOME: dirs.lsf,
    LSFEMU_FLAVOUR: flavour,
    LSFEMU_QUEUES: JSON.stringify({ [original.queue]: { default: true, ...(queueConf?.length ? { REQUEUE_EXIT_VALUES: queueConf } : {}) } }),
    JOB_TERMINATE_INTERVAL: process.env.JOB_TERMINATE_INTERVAL ?? "10",
  };
  delete env.LSFEMU_FLAVOR;
  delete env.LSFEMU_DEFAULT_QUEUE;
  if (secondsPerMinute !== null) {
    env.LSFEMU_SECONDS_PER_MINUTE = String(secondsPerMinute);
    env.LSFEMU_WARN_TIME = process.env.LSFEMU_WARN_TIME ?? String(Math.max(5, Math.round(limit! / 3)));
  }
  const bsubArgs = ["-o", join(dirs.logs, job.array ? "%J.%I.out" : "%J.out")];
  if (job.bsubLines.some((l) => l.startsWith("-e "))) bsubArgs.push("-e", join(dirs.logs, job.array ? "%J.%I.err" : "%J.err"));

  const emu = await import("../lsf/emulator.js");
  const { jobDir } = await import("../lsf/store.js");

  // 5. Tell what will happen.
  const tool = noCheckpoint ? "none" : job.tool;
  out(`crjob run --local: ${opts.spec} (job ${job.name}, queue ${job.queue}) on an emulated LSF (${flavour}), submitted from ${cwd}`);
  if (tool === "none") {
    out(
      noCheckpoint
        ? `  --no-checkpoint: checkpoint.tool ${original.tool} replaced by none${missing.length ? ` (${missing.join(", ")} not on PATH)` : ""}: no checkpoints, so a kill or the run limit ends the job and the next submission starts fresh`
        : "  checkpoint.tool none: no checkpoints",
    );
  } else {
    const where = needed.length ? ` (${needed.map((p) => findOnPath(p, searchEnv)).join(", ")})` : "";
    out(`  checkpoint.tool ${tool}${where}, every ${formatDuration(interval)}`);
  }
  if (limit !== null) out(`  run limit: ${formatDuration(limit)} (an LSF minute lasts ${+secondsPerMinute!.toFixed(3)}s here)`);
  if (killAfter !== null) out(`  bkill ${formatDuration(killAfter)} after it starts, then submitted again`);
  out(`  scratch ${dirs.scratch}, state ${dirs.state}${opts.keep ? " (kept: --keep)" : " (removed at the end; --keep keeps them)"}`);

  // 6. Run, stream, kill, resubmit.
  let interrupted: string | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = sig;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const deadline = Date.now() + timeout * 1000;
  const jobIds: number[] = [];
  let final: Awaited<ReturnType<typeof emu.waitForJob>> | undefined;
  let killed = false;
  const tails = new Map<string, { offset: number; rest: string }>();

  const tail = (id: number, label: (i: number) => string, elements: { index: number; runCount: number }[]) => {
    for (const el of elements) {
      for (let run = 1; run <= el.runCount; run++) {
        for (const ext of ["out", "err"]) {
          const file = join(jobDir(dirs.lsf, id), String(el.index), `run${run}.${ext}`);
          const t = tails.get(file) ?? { offset: 0, rest: "" };
          let fd: number;
          try {
            fd = openSync(file, "r");
          } catch {
            continue;
          }
          try {
            const size = fstatSync(fd).size;
            if (size > t.offset) {
              const buf = Buffer.alloc(size - t.offset);
              readSync(fd, buf, 0, buf.length, t.offset);
              t.offset = size;
              const text = t.rest + buf.toString("utf8");
              const lines = text.split("\n");
              t.rest = lines.pop() ?? "";
              for (const l of lines) out(`${label(el.index)} ${l}`);
            }
          } finally {
            closeSync(fd);
          }
          tails.set(file, t);
        }
      }
    }
  };

  try {
    const submitOnce = (): number => {
      try {
        const s = emu.submit(script, { args: bsubArgs, cwd, env, home: dirs.lsf });
        out(`[job ${s.jobId}] ${s.message}`);
        return s.jobId;
      } catch (e) {
        if (e instanceof emu.BsubError) throw new UserError(`the emulated bsub refused the script: ${e.message}`);
        throw e;
      }
    };
    let id = submitOnce();
    jobIds.push(id);
    const seen = new Map<number, string>();
    for (;;) {
      const info = emu.jobInfo(id, { home: dirs.lsf });
      const label = (i: number) => (job.array ? `[job ${id}[${i}]]` : `[job ${id}]`);
      if (info) {
        // State changes, around the job's own lines: RUN before what it logs, DONE/EXIT after.
        const changes = (ended: boolean) => {
          for (const el of info.elements) {
            if ((el.stat === "DONE" || el.stat === "EXIT") !== ended) continue;
            const st = `${el.stat}${el.exitCode !== undefined && el.stat === "EXIT" ? ` (exit ${el.exitCode}${el.exitReason ? `, ${el.exitReason}` : ""})` : ""}`;
            if (seen.get(el.index) !== `${id}:${el.runCount}:${st}`) {
              seen.set(el.index, `${id}:${el.runCount}:${st}`);
              out(`${label(el.index)} ${st}${el.stat === "PEND" && el.pendReason ? `: ${el.pendReason}` : ""}`);
            }
          }
        };
        changes(false);
        tail(id, label, info.elements);
        changes(true);
        const finished = info.elements.every((e) => e.stat === "DONE" || e.stat === "EXIT" || e.stat === "UNKWN");
        if (finished) {
          await sleep(300); // the run's last lines are delivered as it ends
          tail(id, label, emu.jobInfo(id, { home: dirs.lsf })?.elements ?? info.elements);
          if (killAfter !== null && !killed) {
            out(`[run] job ${id} ended before --kill-after ${formatDuration(killAfter)}: nothing killed`);
          }
          if (killed && jobIds.length === 1) {
            out(`[run] submitting the same script again, as after a bkill on the cluster`);
            id = submitOnce();
            jobIds.push(id);
            continue;
          }
          final = info;
          break;
        }
        const started = info.elements.map((e) => e.startTime).filter((t): t is number => t !== undefined);
        if (killAfter !== null && !killed && started.length && Date.now() - Math.min(...started) >= killAfter * 1000) {
          killed = true;
          out(`[run] bkill ${id} (${formatDuration(killAfter)} after it started)`);
          await emu.kill(id, undefined, { home: dirs.lsf }).catch((e: Error) => out(`[run] bkill: ${e.message}`));
        }
      }
      if (interrupted) throw new Interrupted(`interrupted (SIG${String(interrupted).replace(/^SIG/, "")}): the emulated jobs were killed`);
      if (Date.now() > deadline) throw new UserError(`still running after --timeout ${formatDuration(timeout)}: the emulated jobs were killed`);
      await sleep(200);
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await emu.shutdownAll({ home: dirs.lsf }).catch(() => undefined);
    if (final || !interrupted) reportStory(job, dirs.state);
    if (!opts.keep) rmSync(tmp, { recursive: true, force: true });
    else out(`kept: ${tmp} (lsf/ = the emulator's home, logs/ = LSF output files, state/, scratch/)`);
  }

  // 7. The final job's status, as LSF would report it.
  const code = final!.exitCode ?? (final!.stat === "DONE" ? 0 : 1);
  out(`result: job ${final!.id} ${final!.stat}${final!.stat === "EXIT" ? ` (exit ${code})` : ""}; app output staged back to ${join(cwd, job.app.output)}`);
  return code > 255 ? 1 : code;
}

/** What happened, from the job's own history: fresh → checkpoint → killed → resume → done. */
function reportStory(job: JobModel, state: string): void {
  const dirs = job.array ? elementIndexes(state).map((i) => ({ dir: join(state, String(i)), label: `[${i}]` })) : [{ dir: state, label: "" }];
  for (const { dir, label } of dirs) {
    const file = join(dir, "history");
    if (!existsSync(file) || !statSync(file).isFile()) continue;
    const story = storyOf(parseHistory(readFileSync(file, "utf8")));
    if (story) out(`story${label}: ${story}`);
  }
}
