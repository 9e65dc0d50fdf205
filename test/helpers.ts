// Shared by tests: run the built CLI the way a user does, and temp dirs that clean themselves up.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll } from "vitest";

export const ROOT = resolve(import.meta.dirname, "..");
export const CRJOB = join(ROOT, "bin", "crjob");

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function crjob(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Run {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [CRJOB, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, CRJOB_SITE: "", ...opts.env },
    input: opts.input,
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temporary directory removed after the test file. */
export function tempDir(prefix = "crjob-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
