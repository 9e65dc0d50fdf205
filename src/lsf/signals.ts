// Signal names and numbers (Linux), and delivery to every process group of a job.
import { constants } from "node:os";
import { readdirSync, readFileSync } from "node:fs";

const SIGNALS = constants.signals as Record<string, number>;

/** "USR1", "SIGUSR1", "usr1", "10" → 10; undefined when unknown. */
export function signalNumber(v: string | number): number | undefined {
  if (typeof v === "number") return Number.isInteger(v) && v > 0 && v < 65 ? v : undefined;
  const s = v.trim();
  if (/^\d+$/.test(s)) return signalNumber(Number(s));
  const up = s.toUpperCase();
  const name = up.startsWith("SIG") ? up : `SIG${up}`;
  return SIGNALS[name];
}

export function signalName(n: number): string {
  for (const [k, v] of Object.entries(SIGNALS)) if (v === n && k !== "SIGIOT" && k !== "SIGPOLL") return k.slice(3);
  return String(n);
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  state: string;
  comm: string;
  /** utime+stime+cutime+cstime in clock ticks */
  cpuTicks: number;
  /** field 22: start time in clock ticks since boot (identifies a pid across reuse) */
  startTicks: number;
}

export function readProc(pid: number): ProcInfo | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(")");
  const comm = text.slice(text.indexOf("(") + 1, close);
  const f = text.slice(close + 2).split(" ");
  // f[0] = state (field 3), f[1] = ppid, f[2] = pgrp, f[3] = session, f[11..14] = times, f[19] = starttime
  return {
    pid,
    ppid: Number(f[1]),
    pgid: Number(f[2]),
    sid: Number(f[3]),
    state: f[0]!,
    comm,
    cpuTicks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]),
    startTicks: Number(f[19]),
  };
}

export function listProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) out.push(p);
  }
  return out;
}

/** Live (not zombie) process that is the same process as recorded (start time matches). */
export function isAlive(pid: number | undefined, startTicks?: number): boolean {
  if (!pid) return false;
  const p = readProc(pid);
  if (!p || p.state === "Z" || p.state === "X") return false;
  return startTicks === undefined || p.startTicks === startTicks;
}

/**
 * The job's processes: those in the job's session (the top process called setsid) plus any
 * descendant of a job process that left the session. Zombies are skipped: PID 1 on this kind
 * of machine reaps orphans late.
 */
export function jobProcesses(topPid: number, procs = listProcs()): ProcInfo[] {
  const live = procs.filter((p) => p.state !== "Z" && p.state !== "X");
  const inJob = new Set<number>();
  for (const p of live) if (p.sid === topPid || p.pid === topPid) inJob.add(p.pid);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of live) {
      if (!inJob.has(p.pid) && inJob.has(p.ppid)) {
        inJob.add(p.pid);
        grew = true;
      }
    }
  }
  return live.filter((p) => inJob.has(p.pid));
}

/**
 * Send `sig` like sbatchd: to the top process and to every process group of the job
 * (current ones plus those recorded earlier). Returns the groups signalled.
 */
export function signalJob(topPid: number, sig: number, recorded: Iterable<number> = []): number[] {
  const pgids = new Set<number>(recorded);
  for (const p of jobProcesses(topPid)) pgids.add(p.pgid);
  const own = process.pid;
  const ownPgid = readProc(own)?.pgid;
  try {
    process.kill(topPid, sig);
  } catch {
    /* gone already */
  }
  const done: number[] = [];
  for (const g of pgids) {
    if (g <= 1 || g === own || g === ownPgid) continue;
    try {
      process.kill(-g, sig);
      done.push(g);
    } catch {
      /* group gone */
    }
  }
  return done;
}
