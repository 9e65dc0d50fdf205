// On-disk state under $LSFEMU_HOME:
//   jobs/<id>/job.json     what was submitted (written once by bsub)
//   jobs/<id>/state.json   elements' state (written by the job's supervisor; bsub writes the first)
//   jobs/<id>/ctl/         requests to the supervisor (*.req) and its answers (*.ack)
//   jobs/<id>/<index>/     spooled output of each run
//   .lsbatch/<time>.<id>[.<index>](.shell)   job file and spooled script
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { EmuConfig, QueueConf } from "./config.js";
import type { RequeueSpec } from "./bsub-options.js";

export type Stat = "PEND" | "PSUSP" | "RUN" | "USUSP" | "SSUSP" | "DONE" | "EXIT" | "UNKWN";
export const FINISHED: ReadonlySet<Stat> = new Set<Stat>(["DONE", "EXIT"]);

export interface JobRecord {
  id: number;
  user: string;
  fromHost: string;
  execHost: string;
  cluster: string;
  submitTime: number;
  cwd: string;
  home: string;
  /** Job name as bjobs shows it (without the array index part). */
  name: string;
  /** The -J value as given, e.g. "a[1-10]%2". */
  nameSpec?: string;
  isArray: boolean;
  indices: number[];
  slotLimit?: number;
  queue: string;
  queueConf: QueueConf;
  /** Script text (bsub < script) or the command line. */
  command: string;
  fromStdin: boolean;
  env: Record<string, string>;
  /** Options as given, for bjobs -l. */
  options: Record<string, string | true>;
  out?: string;
  outOverwrite?: boolean;
  err?: string;
  errOverwrite?: boolean;
  input?: string;
  runLimitMin?: number;
  warnSignal?: number;
  warnTimeMin?: number;
  slots: number;
  rerunnable: boolean;
  requeue?: RequeueSpec;
  preExec?: string;
  postExec?: string;
  checkpointDir?: string;
  checkpointPeriodMin?: number;
  dependency?: string;
  hold: boolean;
  project: string;
  conf: Pick<
    EmuConfig,
    "flavour" | "terminateInterval" | "warnTime" | "secondsPerMinute" | "dispatchLatency" | "stdoutDirect" | "maxPreexecRetry"
  >;
  /** Directory holding bsub/bjobs/... shims, becomes LSF_BINDIR. */
  binDir: string;
}

export interface HistoryEvent {
  time: number;
  text: string;
}

export interface ElementState {
  index: number;
  stat: Stat;
  pendReason?: string;
  /** Time from which the element may be dispatched. */
  eligibleAt?: number;
  exitCode?: number;
  exitReason?: string;
  runCount: number;
  requeueCount: number;
  startTime?: number;
  finishTime?: number;
  pid?: number;
  /** Session of the last run (= its top pid), kept after the run for cleaning up leftovers. */
  sid?: number;
  lastExitCode?: number;
  pgids?: number[];
  pids?: number[];
  cpuSeconds?: number;
  preexecFailures?: number;
  /** Set LSB_RESTART=Y for the next run. */
  restart?: boolean;
  history: HistoryEvent[];
}

export interface JobState {
  supervisorPid?: number;
  supervisorStart?: number;
  elements: ElementState[];
}

export function jobsDir(home: string): string {
  return join(home, "jobs");
}
export function jobDir(home: string, id: number): string {
  return join(home, "jobs", String(id));
}

export function writeJson(file: string, data: unknown): void {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 1));
  renameSync(tmp, file);
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** Claim the next job id by creating its directory (atomic, no lock file). */
export function allocateJobId(home: string): number {
  const dir = jobsDir(home);
  mkdirSync(dir, { recursive: true });
  let next = Math.max(0, ...listJobIds(home)) + 1;
  const counter = join(home, "last_jobid");
  const last = Number(readJson<number>(counter) ?? 0);
  if (last >= next) next = last + 1;
  for (;;) {
    try {
      mkdirSync(join(dir, String(next)));
      try {
        writeJson(counter, next);
      } catch {
        /* best effort */
      }
      return next;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      next++;
    }
  }
}

export function listJobIds(home: string): number[] {
  let names: string[];
  try {
    names = readdirSync(jobsDir(home));
  } catch {
    return [];
  }
  return names.filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
}

export function readJob(home: string, id: number): JobRecord | undefined {
  return readJson<JobRecord>(join(jobDir(home, id), "job.json"));
}

export function readState(home: string, id: number): JobState | undefined {
  return readJson<JobState>(join(jobDir(home, id), "state.json"));
}

export function writeState(home: string, id: number, state: JobState): void {
  if (!existsSync(jobDir(home, id))) return; // the home was removed: nothing to record
  writeJson(join(jobDir(home, id), "state.json"), state);
}

export function elementName(job: JobRecord, index: number): string {
  return job.isArray ? `${job.name}[${index}]` : job.name;
}

export function elementId(job: JobRecord, index: number): string {
  return job.isArray ? `${job.id}[${index}]` : String(job.id);
}
