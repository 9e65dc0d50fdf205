// Emulator knobs, read from the environment of whoever submits a job. They are copied into
// the job record at submission, so later commands (bkill, bjobs, the supervisor) act with the
// settings the job was submitted under, like a cluster whose lsb.params did not change.
import { existsSync, readFileSync } from "node:fs";
import { hostname, homedir, userInfo } from "node:os";
import { join, resolve } from "node:path";

export type Flavour = "ibm" | "openlava";

export interface QueueConf {
  name: string;
  /** Exit codes that requeue a job (REQUEUE_EXIT_VALUES). */
  requeueExitValues: number[];
  /** Run limit in minutes (RUNLIMIT) used when the job has no -W. */
  runLimit?: number;
  description?: string;
}

export interface EmuConfig {
  home: string;
  flavour: Flavour;
  /** JOB_TERMINATE_INTERVAL, seconds. */
  terminateInterval: number;
  /** Seconds between the run-limit SIGUSR2 and the kill (WARN_TIME, 600 on real clusters). */
  warnTime: number;
  /** Seconds that one minute of -W/-wt/-c lasts. */
  secondsPerMinute: number;
  /** Seconds a job stays PEND before dispatch (and after a requeue). */
  dispatchLatency: number;
  queues: QueueConf[];
  defaultQueue: string;
  cluster: string;
  host: string;
  user: string;
  /** LSB_STDOUT_DIRECT=Y: write -o/-e directly instead of copying the spool at the end. */
  stdoutDirect: boolean;
  /** Pre-exec retries before the job exits (MAX_PREEXEC_RETRY). */
  maxPreexecRetry: number;
}

const DEFAULT_QUEUES = ["normal", "short", "long", "priority", "night", "idle"];

function num(env: NodeJS.ProcessEnv, names: string[], fallback: number): number {
  for (const n of names) {
    const v = env[n];
    if (v !== undefined && v.trim() !== "") {
      const x = Number(v);
      if (Number.isFinite(x) && x >= 0) return x;
      throw new Error(`lsf-emu: ${n}=${v} is not a non-negative number`);
    }
  }
  return fallback;
}

/** "99 100", [99, 100], 99 → [99, 100] */
export function parseExitValues(v: unknown): number[] {
  if (v === undefined || v === null || v === "") return [];
  if (typeof v === "number") return [v];
  if (Array.isArray(v)) return v.map(Number).filter((x) => Number.isInteger(x));
  return String(v)
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number)
    .filter((x) => Number.isInteger(x));
}

function parseQueues(text: string, where: string): { queues: QueueConf[]; dflt?: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`lsf-emu: cannot parse queue definitions in ${where}: ${(e as Error).message}`);
  }
  const queues: QueueConf[] = [];
  let dflt: string | undefined;
  const add = (name: string, q: Record<string, unknown>) => {
    queues.push({
      name,
      requeueExitValues: parseExitValues(q.REQUEUE_EXIT_VALUES ?? q.requeueExitValues),
      runLimit: q.RUNLIMIT !== undefined || q.runLimit !== undefined ? Number(q.RUNLIMIT ?? q.runLimit) : undefined,
      description: typeof q.DESCRIPTION === "string" ? q.DESCRIPTION : undefined,
    });
    if (q.default === true || q.DEFAULT === true) dflt = name;
  };
  if (Array.isArray(raw)) {
    for (const q of raw) add(String((q as Record<string, unknown>).name ?? (q as Record<string, unknown>).QUEUE_NAME), q as Record<string, unknown>);
  } else if (raw && typeof raw === "object") {
    for (const [name, q] of Object.entries(raw as Record<string, unknown>)) add(name, (q ?? {}) as Record<string, unknown>);
  } else {
    throw new Error(`lsf-emu: queue definitions in ${where} must be an object or an array`);
  }
  if (queues.length === 0) throw new Error(`lsf-emu: no queues defined in ${where}`);
  return { queues, dflt };
}

export function emuHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.LSFEMU_HOME || join(env.HOME || homedir(), ".lsfemu"));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): EmuConfig {
  const home = emuHome(env);
  const fl = (env.LSFEMU_FLAVOUR || env.LSFEMU_FLAVOR || "ibm").toLowerCase();
  if (fl !== "ibm" && fl !== "openlava" && fl !== "volclava") {
    throw new Error(`lsf-emu: LSFEMU_FLAVOUR must be ibm or openlava, not ${fl}`);
  }
  // Queues: LSFEMU_QUEUES (JSON text or a file), else $LSFEMU_HOME/queues.json, else defaults.
  let q: { queues: QueueConf[]; dflt?: string };
  const spec = env.LSFEMU_QUEUES;
  const file = join(home, "queues.json");
  if (spec && /^\s*[[{]/.test(spec)) q = parseQueues(spec, "LSFEMU_QUEUES");
  else if (spec) q = parseQueues(readFileSync(spec, "utf8"), spec);
  else if (existsSync(file)) q = parseQueues(readFileSync(file, "utf8"), file);
  else q = { queues: DEFAULT_QUEUES.map((name) => ({ name, requeueExitValues: [] })), dflt: "normal" };
  const defaultQueue = env.LSFEMU_DEFAULT_QUEUE || q.dflt || q.queues[0]!.name;
  let user = env.USER || "";
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = "user";
    }
  }
  return {
    home,
    flavour: fl === "ibm" ? "ibm" : "openlava",
    terminateInterval: num(env, ["LSFEMU_JOB_TERMINATE_INTERVAL", "JOB_TERMINATE_INTERVAL"], 10),
    warnTime: num(env, ["LSFEMU_WARN_TIME"], 600),
    secondsPerMinute: num(env, ["LSFEMU_SECONDS_PER_MINUTE"], 60),
    dispatchLatency: num(env, ["LSFEMU_DISPATCH_LATENCY"], 0.2),
    queues: q.queues,
    defaultQueue,
    cluster: env.LSFEMU_CLUSTER || "lsfemu",
    host: env.LSFEMU_HOST || hostname().split(".")[0] || "localhost",
    user,
    stdoutDirect: /^y/i.test(env.LSFEMU_STDOUT_DIRECT || ""),
    maxPreexecRetry: num(env, ["LSFEMU_MAX_PREEXEC_RETRY"], 5),
  };
}
