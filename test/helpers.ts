// Shared by tests: run the built CLI the way a user does, and temp dirs that clean themselves up.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
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

/**
 * Run the CLI. `unprivileged`: as a user file permissions apply to; when the tests run as root
 * (CI does), the CLI runs as nobody (setpriv), so a test of an unreadable file runs there too.
 */
export function crjob(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; unprivileged?: boolean; timeoutMs?: number } = {},
): Run {
  const asNobody = opts.unprivileged && process.getuid?.() === 0;
  const argv = [process.execPath, CRJOB, ...args];
  if (asNobody) argv.unshift("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups");
  const r: SpawnSyncReturns<string> = spawnSync(argv[0], argv.slice(1), {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, CRJOB_SITE: "", ...opts.env },
    input: opts.input,
    encoding: "utf8",
    timeout: opts.timeoutMs, // a hang is killed (SIGTERM), and shows as code null
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A file nobody may read, in a dir everybody may enter (so the error is about the file itself, not
 * the way to it), for `crjob(..., { unprivileged: true })`.
 */
export function makeUnreadable(dir: string, file: string): void {
  chmodSync(dir, 0o755);
  chmodSync(file, 0o000);
}

/** A temporary directory removed after the test file. */
export function tempDir(prefix = "crjob-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (process.env.CRJOB_TEST_KEEP !== "1") afterAll(() => rmSync(dir, { recursive: true, force: true })); // 1: keep it to look at a failure
  return dir;
}

/**
 * A script without its last line, the fingerprint of what it was rendered from (src/render/
 * fingerprint.ts), for comparing what two different inputs render to; fails when that line is not there.
 */
export function withoutFingerprint(script: string): string {
  const m = /^(?:.*\n)*?(?=# crjob-fingerprint [0-9a-f]{64}\n$)/.exec(script);
  if (!m) throw new Error(`no fingerprint line at the end of the script: …${JSON.stringify(script.slice(-120))}`);
  return m[0];
}
