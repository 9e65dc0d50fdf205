// The job state a generated script leaves in its state dir (templates/partials/lib.hbs, main.hbs),
// read back: pure parsing of the files' text. No filesystem here (see store.ts).
//
//   gen.N/meta        key=value lines: gen origin job host workdir pid time duration size_kb tool
//   history           <ISO time> job=<id> host=<h> <event> [words] [k=v ...], one line per event
//   lock/owner        <jobid> <host> <pid>
//   origin            the job id of the lineage's fresh start
//   requeues          "<jobid> <count>": requeues of that LSF job (older scripts: "<count>")
//   submissions       written by `crjob submit`: <ISO time> job=<id> spec=<path to the end of the line>

/** One complete checkpoint generation, from its `meta` file. */
export interface GenerationMeta {
  gen: number;
  /** Job id of the fresh start this generation descends from (its lineage). */
  origin: string | null;
  job: string | null;
  host: string | null;
  workdir: string | null;
  pid: number | null;
  /** Epoch seconds when it was written. */
  time: number | null;
  /** Seconds the checkpoint took. */
  duration: number | null;
  sizeKb: number | null;
  tool: string | null;
}

export interface HistoryEvent {
  /** Epoch milliseconds, or null when the time does not parse. */
  time: number | null;
  job: string;
  host: string;
  /** start, checkpoint, checkpoint-failed, signal, requeue, restart-retry, end, ... */
  kind: string;
  /** Words after the kind that are not key=value: "fresh", "restart", "INT", "done", "killed", ... */
  words: string[];
  fields: Record<string, string>;
  /** The line as written. */
  line: string;
}

export interface LockOwner {
  job: string;
  host: string;
  pid: number | null;
}

export interface Submission {
  /** Epoch milliseconds. */
  time: number | null;
  jobId: string;
  spec: string | null;
}

/** `key=value` lines (the first `=` splits; blank and malformed lines are skipped). */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i <= 0) continue;
    out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

function int(v: string | undefined): number | null {
  if (v === undefined || !/^-?\d+$/.test(v.trim())) return null;
  return Number(v.trim());
}

const str = (v: string | undefined): string | null => (v === undefined || v === "" ? null : v);

/** A generation's meta file; `n` (from the directory name) wins over a missing or odd `gen=`. */
export function parseMeta(text: string, n?: number): GenerationMeta {
  const kv = parseKeyValues(text);
  return {
    gen: n ?? int(kv.gen) ?? 0,
    origin: str(kv.origin),
    job: str(kv.job),
    host: str(kv.host),
    workdir: str(kv.workdir),
    pid: int(kv.pid),
    time: int(kv.time),
    duration: int(kv.duration),
    sizeKb: int(kv.size_kb),
    tool: str(kv.tool),
  };
}

/** `date +%Y-%m-%dT%H:%M:%S%z` (e.g. 2025-11-25T14:16:00+0100) → epoch ms, or null. */
export function parseIsoTime(text: string): number | null {
  const t = text.replace(/([+-]\d\d)(\d\d)$/, "$1:$2");
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(t)) return null;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : ms;
}

/** An ISO time as the script writes it, in local time with the offset: 2025-11-25T14:16:00+0100. */
export function formatIsoTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(Math.abs(n)).padStart(2, "0");
  const off = -d.getTimezoneOffset();
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}` +
    `${off < 0 ? "-" : "+"}${p(Math.trunc(off / 60))}${p(off % 60)}`
  );
}

/** One history line, or null when it is not one. */
export function parseHistoryLine(line: string): HistoryEvent | null {
  const m = /^(\S+) job=(\S*) host=(\S*) (\S+)(?: (.*))?$/.exec(line.trim());
  if (!m) return null;
  const words: string[] = [];
  const fields: Record<string, string> = {};
  for (const w of (m[5] ?? "").split(/\s+/).filter(Boolean)) {
    const i = w.indexOf("=");
    if (i > 0) fields[w.slice(0, i)] = w.slice(i + 1);
    else words.push(w);
  }
  return { time: parseIsoTime(m[1]), job: m[2], host: m[3], kind: m[4], words, fields, line: line.trim() };
}

export function parseHistory(text: string): HistoryEvent[] {
  return text
    .split("\n")
    .map(parseHistoryLine)
    .filter((e): e is HistoryEvent => e !== null);
}

/** `lock/owner`: "<jobid> <host> <pid>", or null when empty (the owner is still writing it). */
export function parseLockOwner(text: string): LockOwner | null {
  const [job, host, pid] = text.trim().split(/\s+/);
  if (!job) return null;
  return { job, host: host ?? "", pid: int(pid) };
}

/** `requeues`: the count (and the LSF job it counts for), or null. */
export function parseRequeues(text: string): { job: string | null; count: number } | null {
  const w = text.trim().split(/\s+/);
  if (w.length === 1 && /^\d+$/.test(w[0])) return { job: null, count: Number(w[0]) };
  if (w.length === 2 && /^\d+$/.test(w[1])) return { job: w[0], count: Number(w[1]) };
  return null;
}

/** The line `crjob submit` appends to `submissions`. */
export function formatSubmission(s: { time: number; jobId: string; spec: string | null }): string {
  return `${formatIsoTime(s.time)} job=${s.jobId}${s.spec !== null ? ` spec=${s.spec}` : ""}\n`;
}

export function parseSubmissions(text: string): Submission[] {
  const out: Submission[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\S+) job=(\S+)(?: spec=(.*))?$/.exec(line);
    if (m) out.push({ time: parseIsoTime(m[1]), jobId: m[2], spec: m[3] ?? null });
  }
  return out;
}

/**
 * `bjobs -a -w ID` (either flavour): the STAT column of each job row, in order. The header is
 * `JOBID USER STAT ...`; "Job <N> is not found" has no rows.
 */
export function parseBjobsStats(stdout: string): string[] {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  const header = lines.findIndex((l) => /^JOBID\s+USER\s+STAT\b/.test(l.trim()));
  if (header < 0) return [];
  return lines
    .slice(header + 1)
    .map((l) => l.trim().split(/\s+/)[2])
    .filter((s): s is string => !!s && /^[A-Z]+$/.test(s));
}
