// Programmatic API of the LSF emulator, for tests and `crjob run --local`.
//
//   const { jobId } = submit(script, { args: ["-q", "normal"], cwd, env });
//   const info = await waitForJob(jobId, { timeoutMs: 30000 });
//   await kill(jobId);               // the bkill sequence
//   await kill(jobId, "USR1");       // bkill -s USR1
//   await shutdownAll();             // kill every job and supervisor of $LSFEMU_HOME
import { emuHome } from "./config.js";
import { sendRequest, spawnSupervisor, supervisorAlive, type Ack, type Request } from "./ctl.js";
import { isAlive, listProcs, signalNumber } from "./signals.js";
import { submitJob, type Submitted } from "./submit.js";
import { FINISHED, listJobIds, readJob, readState } from "./store.js";
import type { ElementState, JobRecord, JobState, Stat } from "./store.js";

export { BsubError } from "./bsub-options.js";
export { loadConfig, emuHome, type EmuConfig, type Flavour, type QueueConf } from "./config.js";
export type { Submitted } from "./submit.js";
export type { JobRecord, ElementState, Stat } from "./store.js";
export type { Ack } from "./ctl.js";

export interface HomeOption {
  /** Emulator home; default $LSFEMU_HOME or ~/.lsfemu. */
  home?: string;
}

export interface SubmitOptions extends HomeOption {
  /** bsub options, e.g. ["-q", "normal", "-W", "1"]. */
  args?: string[];
  /** Run this command instead of a script (`bsub [opts] command args`). */
  command?: string[];
  cwd?: string;
  /** Submitter's environment; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface ElementInfo {
  index: number;
  stat: Stat;
  exitCode?: number;
  exitReason?: string;
  pendReason?: string;
  runCount: number;
  requeueCount: number;
  startTime?: number;
  finishTime?: number;
  pid?: number;
  pgids: number[];
}

export interface JobInfo {
  id: number;
  name: string;
  queue: string;
  user: string;
  /** The element's state; for an array the "most active" element state. */
  stat: Stat;
  /** Exit code of a finished job (highest among array elements). */
  exitCode?: number;
  exitReason?: string;
  runCount: number;
  requeueCount: number;
  submitTime: number;
  elements: ElementInfo[];
  job: JobRecord;
}

function homeOf(o?: HomeOption, env?: NodeJS.ProcessEnv): string {
  return o?.home ?? emuHome(env ?? process.env);
}

/** Submit a script (as `bsub [args] < script`) or a command. Throws BsubError when refused. */
export function submit(script: string, opts: SubmitOptions = {}): Submitted {
  const env = { ...(opts.env ?? process.env) };
  if (opts.home) env.LSFEMU_HOME = opts.home;
  return submitJob({ args: [...(opts.args ?? []), ...(opts.command ?? [])], stdin: script, cwd: opts.cwd, env });
}

const ORDER: Stat[] = ["RUN", "USUSP", "SSUSP", "PEND", "PSUSP", "UNKWN", "EXIT", "DONE"];

/** Element state as bjobs shows it: UNKWN when the supervisor of an unfinished job is gone. */
export function effectiveStat(el: ElementState, state: JobState, job: JobRecord): Stat {
  if (FINISHED.has(el.stat)) return el.stat;
  if (state.supervisorPid !== undefined) return isAlive(state.supervisorPid, state.supervisorStart) ? el.stat : "UNKWN";
  return Date.now() - job.submitTime > 10000 ? "UNKWN" : el.stat;
}

export function jobInfo(id: number, opts?: HomeOption): JobInfo | undefined {
  const home = homeOf(opts);
  const job = readJob(home, id);
  const state = readState(home, id);
  if (!job || !state) return undefined;
  const elements: ElementInfo[] = state.elements.map((e) => ({
    index: e.index,
    stat: effectiveStat(e, state, job),
    exitCode: e.exitCode,
    exitReason: e.exitReason,
    pendReason: e.pendReason,
    runCount: e.runCount,
    requeueCount: e.requeueCount,
    startTime: e.startTime,
    finishTime: e.finishTime,
    pid: e.pid,
    pgids: e.pgids ?? [],
  }));
  const stat = ORDER.find((s) => elements.some((e) => e.stat === s)) ?? "UNKWN";
  const codes = elements.map((e) => e.exitCode).filter((c): c is number => c !== undefined);
  return {
    id,
    name: job.nameSpec ?? job.name,
    queue: job.queue,
    user: job.user,
    stat,
    exitCode: codes.length ? Math.max(...codes) : undefined,
    exitReason: elements.find((e) => e.exitReason)?.exitReason,
    runCount: elements.reduce((s, e) => s + e.runCount, 0),
    requeueCount: elements.reduce((s, e) => s + e.requeueCount, 0),
    submitTime: job.submitTime,
    elements,
    job,
  };
}

export function listJobs(opts?: HomeOption): JobInfo[] {
  const home = homeOf(opts);
  return listJobIds(home)
    .map((id) => jobInfo(id, { home }))
    .filter((j): j is JobInfo => !!j);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface WaitOptions extends HomeOption {
  timeoutMs?: number;
  /** Resolve when this holds instead of when the job has finished. */
  until?: (info: JobInfo) => boolean;
  pollMs?: number;
}

/** Wait until every element is DONE/EXIT (a requeued job is PEND again, so waiting goes on). */
export async function waitForJob(id: number, opts: WaitOptions = {}): Promise<JobInfo> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60000);
  const done = opts.until ?? ((i: JobInfo) => i.elements.every((e) => FINISHED.has(e.stat) || e.stat === "UNKWN"));
  for (;;) {
    const info = jobInfo(id, opts);
    if (info && done(info)) return info;
    if (Date.now() > deadline) {
      throw new Error(`lsf-emu: job ${id} still ${info?.stat ?? "unknown"} after ${opts.timeoutMs ?? 60000} ms`);
    }
    await sleep(opts.pollMs ?? 50);
  }
}

export interface ControlOptions extends HomeOption {
  /** One array element; default all. */
  index?: number;
}

/**
 * Send a request to a job's supervisor. Finished elements answer "Job has already finished"
 * without asking anybody; brequeue of a finished job starts a new supervisor.
 */
export async function controlJob(id: number, req: Request, opts?: HomeOption): Promise<Ack> {
  const home = homeOf(opts);
  const state = readState(home, id);
  if (!readJob(home, id) || !state) throw new Error(`Job <${id}> is not found`);
  const index = "index" in req ? req.index : undefined;
  const els = state.elements.filter((e) => index === undefined || e.index === index);
  if (els.length === 0) throw new Error(`Job <${id}[${index}]> is not found`);
  if (req.op !== "requeue" && req.op !== "shutdown" && els.every((e) => FINISHED.has(e.stat))) {
    return { results: els.map((e) => ({ index: e.index, ok: false, message: "Job has already finished" })) };
  }
  if (req.op === "requeue" && els.every((e) => FINISHED.has(e.stat)) && !supervisorAlive(home, id)) {
    // A finished job has no supervisor: start one that requeues the elements first thing.
    spawnSupervisor(home, id, ["--requeue", index === undefined ? "all" : String(index)], readJob(home, id)!.env);
    const ok = await waitForJob(id, { home, timeoutMs: 10000, until: (i) => i.elements.some((e) => !FINISHED.has(e.stat)) }).then(
      () => true,
      () => false,
    );
    if (!ok) throw new Error(`lsf-emu: could not requeue job ${id}`);
    return { results: els.map((e) => ({ index: e.index, ok: true })) };
  }
  const ack = await sendRequest(home, id, req);
  if (!ack) throw new Error(`lsf-emu: the supervisor of job ${id} did not answer (state unknown)`);
  return ack;
}

const control = controlJob;

/** bkill: without a signal the terminate sequence; with one, exactly that signal. */
export function kill(id: number, signal?: string | number, opts: ControlOptions & { force?: boolean } = {}): Promise<Ack> {
  let sig: number | undefined;
  if (signal !== undefined) {
    sig = signalNumber(signal);
    if (sig === undefined) return Promise.reject(new Error(`${signal}: Illegal signal value`));
  }
  return control(id, { op: "kill", index: opts.index, signal: sig, force: opts.force }, opts);
}

/** brequeue: kill the running job and put it back to PEND, same job id. */
export function requeue(id: number, opts: ControlOptions = {}): Promise<Ack> {
  return control(id, { op: "requeue", index: opts.index }, opts);
}

/** Simulate loss of the execution host: SIGKILL to the whole job; -r jobs rerun. */
export function hostFail(id: number, opts: ControlOptions = {}): Promise<Ack> {
  return control(id, { op: "hostfail", index: opts.index }, opts);
}

export function stop(id: number, opts: ControlOptions = {}): Promise<Ack> {
  return control(id, { op: "stop", index: opts.index }, opts);
}

export function resume(id: number, opts: ControlOptions = {}): Promise<Ack> {
  return control(id, { op: "resume", index: opts.index }, opts);
}

/**
 * Kill every job of the home and stop its supervisors; with killLeftovers (default) also the
 * processes jobs left running in their sessions (e.g. `set -m` background jobs).
 */
export async function shutdownAll(opts: HomeOption & { killLeftovers?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const home = homeOf(opts);
  const ids = listJobIds(home);
  await Promise.all(
    ids.filter((id) => supervisorAlive(home, id)).map((id) => sendRequest(home, id, { op: "shutdown" }, 3000).catch(() => undefined)),
  );
  const deadline = Date.now() + (opts.timeoutMs ?? 5000);
  while (Date.now() < deadline && ids.some((id) => supervisorAlive(home, id))) await sleep(50);
  const sessions = new Set<number>();
  for (const id of ids) {
    const st = readState(home, id);
    if (!st) continue;
    if (isAlive(st.supervisorPid, st.supervisorStart)) {
      try {
        process.kill(st.supervisorPid!, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    for (const e of st.elements) if (e.sid) sessions.add(e.sid);
  }
  if (opts.killLeftovers !== false && sessions.size) {
    const left = () => listProcs().filter((p) => sessions.has(p.sid) && p.state !== "Z" && p.state !== "X" && p.pid !== process.pid);
    for (const p of left()) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    const until = Date.now() + 2000;
    while (Date.now() < until && left().length) await sleep(20);
  }
}
