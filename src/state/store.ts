// Reading and writing a job's state dir (the layout is the generated script's: see parse.ts).
// Filesystem only; the interpretation is in parse.ts and summary.ts.
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { formatSubmission, parseHistory, parseLockOwner, parseMeta, parseRequeues, parseSubmissions, type GenerationMeta } from "./parse.js";
import type { StateSnapshot } from "./summary.js";
import { afterHome, DEFAULT_STATE_ROOT } from "../jobspec/paths.js";

/** The submitting user's home, as the script's `$HOME` would be. */
export function userHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.HOME || homedir();
}

/**
 * The state dir as the script computes it: a leading `~`, `$HOME` or `${HOME}` is the user's
 * home (render/quote.ts shellPath); anything else is literal, relative to the submission dir.
 */
export function expandStateDir(raw: string, home: string, cwd: string): string {
  const rest = afterHome(raw);
  const path = rest === null ? raw : home + rest;
  return isAbsolute(path) ? resolve(path) : resolve(cwd, path);
}

/** `$HOME/.crjob` (or the site profile's state_root), expanded. */
export function stateRootDir(stateRoot: string | undefined, home: string, cwd: string): string {
  return expandStateDir((stateRoot ?? DEFAULT_STATE_ROOT).replace(/\/+$/, "") || "/", home, cwd);
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Array elements that have state: the numeric subdirectories, in index order. */
export function elementIndexes(root: string): number[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^\d+$/.test(n) && isDir(join(root, n)))
    .map(Number)
    .sort((a, b) => a - b);
}

/** True when `dir` holds anything a crjob job script or `crjob submit` writes. */
export function looksLikeState(dir: string): boolean {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return false;
  }
  const ours = (n: string) =>
    ["history", "origin", "requeues", "lock", "submissions"].includes(n) || /^gen\.\d+$/.test(n) || /^\.gen\.\d+\.tmp\./.test(n);
  return names.some(ours) || elementIndexes(dir).some((i) => looksLikeState(join(dir, String(i))));
}

/** Everything in one state dir. `submissionsDir` holds `submissions` (the root for array elements). */
export function readSnapshot(dir: string, submissionsDir = dir): StateSnapshot {
  const exists = isDir(dir);
  const generations: GenerationMeta[] = [];
  const partial: number[] = [];
  if (exists) {
    for (const name of readdirSync(dir)) {
      let m = /^gen\.(\d+)$/.exec(name);
      if (m) {
        const meta = readText(join(dir, name, "meta"));
        if (meta !== null) generations.push(parseMeta(meta, Number(m[1])));
        continue;
      }
      m = /^\.gen\.(\d+)\.tmp\./.exec(name);
      if (m) partial.push(Number(m[1]));
    }
  }
  generations.sort((a, b) => b.gen - a.gen);
  const requeues = parseRequeues(readText(join(dir, "requeues")) ?? "");
  const owner = readText(join(dir, "lock", "owner"));
  return {
    dir,
    exists,
    generations,
    partial: partial.sort((a, b) => a - b),
    history: parseHistory(readText(join(dir, "history")) ?? ""),
    origin: readText(join(dir, "origin"))?.trim() || null,
    requeues,
    // A lock dir without its owner file yet is held all the same (the owner is writing its name).
    lock: owner !== null ? parseLockOwner(owner) ?? { job: "?", host: "?", pid: null } : isDir(join(dir, "lock")) ? { job: "?", host: "?", pid: null } : null,
    submissions: parseSubmissions(readText(join(submissionsDir, "submissions")) ?? ""),
  };
}

/** Create the state dir as the script does (0700, parents too), and record a submission in it. */
export function recordSubmission(dir: string, rec: { time: number; jobId: string; spec: string | null }): void {
  const existed = existsSync(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existed) chmodSync(dir, 0o700);
  appendFileSync(join(dir, "submissions"), formatSubmission(rec), { mode: 0o600 });
}
