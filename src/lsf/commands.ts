// The LSF commands as the emulator answers them. Each returns an exit code and writes to
// stdout/stderr like the real command.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { BsubError, parseWords } from "./bsub-options.js";
import { emuHome, loadConfig } from "./config.js";
import { sendRequest, type Request } from "./ctl.js";
import { controlJob, effectiveStat, jobInfo, waitForJob } from "./emulator.js";
import { defaultTable, formatJson, formatLong, formatTable, parseOutputFormat, type Row } from "./bjobs.js";
import { signalNumber } from "./signals.js";
import { submitJob } from "./submit.js";
import { FINISHED, listJobIds, readJob, readState, type Stat } from "./store.js";
import { ctime } from "./report.js";

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return "";
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

// ------------------------------------------------------------------ bsub

export async function bsub(args: string[]): Promise<number> {
  let sub;
  try {
    // Only read stdin when the arguments hold no command.
    const probe = parseWords(args, loadConfig().flavour);
    const stdin = probe.rest.length ? undefined : await readStdin();
    sub = submitJob({ args, stdin, cwd: process.cwd(), env: process.env });
  } catch (e) {
    if (e instanceof BsubError) {
      (e.exitCode === 0 ? out : err)(`${e.message}\n`);
      return e.exitCode;
    }
    err(`${(e as Error).message}\n`);
    return 255;
  }
  out(`${sub.message}\n`);
  if (!sub.wait) return 0;
  // -K: wait for the job, report like LSF, exit with its exit code.
  const home = emuHome();
  out("<<Waiting for dispatch ...>>\n");
  const onSignal = () => {
    void sendRequest(home, sub.jobId, { op: "kill" }, 3000).finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  await waitForJob(sub.jobId, { home, timeoutMs: 2 ** 31 - 1, until: (i) => i.elements.some((e) => e.stat !== "PEND" && e.stat !== "PSUSP") });
  out(`<<Starting on ${sub.job.execHost}>>\n`);
  const info = await waitForJob(sub.jobId, { home, timeoutMs: 2 ** 31 - 1 });
  out("<<Job is finished>>\n");
  if (info.elements.every((e) => e.stat === "DONE")) return 0;
  return info.exitCode ?? 255;
}

// ------------------------------------------------------------------ job id arguments

interface Target {
  id: number;
  index?: number;
  text: string;
}

function parseTarget(a: string): Target | undefined {
  const m = /^(\d+)(?:\[(\d+)\])?$/.exec(a);
  if (!m) return undefined;
  return { id: Number(m[1]), index: m[2] !== undefined ? Number(m[2]) : undefined, text: a };
}

function rowsOf(home: string, id: number, index?: number): Row[] {
  const job = readJob(home, id);
  const state = readState(home, id);
  if (!job || !state) return [];
  return state.elements
    .filter((el) => index === undefined || el.index === index)
    .map((el) => ({ job, state, el, stat: effectiveStat(el, state, job) }));
}

function matchName(pattern: string, job: Row["job"], index: number): boolean {
  const rx = new RegExp(`^${pattern.replace(/[.+?^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\[/g, "\\[").replace(/\]/g, "\\]")}$`);
  return rx.test(job.name) || rx.test(`${job.name}[${index}]`) || (!!job.nameSpec && rx.test(job.nameSpec));
}

// ------------------------------------------------------------------ bjobs

export function bjobs(args: string[]): number {
  const home = emuHome();
  const flags = new Set<string>();
  let name: string | undefined;
  let queue: string | undefined;
  let format: string | undefined;
  const ids: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-J") name = args[++i];
    else if (a === "-q") queue = args[++i];
    else if (a === "-o") format = args[++i];
    else if (a === "-u" || a === "-m" || a === "-P" || a === "-g") i++;
    else if (/^-(a|w|l|d|p|r|s|json|noheader|W|A|X)$/.test(a) && !(a === "-noheader" && loadConfig().flavour === "openlava")) flags.add(a.slice(1));
    else if (a.startsWith("-")) {
      err(`bjobs: illegal option -- ${a.slice(1)}\nUsage: bjobs [-a] [-w | -l] [-d] [-p] [-r] [-s] [-J job_name] [-q queue] [-o "fields"] [-json] [jobId ...]\n`);
      return 255;
    } else ids.push(a);
  }
  let rows: Row[] = [];
  let rc = 0;
  if (ids.length) {
    for (const a of ids) {
      const t = parseTarget(a);
      const r = t ? rowsOf(home, t.id, t.index) : [];
      if (r.length === 0) {
        err(`Job <${a}> is not found\n`);
        rc = 255;
      }
      rows.push(...r);
    }
  } else {
    for (const id of listJobIds(home)) rows.push(...rowsOf(home, id));
    const pend = (s: Stat) => s === "PEND" || s === "PSUSP";
    const susp = (s: Stat) => s === "USUSP" || s === "SSUSP" || s === "PSUSP";
    if (flags.has("d")) rows = rows.filter((r) => FINISHED.has(r.stat));
    else if (flags.has("p")) rows = rows.filter((r) => pend(r.stat));
    else if (flags.has("r")) rows = rows.filter((r) => r.stat === "RUN");
    else if (flags.has("s")) rows = rows.filter((r) => susp(r.stat));
    else if (!flags.has("a")) rows = rows.filter((r) => !FINISHED.has(r.stat));
    if (name !== undefined) rows = rows.filter((r) => matchName(name!, r.job, r.el.index));
    if (queue !== undefined) rows = rows.filter((r) => r.job.queue === queue);
    if (rows.length === 0) {
      if (name !== undefined) err(`Job <${name}> is not found\n`);
      else {
        const what = flags.has("d") ? "done" : flags.has("p") ? "pending" : flags.has("r") ? "running" : flags.has("s") ? "suspended" : flags.has("a") ? "" : "unfinished";
        err(`No ${what ? `${what} ` : ""}job found\n`);
      }
      return name !== undefined ? 255 : 0;
    }
  }
  if (rows.length === 0) return rc;
  if (!ids.length) {
    // Like mbatchd's lists: running and suspended jobs first, then pending, then finished.
    const rank = (s: Stat) => (s === "RUN" || s === "USUSP" || s === "SSUSP" ? 0 : s === "PEND" || s === "PSUSP" ? 1 : 2);
    rows = rows.map((r, i) => ({ r, i })).sort((a, b) => rank(a.r.stat) - rank(b.r.stat) || a.i - b.i).map((x) => x.r);
  }
  try {
    const f = format !== undefined ? parseOutputFormat(format) : undefined;
    if (flags.has("json")) out(formatJson(rows, f));
    else if (flags.has("l")) out(formatLong(rows, home));
    else if (f) out(formatTable(rows, f, flags.has("w"), flags.has("noheader")));
    else out(defaultTable(rows, flags.has("w"), flags.has("noheader")));
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return 255;
  }
  return rc;
}

// ------------------------------------------------------------------ bkill & co

interface ControlSpec {
  verb: string;
  /** Message for a successful request, e.g. "is being terminated". */
  done: string;
  req: (t: Target) => Request;
}

function selectTargets(home: string, args: string[], verb: string): { targets: Target[]; rc: number } | string {
  let name: string | undefined;
  let queue: string | undefined;
  const targets: Target[] = [];
  let all = false;
  let rc = 0;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-J") name = args[++i];
    else if (a === "-q") queue = args[++i];
    else if (a === "-u" || a === "-m") i++;
    else if (a.startsWith("-") && !/^-\d/.test(a)) return `${verb}: illegal option -- ${a.slice(1)}`;
    else positional.push(a);
  }
  for (const p of positional) {
    if (p === "0") all = true;
    else {
      const t = parseTarget(p);
      if (!t) return `${p}: Illegal job ID.`;
      if (!readJob(home, t.id) || rowsOf(home, t.id, t.index).length === 0) {
        err(`Job <${p}>: No matching job found\n`);
        rc = 255;
        continue;
      }
      targets.push(t);
    }
  }
  if (all || name !== undefined || queue !== undefined) {
    for (const id of listJobIds(home)) {
      for (const r of rowsOf(home, id)) {
        if (FINISHED.has(r.stat)) continue;
        if (name !== undefined && !matchName(name, r.job, r.el.index)) continue;
        if (queue !== undefined && r.job.queue !== queue) continue;
        targets.push({ id, index: r.job.isArray ? r.el.index : undefined, text: r.job.isArray ? `${id}[${r.el.index}]` : String(id) });
      }
    }
    if (targets.length === 0 && positional.length <= (all ? 1 : 0)) {
      err(name !== undefined ? `Job <${name}>: No matching job found\n` : "No unfinished job found\n");
      return { targets, rc: 255 };
    }
  }
  if (!all && name === undefined && queue === undefined && positional.length === 0) return `Usage: ${verb} [-J job_name] [-q queue] [0] [jobId | "jobId[index]"] ...`;
  return { targets, rc };
}

async function control(args: string[], spec: ControlSpec): Promise<number> {
  const home = emuHome();
  const sel = selectTargets(home, args, spec.verb);
  if (typeof sel === "string") {
    err(`${sel}\n`);
    return 255;
  }
  let rc = sel.rc;
  for (const t of sel.targets) {
    const job = readJob(home, t.id)!;
    const label = (index: number) => (job.isArray ? `${t.id}[${index}]` : String(t.id));
    const req = spec.req(t);
    let ack;
    try {
      ack = await controlJob(t.id, req, { home });
    } catch (e) {
      err(`Job <${t.text}>: ${(e as Error).message}\n`);
      rc = 255;
      continue;
    }
    const results = ack.results;
    const ok = results.filter((r) => r.ok);
    const bad = results.filter((r) => !r.ok);
    if (ok.length) out(`Job <${t.index === undefined ? t.id : t.text}> ${spec.done}\n`);
    if (!ok.length && bad.length && t.index === undefined) {
      err(`Job <${t.id}>: ${bad[0]!.message}\n`);
      rc = 255;
      continue;
    }
    for (const b of bad) {
      if (ok.length && t.index === undefined) continue; // other elements of the array were acted on
      err(`Job <${label(b.index)}>: ${b.message}\n`);
      rc = 255;
    }
  }
  return rc;
}

export async function bkill(args: string[]): Promise<number> {
  let signal: number | undefined;
  let force = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-s") {
      const v = args[++i];
      signal = v === undefined ? undefined : signalNumber(v);
      if (signal === undefined) {
        err(`${v ?? ""}: Illegal signal value\n`);
        return 255;
      }
    } else if (a.startsWith("-s") && a.length > 2) {
      signal = signalNumber(a.slice(2));
      if (signal === undefined) {
        err(`${a.slice(2)}: Illegal signal value\n`);
        return 255;
      }
    } else if (a === "-r") force = true;
    else rest.push(a);
  }
  return control(rest, {
    verb: "bkill",
    done: signal === undefined ? "is being terminated" : "is being signaled",
    req: (t) => ({ op: "kill", index: t.index, signal, force }),
  });
}

export const brequeue = (args: string[]) =>
  control(args.filter((a) => !/^-[derpa]$/.test(a)), { verb: "brequeue", done: "is being requeued", req: (t) => ({ op: "requeue", index: t.index }) });

export const bhostfail = (args: string[]) =>
  control(args, { verb: "bhostfail", done: "lost its execution host (simulated)", req: (t) => ({ op: "hostfail", index: t.index }) });

export const bmig = (args: string[]) =>
  control(args.filter((a) => a !== "-f"), { verb: "bmig", done: "is being migrated", req: (t) => ({ op: "hostfail", index: t.index, migrate: true }) });

export const bstop = (args: string[]) => control(args, { verb: "bstop", done: "is being stopped", req: (t) => ({ op: "stop", index: t.index }) });

export const bresume = (args: string[]) => control(args, { verb: "bresume", done: "is being resumed", req: (t) => ({ op: "resume", index: t.index }) });

// ------------------------------------------------------------------ small ones

export function bpeek(args: string[]): number {
  const home = emuHome();
  const t = parseTarget(args.filter((a) => !a.startsWith("-")).pop() ?? "");
  const info = t ? jobInfo(t.id, { home }) : undefined;
  if (!t || !info) {
    err(`Job <${args.join(" ")}> is not found\n`);
    return 255;
  }
  const el = info.elements.find((e) => t.index === undefined || e.index === t.index)!;
  if (el.stat !== "RUN" && el.stat !== "USUSP" && el.stat !== "SSUSP") {
    err(`Job <${t.text}> : Not a running job\n`);
    return 255;
  }
  out("<< output from stdout >>\n");
  const spool = join(home, "jobs", String(t.id), String(el.index), `run${el.runCount}.out`);
  if (existsSync(spool)) out(readFileSync(spool, "utf8"));
  return 0;
}

export function bqueues(args: string[]): number {
  const conf = loadConfig();
  const home = conf.home;
  const counts = new Map<string, { pend: number; run: number }>();
  for (const id of listJobIds(home)) {
    for (const r of rowsOf(home, id)) {
      const c = counts.get(r.job.queue) ?? { pend: 0, run: 0 };
      if (r.stat === "PEND" || r.stat === "PSUSP") c.pend++;
      if (r.stat === "RUN" || r.stat === "USUSP" || r.stat === "SSUSP") c.run++;
      counts.set(r.job.queue, c);
    }
  }
  const wanted = args.filter((a) => !a.startsWith("-"));
  const lines = ["QUEUE_NAME      PRIO STATUS          MAX JL/U JL/P JL/H NJOBS  PEND   RUN  SUSP"];
  for (const q of conf.queues) {
    if (wanted.length && !wanted.includes(q.name)) continue;
    const c = counts.get(q.name) ?? { pend: 0, run: 0 };
    lines.push(`${q.name.padEnd(15)} ${"30".padStart(4)} Open:Active       -    -    -    - ${String(c.pend + c.run).padStart(5)} ${String(c.pend).padStart(5)} ${String(c.run).padStart(5)}     0`);
    if (args.includes("-l")) {
      lines.push(`  REQUEUE_EXIT_VALUES: ${q.requeueExitValues.join(" ") || "-"}`, `  RUNLIMIT: ${q.runLimit !== undefined ? `${q.runLimit} min` : "-"}`, "");
    }
  }
  out(lines.join("\n") + "\n");
  return 0;
}

export function bhosts(): number {
  const conf = loadConfig();
  out(`HOST_NAME          STATUS       JL/U    MAX  NJOBS    RUN  SSUSP  USUSP    RSV\n${conf.host.padEnd(18)} ok              -      -      -      -      -      -      -\n`);
  return 0;
}

export function lsid(): number {
  const conf = loadConfig();
  out(`lsf-emu: an LSF emulator (${conf.flavour === "ibm" ? "IBM Spectrum LSF" : "OpenLava/volclava"} flavour)\n\nMy cluster name is ${conf.cluster}\nMy master name is ${conf.host}\n`);
  return 0;
}

export function bhist(args: string[]): number {
  const home = emuHome();
  const ids = args.filter((a) => !a.startsWith("-"));
  const list = ids.length ? ids : listJobIds(home).map(String);
  let rc = 0;
  for (const a of list) {
    const t = parseTarget(a);
    const rows = t ? rowsOf(home, t.id, t.index) : [];
    if (!rows.length) {
      err(`Job <${a}> is not found\n`);
      rc = 255;
      continue;
    }
    for (const r of rows) {
      out(`\nJob <${r.job.isArray ? `${r.job.id}[${r.el.index}]` : r.job.id}>, Job Name <${r.job.name}>, User <${r.job.user}>, Project <${r.job.project}>\n`);
      for (const h of r.el.history) out(`${ctime(h.time).slice(0, 19)}: ${h.text};\n`);
    }
  }
  return rc;
}
