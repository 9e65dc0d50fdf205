// Requests from commands (bkill, brequeue, ...) to a job's supervisor: a request file in
// jobs/<id>/ctl/, answered by an .ack file once the supervisor has acted (signals sent).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, closeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { jobDir, readState, writeJson } from "./store.js";
import { isAlive } from "./signals.js";

export type Request =
  | { op: "kill"; index?: number; signal?: number; force?: boolean }
  | { op: "requeue"; index?: number }
  | { op: "hostfail"; index?: number; migrate?: boolean }
  | { op: "stop"; index?: number }
  | { op: "resume"; index?: number }
  | { op: "shutdown" };

export interface ElementResult {
  index: number;
  ok: boolean;
  message?: string;
}

export interface Ack {
  results: ElementResult[];
}

export function ctlDir(home: string, id: number): string {
  return join(jobDir(home, id), "ctl");
}

export function supervisorAlive(home: string, id: number): boolean {
  const st = readState(home, id);
  return !!st && isAlive(st.supervisorPid, st.supervisorStart);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Post a request; resolves with the supervisor's answer, or undefined if nobody answered. */
export async function sendRequest(home: string, id: number, req: Request, timeoutMs = 10000): Promise<Ack | undefined> {
  const dir = ctlDir(home, id);
  mkdirSync(dir, { recursive: true });
  const name = `${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  writeJson(join(dir, `${name}.req`), req);
  const ackFile = join(dir, `${name}.ack`);
  const deadline = Date.now() + timeoutMs;
  // A supervisor that is just starting has not recorded its pid yet: allow it a grace period.
  let deadSince: number | undefined;
  let lastCheck = 0;
  while (Date.now() < deadline) {
    if (existsSync(ackFile)) {
      try {
        const ack = JSON.parse(readFileSync(ackFile, "utf8")) as Ack;
        rmSync(ackFile, { force: true });
        return ack;
      } catch {
        /* being written */
      }
    }
    if (Date.now() - lastCheck > 200) {
      lastCheck = Date.now();
      if (supervisorAlive(home, id)) deadSince = undefined;
      else if (deadSince === undefined) deadSince = Date.now();
      else if (Date.now() - deadSince > 2000) break;
    }
    await sleep(15);
  }
  rmSync(join(dir, `${name}.req`), { force: true });
  return undefined;
}

/** Pending requests, oldest first; each is removed when taken. */
export function takeRequests(home: string, id: number): { name: string; req: Request }[] {
  const dir = ctlDir(home, id);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".req")).sort();
  } catch {
    return [];
  }
  const out: { name: string; req: Request }[] = [];
  for (const n of names) {
    try {
      const req = JSON.parse(readFileSync(join(dir, n), "utf8")) as Request;
      rmSync(join(dir, n), { force: true });
      out.push({ name: n.slice(0, -4), req });
    } catch {
      /* partially written (cannot happen with rename) or taken by someone else */
    }
  }
  return out;
}

export function answer(home: string, id: number, name: string, ack: Ack): void {
  try {
    writeJson(join(ctlDir(home, id), `${name}.ack`), ack);
  } catch {
    /* the home was removed */
  }
}

/** Path of the bundled emulator (dist/lsf-emu.mjs) that runs `supervise`. */
export function emulatorEntry(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.LSFEMU_ENTRY || process.env.LSFEMU_ENTRY;
  if (given) return resolve(given);
  const here = fileURLToPath(import.meta.url);
  if (basename(here) === "lsf-emu.mjs") return here;
  const dir = dirname(here);
  const candidates = [join(dir, "lsf-emu.mjs"), join(dir, "..", "..", "dist", "lsf-emu.mjs"), join(dir, "..", "dist", "lsf-emu.mjs")];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`lsf-emu: cannot find dist/lsf-emu.mjs (looked at ${candidates.join(", ")}); run node scripts/build-lsf.mjs or set LSFEMU_ENTRY`);
}

/** Start the detached supervisor of a job (its own session, not a child of the caller). */
export function spawnSupervisor(home: string, id: number, extra: string[] = [], env: NodeJS.ProcessEnv = process.env): void {
  const entry = emulatorEntry(env);
  const log = openSync(join(jobDir(home, id), "supervisor.log"), "a");
  const child = spawn(process.execPath, [entry, "supervise", String(id), ...extra], {
    detached: true,
    stdio: ["ignore", log, log],
    env: { ...process.env, LSFEMU_HOME: home, LSFEMU_ENTRY: entry },
    cwd: "/",
  });
  child.unref();
  closeSync(log);
}
