// bsub: turn command-line words and a script into a job record, store it, start its supervisor.
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { loadConfig, type EmuConfig } from "./config.js";
import {
  BsubError,
  mergeOptions,
  parseArrayName,
  parseMinutes,
  parseRequeue,
  parseWords,
  scriptOptions,
} from "./bsub-options.js";
import { DependencyError, parseDependency, unknownRefs } from "./deps.js";
import { emulatorEntry, spawnSupervisor } from "./ctl.js";
import { signalNumber } from "./signals.js";
import { allocateJobId, jobDir, writeJson, writeState, type JobRecord, type JobState } from "./store.js";

export interface SubmitInput {
  /** bsub's arguments: options, then optionally a command. */
  args: string[];
  /** The job script (stdin of `bsub < script`), used when args hold no command. */
  stdin?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Submitted {
  jobId: number;
  queue: string;
  defaultQueue: boolean;
  /** "Job <N> is submitted to queue <q>." as bsub prints it. */
  message: string;
  job: JobRecord;
  wait: boolean;
}

const SHIM_VERBS = ["bsub", "bjobs", "bkill", "brequeue", "bhostfail", "bmig", "bstop", "bresume", "bpeek", "bqueues", "bhosts", "bhist", "lsid"];

/** $LSFEMU_HOME/bin: bsub & co. for jobs that call them (LSF_BINDIR), when no shim dir is given. */
function ensureShims(home: string, env: NodeJS.ProcessEnv): string {
  const dir = join(home, "bin");
  const entry = emulatorEntry(env);
  const marker = join(dir, ".entry");
  const want = `${process.execPath}\n${entry}\n`;
  if (existsSync(marker)) {
    try {
      if (readFileSync(marker, "utf8") === want) return dir;
    } catch {
      /* rewrite */
    }
  }
  mkdirSync(dir, { recursive: true });
  for (const v of SHIM_VERBS) {
    writeFileSync(join(dir, v), `#!/bin/sh\nexec '${process.execPath}' '${entry}' ${v} "$@"\n`, { mode: 0o755 });
  }
  writeFileSync(marker, want);
  return dir;
}

function minutesOpt(v: string, what: string): number {
  const m = parseMinutes(v);
  if (m === undefined) throw new BsubError(`${v}: Bad ${what} specification. Job not submitted.`);
  return m;
}

export function buildJob(input: SubmitInput, conf: EmuConfig): { job: JobRecord; queueGiven: boolean; wait: boolean } {
  const env = input.env ?? process.env;
  const cwd = input.cwd ?? process.cwd();
  const fl = conf.flavour;
  const cli = parseWords(input.args, fl);
  let command: string;
  let fromStdin: boolean;
  let scriptOpts: ReturnType<typeof scriptOptions> = [];
  if (cli.rest.length > 0) {
    command = cli.rest.join(" ");
    fromStdin = false;
  } else {
    command = input.stdin ?? "";
    if (command.trim() === "") throw new BsubError("bsub: Empty job. Job not submitted.");
    fromStdin = true;
    scriptOpts = scriptOptions(command, fl);
  }
  const merged = mergeOptions(cli.options, scriptOpts);
  const opt = (name: string): string | undefined => {
    for (const o of merged.values()) if (o.name === name) return typeof o.value === "string" ? o.value : "";
    return undefined;
  };
  const flag = (name: string) => [...merged.values()].some((o) => o.name === name);
  for (const i of ["I", "Ip", "Is"]) if (flag(i)) throw new BsubError("bsub: interactive jobs (-I) are not supported by the LSF emulator. Job not submitted.");

  // Queue
  const qGiven = opt("q");
  const qName = qGiven?.trim().split(/\s+/)[0] ?? conf.defaultQueue;
  const queueConf = conf.queues.find((q) => q.name === qName);
  if (!queueConf) throw new BsubError(`${qName}: No such queue. Job not submitted.`);

  // Name / array
  const jSpec = opt("J");
  const arr = jSpec !== undefined ? parseArrayName(jSpec) : undefined;
  const firstLine = command.split("\n").find((l) => l.trim() !== "") ?? command;
  const name = arr ? arr.name : (jSpec ?? (fromStdin ? firstLine.trim() : command));

  // Limits
  const W = opt("W");
  const runLimitMin = W !== undefined ? minutesOpt(W, "RUNLIMIT") : undefined;
  const c = opt("c");
  if (c !== undefined) minutesOpt(c, "CPULIMIT");
  const n = opt("n");
  let slots = 1;
  if (n !== undefined) {
    const m = /^\s*(\d+)(?:\s*,\s*(\d+))?\s*$/.exec(n);
    if (!m || Number(m[1]) < 1) throw new BsubError(`${n}: Bad argument for option -n. Job not submitted.`);
    slots = Number(m[1]);
  }

  // IBM-only options (the openlava parser never produces them)
  const Q = opt("Q");
  const requeue = Q !== undefined ? parseRequeue(Q) : undefined;
  const wa = opt("wa");
  const wt = opt("wt");
  let warnSignal: number | undefined;
  let warnTimeMin: number | undefined;
  if (wa !== undefined) {
    warnSignal = signalNumber(wa);
    if (warnSignal === undefined) throw new BsubError(`${wa}: Bad job warning action. Job not submitted.`);
  }
  if (wt !== undefined) warnTimeMin = minutesOpt(wt, "job warning time");

  // Dependency
  const w = opt("w");
  const home = conf.home;
  if (w !== undefined) {
    try {
      parseDependency(w);
    } catch (e) {
      if (e instanceof DependencyError) throw new BsubError(`${w}: Dependency condition syntax error. Job not submitted.`);
      throw e;
    }
    if (fl === "ibm") {
      const unknown = unknownRefs(home, w, 0);
      if (unknown.length) throw new BsubError(`${unknown[0]}: No matching job found. Job not submitted.`);
    }
  }

  // Checkpoint (-k "dir [init=m] [period] [method=x]")
  const k = opt("k");
  let checkpointDir: string | undefined;
  let checkpointPeriodMin: number | undefined;
  if (k !== undefined) {
    const words = k.trim().split(/\s+/);
    checkpointDir = words[0];
    for (const x of words.slice(1)) if (/^\d+$/.test(x)) checkpointPeriodMin = Number(x);
  }

  const outName = opt("oo") ?? opt("o");
  const errName = opt("eo") ?? opt("e");
  const options: Record<string, string | true> = {};
  for (const o of merged.values()) options[o.name] = o.value;
  const envCopy: Record<string, string> = {};
  for (const [key, v] of Object.entries(env)) if (v !== undefined) envCopy[key] = v;

  const job: JobRecord = {
    id: 0,
    user: conf.user,
    fromHost: conf.host,
    execHost: conf.host,
    cluster: conf.cluster,
    submitTime: Date.now(),
    cwd,
    home: env.HOME || homedir(),
    name,
    nameSpec: jSpec,
    isArray: !!arr,
    indices: arr ? arr.indices : [0],
    slotLimit: arr?.slotLimit,
    queue: qName,
    queueConf,
    command,
    fromStdin,
    env: envCopy,
    options,
    out: outName,
    outOverwrite: opt("oo") !== undefined,
    err: errName,
    errOverwrite: opt("eo") !== undefined,
    input: opt("i"),
    runLimitMin,
    warnSignal,
    warnTimeMin,
    slots,
    rerunnable: flag("r"),
    requeue,
    preExec: opt("E"),
    postExec: opt("Ep"),
    checkpointDir,
    checkpointPeriodMin,
    dependency: w,
    hold: flag("H"),
    project: opt("P") ?? "default",
    conf: {
      flavour: conf.flavour,
      terminateInterval: conf.terminateInterval,
      warnTime: conf.warnTime,
      secondsPerMinute: conf.secondsPerMinute,
      dispatchLatency: conf.dispatchLatency,
      stdoutDirect: conf.stdoutDirect,
      maxPreexecRetry: conf.maxPreexecRetry,
    },
    binDir: "",
  };
  return { job, queueGiven: qGiven !== undefined, wait: flag("K") };
}

/** Submit a job: parse, store, start its supervisor. Throws BsubError when bsub would refuse. */
export function submitJob(input: SubmitInput): Submitted {
  const env = input.env ?? process.env;
  const conf = loadConfig(env);
  const { job, queueGiven, wait } = buildJob(input, conf);
  const home = conf.home;
  mkdirSync(home, { recursive: true });
  job.binDir = env.LSFEMU_BINDIR || ensureShims(home, env);
  job.id = allocateJobId(home);
  try {
    writeJson(join(jobDir(home, job.id), "job.json"), job);
    const state: JobState = {
      elements: job.indices.map((index) => ({
        index,
        stat: job.hold ? "PSUSP" : "PEND",
        pendReason: job.hold ? "The job was suspended by the user while pending" : "New job is waiting for scheduling",
        eligibleAt: job.submitTime + job.conf.dispatchLatency * 1000,
        runCount: 0,
        requeueCount: 0,
        history: [{ time: job.submitTime, text: `Submitted from host <${job.fromHost}>, to Queue <${job.queue}>, CWD <${job.cwd}>` }],
      })),
    };
    writeState(home, job.id, state);
    spawnSupervisor(home, job.id, [], env);
  } catch (e) {
    rmSync(jobDir(home, job.id), { recursive: true, force: true });
    throw e;
  }
  const message = `Job <${job.id}> is submitted to ${queueGiven ? "" : "default "}queue <${job.queue}>.`;
  return { jobId: job.id, queue: job.queue, defaultQueue: !queueGiven, message, job, wait };
}
