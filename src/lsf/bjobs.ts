// bjobs output: the default table, -w, -l, -o "fields", -json, and the LSF messages.
import { FINISHED, elementName, jobDir, type ElementState, type JobRecord, type JobState, type Stat } from "./store.js";
import { effectiveStat } from "./emulator.js";
import { ctime, MONTHS } from "./report.js";
import { expandOutputName } from "./job-env.js";
import { existsSync } from "node:fs";

export interface Row {
  job: JobRecord;
  state: JobState;
  el: ElementState;
  stat: Stat;
}

function shortTime(ms: number | undefined): string {
  if (!ms) return "-";
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function running(stat: Stat): boolean {
  return stat === "RUN" || stat === "USUSP" || stat === "SSUSP";
}

function execHost(r: Row): string {
  if (r.stat === "PEND" || r.stat === "PSUSP" || (!r.el.startTime && !running(r.stat))) return "";
  return r.job.slots > 1 ? `${r.job.slots}*${r.job.execHost}` : r.job.execHost;
}

type Field = (r: Row) => string;

const FIELDS: Record<string, { header: string; width: number; get: Field }> = {
  jobid: { header: "JOBID", width: 7, get: (r) => String(r.job.id) },
  jobindex: { header: "JOBINDEX", width: 8, get: (r) => String(r.job.isArray ? r.el.index : 0) },
  stat: { header: "STAT", width: 5, get: (r) => r.stat },
  user: { header: "USER", width: 7, get: (r) => r.job.user },
  queue: { header: "QUEUE", width: 10, get: (r) => r.job.queue },
  job_name: { header: "JOB_NAME", width: 10, get: (r) => elementName(r.job, r.el.index) },
  from_host: { header: "FROM_HOST", width: 11, get: (r) => r.job.fromHost },
  exec_host: { header: "EXEC_HOST", width: 11, get: (r) => execHost(r) || "-" },
  submit_time: { header: "SUBMIT_TIME", width: 15, get: (r) => shortTime(r.job.submitTime) },
  start_time: { header: "START_TIME", width: 15, get: (r) => shortTime(r.el.startTime) },
  finish_time: { header: "FINISH_TIME", width: 16, get: (r) => (FINISHED.has(r.stat) ? shortTime(r.el.finishTime) : "-") },
  exit_code: { header: "EXIT_CODE", width: 9, get: (r) => (FINISHED.has(r.stat) && r.el.exitCode !== undefined ? String(r.el.exitCode) : "-") },
  exit_reason: { header: "EXIT_REASON", width: 20, get: (r) => r.el.exitReason ?? "-" },
  pend_reason: { header: "PEND_REASON", width: 11, get: (r) => (r.stat === "PEND" || r.stat === "PSUSP" ? r.el.pendReason ?? "-" : "-") },
  command: { header: "COMMAND", width: 15, get: (r) => r.job.command.replace(/\n+$/, "").replace(/\n/g, "; ") },
  proj_name: { header: "PROJ_NAME", width: 11, get: (r) => r.job.project },
  slots: { header: "SLOTS", width: 5, get: (r) => String(r.job.slots) },
  nreq_slot: { header: "NREQ_SLOT", width: 9, get: (r) => String(r.job.slots) },
  run_time: {
    header: "RUN_TIME",
    width: 15,
    get: (r) => `${r.el.startTime ? Math.round(((FINISHED.has(r.stat) ? r.el.finishTime ?? Date.now() : Date.now()) - r.el.startTime) / 1000) : 0} second(s)`,
  },
  cpu_used: { header: "CPU_USED", width: 10, get: (r) => `${(r.el.cpuSeconds ?? 0).toFixed(1)} second(s)` },
  runtimelimit: { header: "RUNTIMELIMIT", width: 12, get: (r) => (r.job.runLimitMin !== undefined ? `${r.job.runLimitMin.toFixed(1)} min` : "-") },
  output_file: { header: "OUTPUT_FILE", width: 11, get: (r) => (r.job.out ? expandOutputName(r.job.out, r.job, r.el.index) : "-") },
  error_file: { header: "ERROR_FILE", width: 10, get: (r) => (r.job.err ? expandOutputName(r.job.err, r.job, r.el.index) : "-") },
  sub_cwd: { header: "SUB_CWD", width: 10, get: (r) => r.job.cwd },
  exec_cwd: { header: "EXEC_CWD", width: 10, get: (r) => (r.el.startTime ? r.job.cwd : "-") },
  nrequeue: { header: "NREQUEUE", width: 8, get: (r) => String(r.el.requeueCount) },
  pids: { header: "PIDS", width: 4, get: (r) => (running(r.stat) ? (r.el.pids ?? []).join(",") || "-" : "-") },
};
const ALIAS: Record<string, string> = { id: "jobid", name: "job_name", jobname: "job_name", project: "proj_name", exit_status: "exit_code", status: "stat" };

function fit(v: string, width: number, truncate: boolean): string {
  if (truncate && v.length > width) return `*${v.slice(v.length - width + 1)}`;
  return v;
}

export function defaultTable(rows: Row[], wide: boolean, noHeader: boolean): string {
  const cols = ["jobid", "user", "stat", "queue", "from_host", "exec_host", "job_name", "submit_time"];
  const widths = [7, 7, 5, 10, 11, 11, 10, 0];
  const lines: string[] = [];
  const fmt = (vals: string[]) =>
    vals
      .map((v, i) => (i === vals.length - 1 ? v : fit(v, widths[i]!, !wide).padEnd(widths[i]!)))
      .join(" ")
      .trimEnd();
  if (!noHeader) lines.push(fmt(["JOBID", "USER", "STAT", "QUEUE", "FROM_HOST", "EXEC_HOST", "JOB_NAME", "SUBMIT_TIME"]));
  for (const r of rows) {
    lines.push(fmt(cols.map((c) => (c === "exec_host" ? execHost(r) : FIELDS[c]!.get(r)))));
  }
  return lines.join("\n") + "\n";
}

export interface OutputFormat {
  fields: { key: string; header: string; width?: number }[];
  delimiter?: string;
}

export function parseOutputFormat(spec: string): OutputFormat {
  let delimiter: string | undefined;
  const text = spec.replace(/delimiter\s*=\s*(['"])(.*?)\1/, (_, _q, d: string) => {
    delimiter = d;
    return " ";
  });
  const fields: OutputFormat["fields"] = [];
  for (const tok of text.split(/[\s]+/).filter(Boolean)) {
    const [rawName, w] = tok.split(":");
    const name = rawName!.toLowerCase();
    const key = ALIAS[name] ?? name;
    if (!FIELDS[key]) throw new Error(`${rawName}: Illegal field name`);
    fields.push({ key, header: FIELDS[key]!.header, width: w && /^\d+$/.test(w) ? Number(w) : undefined });
  }
  if (fields.length === 0) throw new Error("bjobs: -o: no field specified");
  return { fields, delimiter };
}

export function formatTable(rows: Row[], f: OutputFormat, wide: boolean, noHeader: boolean): string {
  const lines: string[] = [];
  const n = f.fields.length;
  const cell = (v: string, i: number) => {
    const fd = f.fields[i]!;
    if (f.delimiter !== undefined) return v;
    const width = fd.width ?? Math.max(FIELDS[fd.key]!.width, fd.header.length);
    const val = fd.width !== undefined ? fit(v, width, !wide) : v;
    return i === n - 1 ? val : val.padEnd(width);
  };
  const join = (vals: string[]) => vals.map(cell).join(f.delimiter ?? " ").trimEnd();
  if (!noHeader) lines.push(join(f.fields.map((x) => x.header)));
  for (const r of rows) lines.push(join(f.fields.map((x) => FIELDS[x.key]!.get(r))));
  return lines.join("\n") + "\n";
}

export function formatJson(rows: Row[], f?: OutputFormat): string {
  const fields = f?.fields.map((x) => x.key) ?? ["jobid", "user", "stat", "queue", "from_host", "exec_host", "job_name", "submit_time"];
  const records = rows.map((r) => Object.fromEntries(fields.map((k) => [FIELDS[k]!.header, k === "exec_host" ? execHost(r) : FIELDS[k]!.get(r)])));
  return JSON.stringify({ COMMAND: "bjobs", JOBS: records.length, RECORDS: records }, null, 2) + "\n";
}

export function formatLong(rows: Row[], home: string): string {
  const out: string[] = [];
  for (const r of rows) {
    const { job, el } = r;
    const cmd = FIELDS.command!.get(r);
    const idText = job.isArray ? `${job.id}[${el.index}]` : String(job.id);
    out.push("");
    out.push(`Job <${idText}>, Job Name <${elementName(job, el.index)}>, User <${job.user}>, Project <${job.project}>, Status <${r.stat}>, Queue <${job.queue}>, Command <${cmd}>`);
    const sub = [`Submitted from host <${job.fromHost}>`, `CWD <${job.cwd}>`];
    if (job.out) sub.push(`Output File <${job.out}>`);
    if (job.err) sub.push(`Error File <${job.err}>`);
    if (job.rerunnable) sub.push("Re-runnable");
    if (job.options.R) sub.push(`Requested Resources <${job.options.R}>`);
    if (job.dependency) sub.push(`Dependency Condition <${job.dependency}>`);
    out.push(`${ctime(job.submitTime).slice(0, 19)}: ${sub.join(", ")};`);
    if (job.runLimitMin !== undefined) out.push("", " RUNLIMIT", ` ${job.runLimitMin.toFixed(1)} min of ${job.execHost}`, "");
    for (const h of el.history.slice(1)) out.push(`${ctime(h.time).slice(0, 19)}: ${h.text};`);
    if (running(r.stat) && el.pids?.length) {
      out.push(` PGIDs: ${(el.pgids ?? []).join(" ")};  PIDs: ${el.pids.join(" ")}`);
    }
    if (FINISHED.has(r.stat)) {
      const t = ctime(el.finishTime ?? Date.now()).slice(0, 19);
      const cpu = (el.cpuSeconds ?? 0).toFixed(1);
      out.push(r.stat === "DONE" ? `${t}: Done successfully. The CPU time used is ${cpu} seconds.` : `${t}: Exited with exit code ${el.exitCode ?? "-"}. The CPU time used is ${cpu} seconds.`);
    }
    if (r.stat === "PEND" || r.stat === "PSUSP") out.push("", " PENDING REASONS:", ` ${el.pendReason ?? "New job is waiting for scheduling"};`);
    out.push("", " SCHEDULING PARAMETERS:", ` Requeue count: ${el.requeueCount}; Run count: ${el.runCount}`);
    if (!existsSync(jobDir(home, job.id))) out.push(" (job directory gone)");
    out.push("------------------------------------------------------------------------------");
  }
  return out.join("\n") + "\n";
}
