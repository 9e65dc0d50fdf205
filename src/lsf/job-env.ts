// What sbatchd puts around a job: the job file (a /bin/sh wrapper) and the job's environment.
import { join, isAbsolute, resolve } from "node:path";
import type { JobRecord } from "./store.js";
import { elementId, elementName } from "./store.js";

export const LSB_TRAPSIGS = "trap # 15 10 12 2 1";
/** LSB_PRE_ABORT in volclava: a pre-exec exiting with it aborts the job instead of retrying. */
export const LSB_PRE_ABORT = 99;

/** Variables of a job that must not leak from a submitter that is itself a job. */
function isJobVar(name: string): boolean {
  return (
    (name.startsWith("LSB_") && !name.startsWith("LSB_SUB_")) ||
    name === "LS_JOBPID" ||
    name === "LS_SUBCWD" ||
    name === "LSFUSER" ||
    name === "CRJOB_RUNLIMIT_SECONDS"
  );
}

export interface SpoolPaths {
  /** $LSFEMU_HOME/.lsbatch/<submit time>.<id>[.<index>]: the job file (LSB_JOBFILENAME). */
  jobFile: string;
  /** <jobFile>.shell: the spooled script of `bsub < script`. */
  script: string;
}

export function spoolPaths(home: string, job: JobRecord, index: number): SpoolPaths {
  const base = join(home, ".lsbatch", `${Math.floor(job.submitTime / 1000)}.${job.id}${job.isArray ? `.${index}` : ""}`);
  return { jobFile: base, script: `${base}.shell` };
}

/** %J → job id, %I → array index (0 when not an array). */
export function expandOutputName(spec: string, job: JobRecord, index: number): string {
  return spec.replace(/%J/g, String(job.id)).replace(/%I/g, String(job.isArray ? index : 0));
}

/** Absolute path of an -o/-e file; a directory gets <jobid>.out / <jobid>.err inside it. */
export function outputPath(spec: string, job: JobRecord, index: number, kind: "out" | "err", isDir: (p: string) => boolean): string {
  const name = expandOutputName(spec, job, index);
  let p = isAbsolute(name) ? name : resolve(job.cwd, name);
  if (name.endsWith("/") || isDir(p)) {
    p = join(p, `${job.id}${job.isArray ? `_${index}` : ""}.${kind}`);
  }
  return p;
}

export function jobFileText(job: JobRecord): string {
  const userInput = job.fromStdin ? '"$LSB_CHKFILENAME.shell"' : job.command;
  return [
    "#! /bin/sh",
    "# LSBATCH: job file written by lsf-emu, shaped like sbatchd's",
    "$LSB_TRAPSIGS",
    "LS_JOBPID=$$; export LS_JOBPID",
    "# LSBATCH: User input",
    userInput,
    "ExitStat=$?",
    "# LSBATCH: End user input",
    "exit $ExitStat",
    "",
  ].join("\n");
}

export interface EnvInput {
  home: string;
  job: JobRecord;
  index: number;
  spool: SpoolPaths;
  restart: boolean;
  runLimitSeconds?: number;
}

export function jobEnvironment({ home, job, index, spool, restart, runLimitSeconds }: EnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(job.env)) if (!isJobVar(k)) env[k] = v;
  const slots = Math.max(1, job.slots);
  const host = job.execHost;
  const set = (k: string, v: string | number) => {
    env[k] = String(v);
  };
  set("PWD", job.cwd);
  set("LSB_JOBID", job.id);
  set("LSB_JOBINDEX", job.isArray ? index : 0);
  set("LSB_JOBNAME", elementName(job, index));
  set("LSB_QUEUE", job.queue);
  set("LSB_HOSTS", Array(slots).fill(host).join(" "));
  set("LSB_MCPU_HOSTS", `${host} ${slots}`);
  if (job.out) set("LSB_OUTPUTFILE", expandOutputNameFor(job, job.out, index));
  if (job.err) set("LSB_ERRORFILE", expandOutputNameFor(job, job.err, index));
  set("LSB_SUB_HOST", job.fromHost);
  set("LSB_JOBFILENAME", spool.jobFile);
  set("LSB_CHKFILENAME", spool.jobFile);
  set("LSB_TRAPSIGS", LSB_TRAPSIGS);
  set("LSB_EXIT_PRE_ABORT", LSB_PRE_ABORT);
  const rq = job.queueConf.requeueExitValues;
  if (rq.length > 0) set("LSB_EXIT_REQUEUE", rq.map((v) => `${v} `).join(""));
  set("LSB_JOBEXIT_STAT", 0);
  set("LS_SUBCWD", job.cwd);
  set("LSFUSER", job.user);
  set("LSF_BINDIR", job.binDir);
  set("LSF_ENVDIR", join(home, "conf"));
  set("LSF_SERVERDIR", join(home, "etc"));
  set("LSFEMU_HOME", home);
  // sbatchd puts LSF_BINDIR first in PATH unless it already is.
  const path = env.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  if (!path.startsWith(job.binDir)) set("PATH", `${job.binDir}:${path}`);
  if (restart) set("LSB_RESTART", "Y");
  if (job.checkpointDir) {
    const dir = isAbsolute(job.checkpointDir) ? job.checkpointDir : resolve(job.cwd, job.checkpointDir);
    set("LSB_CHKPNT_DIR", join(dir, String(job.id)));
    set("LSB_CHKPNT_PERIOD", Math.round((job.checkpointPeriodMin ?? 0) * job.conf.secondsPerMinute));
  }
  if (job.conf.flavour === "ibm") {
    // IBM LSF only (volclava has none of these).
    set("LSB_DJOB_NUMPROC", slots);
    set("LSB_MAX_NUM_PROCESSORS", slots);
    set("LSB_BATCH_JID", elementId(job, index));
  }
  if (runLimitSeconds !== undefined && job.conf.secondsPerMinute !== 60) {
    // The emulator scales minutes; tell crjob's scripts the effective limit.
    set("CRJOB_RUNLIMIT_SECONDS", Math.round(runLimitSeconds));
  }
  return env;
}

function expandOutputNameFor(job: JobRecord, spec: string, index: number): string {
  return expandOutputName(spec, job, index);
}
