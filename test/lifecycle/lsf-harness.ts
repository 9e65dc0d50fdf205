// Submit generated scripts through the LSF emulator's own commands (test/bin/bsub, bjobs, bkill,
// ...), as a user on a cluster would.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { ROOT } from "../helpers.js";
import { TOOLS_PATH, type PreparedJob } from "./harness.js";

export interface Lsf {
  home: string;
  env: NodeJS.ProcessEnv;
  /** Run an LSF command (bsub, bjobs, bkill, ...) in the job's submit dir. */
  cmd(args: string[], input?: string): { code: number | null; stdout: string; stderr: string };
  bsub(job: PreparedJob, extra?: NodeJS.ProcessEnv): number;
  /** STAT, EXIT_CODE and NREQUEUE of a job, from bjobs. */
  status(id: number): { stat: string; exitCode: string; requeues: number };
  waitDone(id: number, timeoutMs?: number): Promise<{ stat: string; exitCode: string; requeues: number }>;
  waitStat(id: number, stat: string, timeoutMs?: number): Promise<void>;
}

export function lsfEmulator(root: string, opts: { flavour?: "ibm" | "openlava"; queues?: object; env?: NodeJS.ProcessEnv } = {}): Lsf {
  const home = join(root, "lsf");
  mkdirSync(home, { recursive: true });
  if (opts.queues) writeFileSync(join(home, "queues.json"), JSON.stringify(opts.queues));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${TOOLS_PATH}:${process.env.PATH}`,
    LSFEMU_HOME: home,
    LSFEMU_FLAVOUR: opts.flavour ?? "ibm",
    // LSF's default grace between bkill's INT/TERM and its KILL: room for a final checkpoint on a
    // loaded machine (a job that checkpoints in time exits at once, so this costs nothing).
    JOB_TERMINATE_INTERVAL: "10",
    LSFEMU_DISPATCH_LATENCY: "0.1",
    ...opts.env,
  };
  // Each emulator is made inside a test: its jobs end with that test, passed or failed. (An
  // afterAll() called inside a test never runs in vitest 4: a failing test, such as a mutant's
  // killer, left its job requeueing for an hour beside the next runs.)
  onTestFinished(() => {
    spawnSync(process.execPath, [join(ROOT, "dist", "lsf-emu.mjs"), "shutdown"], { env });
  });
  const lsf: Lsf = {
    home,
    env,
    cmd(args, input) {
      const r = spawnSync(args[0], args.slice(1), { env, input, encoding: "utf8", cwd: root });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    bsub(job, extra = {}) {
      const r = spawnSync("bsub", [], {
        env: { ...env, ...extra },
        input: readFileSync(job.script, "utf8"),
        encoding: "utf8",
        cwd: job.dirs.submit,
      });
      const m = /Job <(\d+)> is submitted/.exec(r.stdout);
      if (r.status !== 0 || !m) throw new Error(`bsub failed (${r.status}): ${r.stdout}${r.stderr}`);
      return Number(m[1]);
    },
    status(id) {
      // No -noheader: OpenLava's bjobs lacks it. The second line is the job's.
      const r = lsf.cmd(["bjobs", "-a", "-o", "stat exit_code nrequeue", String(id)]);
      const [stat, exitCode, requeues] = (r.stdout.trim().split("\n")[1] ?? "").trim().split(/\s+/);
      return { stat, exitCode, requeues: Number(requeues) };
    },
    async waitDone(id, timeoutMs = 120_000) {
      const start = Date.now();
      for (;;) {
        const s = lsf.status(id);
        if (s.stat === "DONE" || s.stat === "EXIT") return s;
        if (Date.now() - start > timeoutMs) throw new Error(`job ${id} still ${s.stat}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async waitStat(id, stat, timeoutMs = 30_000) {
      const start = Date.now();
      while (lsf.status(id).stat !== stat) {
        if (Date.now() - start > timeoutMs) throw new Error(`job ${id} never ${stat}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
  return lsf;
}
