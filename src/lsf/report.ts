// The job report LSF writes into the -o file (or mails): header, "Your job looked like:",
// the outcome, resource usage and, when output is spooled, "The output (if any) follows:".
import type { JobRecord } from "./store.js";
import { elementName } from "./store.js";

/** "Tue Nov 25 13:38:00 2025", like ctime(3). */
export function ctime(ms: number): string {
  const d = new Date(ms);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}

export const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Termination reasons as bhist/bacct name them. */
export const TERM_TEXT: Record<string, string> = {
  TERM_OWNER: "TERM_OWNER: job killed by owner.",
  TERM_RUNLIMIT: "TERM_RUNLIMIT: job killed after reaching LSF run time limit.",
  TERM_REQUEUE_OWNER: "TERM_REQUEUE_OWNER: job killed and requeued by owner.",
  TERM_HOST: "TERM_HOST: job killed after the execution host became unavailable.",
  TERM_FORCE_OWNER: "TERM_FORCE_OWNER: job killed by owner without time for cleanup.",
  TERM_PREEXEC_FAIL: "TERM_PREEXEC_FAIL: job killed after pre-exec script failed.",
};

export interface ReportInput {
  job: JobRecord;
  index: number;
  startTime: number;
  finishTime: number;
  exitCode: number;
  exitReason?: string;
  cpuSeconds: number;
  /** Spooled mode ends the report with "The output (if any) follows:". */
  outputFollows: boolean;
  errFile?: string;
}

export function jobReport(r: ReportInput): string {
  const { job } = r;
  const name = elementName(job, r.index);
  const done = r.exitCode === 0;
  const lines = [
    "",
    "------------------------------------------------------------",
    `Sender: LSF System <lsfadmin@${job.execHost}>`,
    `Subject: Job ${job.isArray ? `${job.id}[${r.index}]` : job.id}: <${name}> in cluster <${job.cluster}> ${done ? "Done" : "Exited"}`,
    "",
    `Job <${name}> was submitted from host <${job.fromHost}> by user <${job.user}> in cluster <${job.cluster}> at ${ctime(job.submitTime)}`,
    `Job was executed on host(s) <${job.execHost}>, in queue <${job.queue}>, as user <${job.user}> in cluster <${job.cluster}> at ${ctime(r.startTime)}`,
    `<${job.home}> was used as the home directory.`,
    `<${job.cwd}> was used as the working directory.`,
    `Started at ${ctime(r.startTime)}`,
    `Terminated at ${ctime(r.finishTime)}`,
    `Results reported at ${ctime(r.finishTime)}`,
    "",
    "Your job looked like:",
    "",
    "------------------------------------------------------------",
    "# LSBATCH: User input",
    job.command.replace(/\n$/, ""),
    "------------------------------------------------------------",
    "",
  ];
  if (done) lines.push("Successfully completed.");
  else {
    if (r.exitReason && TERM_TEXT[r.exitReason]) lines.push(TERM_TEXT[r.exitReason]!);
    lines.push(`Exited with exit code ${r.exitCode}.`);
  }
  const runSec = Math.max(0, Math.round((r.finishTime - r.startTime) / 1000));
  const turnSec = Math.max(0, Math.round((r.finishTime - job.submitTime) / 1000));
  const row = (k: string, v: string) => `    ${(k + " :").padEnd(45)}${v}`;
  lines.push(
    "",
    "Resource usage summary:",
    "",
    row("CPU time", `${r.cpuSeconds.toFixed(2)} sec.`),
    row("Max Memory", "-"),
    row("Average Memory", "-"),
    row("Total Requested Memory", "-"),
    row("Delta Memory", "-"),
    row("Max Swap", "-"),
    row("Max Processes", "-"),
    row("Max Threads", "-"),
    row("Run time", `${runSec} sec.`),
    row("Turnaround time", `${turnSec} sec.`),
    "",
  );
  if (r.outputFollows) lines.push("The output (if any) follows:", "", "");
  return lines.join("\n");
}

export function errFileNote(errFile: string): string {
  return `\n\nPS:\n\nRead file <${errFile}> for stderr output of this job.\n\n`;
}
