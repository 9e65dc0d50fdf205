// Job stdout/stderr: spooled under the job's directory while it runs and copied to the -o/-e
// files (with the job report) when the run ends, like LSF without LSB_STDOUT_DIRECT. With
// LSFEMU_STDOUT_DIRECT=Y the files are written directly and the report is appended at the end.
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JobRecord } from "./store.js";
import { jobDir } from "./store.js";
import { outputPath } from "./job-env.js";
import { errFileNote, jobReport, type ReportInput } from "./report.js";

export interface RunOutput {
  outFd: number;
  errFd: number;
  outSpool?: string;
  errSpool?: string;
  outTarget?: string;
  errTarget?: string;
  direct: boolean;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function elementDir(home: string, job: JobRecord, index: number): string {
  const d = join(jobDir(home, job.id), String(index));
  mkdirSync(d, { recursive: true });
  return d;
}

export function openRunOutput(home: string, job: JobRecord, index: number, runNo: number): RunOutput {
  const dir = elementDir(home, job, index);
  const outTarget = job.out ? outputPath(job.out, job, index, "out", isDir) : undefined;
  const errTarget = job.err ? outputPath(job.err, job, index, "err", isDir) : undefined;
  let direct = job.conf.stdoutDirect && !!outTarget;
  let outFd = -1;
  let outSpool: string | undefined;
  if (direct) {
    try {
      outFd = openSync(outTarget!, job.outOverwrite ? "w" : "a");
    } catch {
      direct = false;
    }
  }
  if (!direct) {
    outSpool = join(dir, `run${runNo}.out`);
    outFd = openSync(outSpool, "w");
  }
  let errFd = outFd;
  let errSpool: string | undefined;
  if (errTarget) {
    if (direct) {
      try {
        errFd = openSync(errTarget, job.errOverwrite ? "w" : "a");
      } catch {
        errFd = outFd;
      }
    } else {
      errSpool = join(dir, `run${runNo}.err`);
      errFd = openSync(errSpool, "w");
    }
  }
  return { outFd, errFd, outSpool, errSpool, outTarget, errTarget, direct };
}

export function closeRunOutput(o: RunOutput): void {
  for (const fd of new Set([o.outFd, o.errFd])) {
    try {
      closeSync(fd);
    } catch {
      /* closed */
    }
  }
}

function put(file: string, text: string | Buffer, overwrite: boolean): boolean {
  try {
    if (overwrite) writeFileSync(file, text);
    else appendFileSync(file, text);
    return true;
  } catch {
    return false;
  }
}

function readSpool(p: string | undefined): Buffer {
  if (!p || !existsSync(p)) return Buffer.alloc(0);
  try {
    return readFileSync(p);
  } catch {
    return Buffer.alloc(0);
  }
}

/** Copy a finished run's output and report to where LSF would put them. */
export function deliverRunOutput(home: string, o: RunOutput, r: Omit<ReportInput, "outputFollows" | "errFile">): void {
  const { job, index } = r;
  const mail = join(elementDir(home, job, index), "mail");
  if (o.direct) {
    const report = jobReport({ ...r, outputFollows: false, errFile: o.errTarget });
    if (!put(o.outTarget!, report, false)) put(mail, report, false);
    return;
  }
  const report = jobReport({ ...r, outputFollows: true, errFile: o.errTarget });
  const out = Buffer.concat([Buffer.from(report), readSpool(o.outSpool), Buffer.from(o.errTarget ? errFileNote(o.errTarget) : "")]);
  // Without -o, LSF mails the report and output; the emulator keeps the "mail" in the job dir.
  if (!o.outTarget || !put(o.outTarget, out, !!job.outOverwrite)) put(mail, out, false);
  if (o.errTarget) {
    const err = readSpool(o.errSpool);
    if (!put(o.errTarget, err, !!job.errOverwrite)) put(mail, err, false);
  }
}
