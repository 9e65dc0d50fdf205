// Shared by tests: run the built CLI the way a user does, and temp dirs that clean themselves up.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll } from "vitest";

export const ROOT = resolve(import.meta.dirname, "..");
export const CRJOB = join(ROOT, "bin", "crjob");

/**
 * The real DMTCP's install prefix (the directory above its bin/) when CRJOB_TEST_DMTCP=real asks
 * for it, else null (the stand-ins in test/bin). The prefix is CRJOB_DMTCP_PREFIX, or else the one
 * of the first dmtcp_launch on PATH outside test/bin; never the real DMTCP just because one is on
 * PATH. A missing one, or any other value of CRJOB_TEST_DMTCP, is an error: a run that asked for
 * the real tool must not pass on the stand-ins. One answer for every test file that can use it.
 */
export function realDmtcpPrefix(env: NodeJS.ProcessEnv = process.env): string | null {
  const choice = env.CRJOB_TEST_DMTCP ?? "fake";
  if (choice === "fake") return null;
  if (choice !== "real") throw new Error(`CRJOB_TEST_DMTCP=${choice}: say fake (the default) or real`);
  const testBin = join(ROOT, "test", "bin");
  const prefix = env.CRJOB_DMTCP_PREFIX;
  const bins = prefix ? [join(prefix, "bin")] : (env.PATH ?? "").split(":").filter((d) => d && resolve(d) !== testBin);
  const bin = bins.find((d) => existsSync(join(d, "dmtcp_launch")));
  if (!bin) throw new Error(`CRJOB_TEST_DMTCP=real: no dmtcp_launch in ${prefix ? `${prefix}/bin (CRJOB_DMTCP_PREFIX)` : "PATH"}`);
  return dirname(resolve(bin));
}

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
