// `crjob run --local` through the CLI: the LSF emulator in a temp home, the BLCR stand-ins
// (test/bin) as "the real checkpointer on PATH", and the stars app.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CRJOB, tempDir } from "./helpers.js";
import { STARS, starsOutput, TEST_BIN } from "./lifecycle/harness.js";

/** Run the CLI asynchronously (the job takes seconds); resolve with its output. */
function run(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CRJOB, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, CRJOB_SITE: "", JOB_TERMINATE_INTERVAL: "2", ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGINT");
      reject(new Error(`crjob ${args.join(" ")} timed out:\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 240_000); // below the test's own timeout: this one says what the run printed
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function jobDir(spec: { lines: number; tick?: number; extra?: string; site?: string }) {
  const dir = tempDir("crjob-runlocal-");
  writeFileSync(
    join(dir, "stars.yaml"),
    `name: stars
queue: mw256
app:
  command: ${STARS}
  args: [--lines, "${spec.lines}", --tick, "${spec.tick ?? 0.05}"${spec.extra ?? ""}]
  output: stars.out
checkpoint:
  tool: blcr
  interval: 12h
scratch: /sanscratch
lsf:
  output: out.%J
`,
  );
  if (spec.site) writeFileSync(join(dir, "crjob.site.yaml"), spec.site);
  return dir;
}

/** The run's temp dir (from its banner): it must be gone at the end, with no process left in it. */
function runDirOf(stdout: string): string {
  const m = /scratch (\/\S+)\/scratch, state/.exec(stdout);
  expect(m, stdout).not.toBeNull();
  return m![1];
}

function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, "utf8");
      const env = readFileSync(`/proc/${p}/environ`, "utf8");
      if (cmd.includes(dir) || env.includes(dir)) pids.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return pids;
}

const PATH = `${TEST_BIN}:${process.env.PATH}`;

describe("crjob run --local", () => {
  it("fresh → checkpoint → bkill → resubmit → resume → done, with the exact output; nothing left behind", async () => {
    const dir = jobDir({ lines: 100, tick: 0.1 }); // 10 s: outlives the bkill at 6 s
    // 6 s: room for the first 1 s checkpoint before the bkill on a loaded machine (3 s was not always).
    // JOB_TERMINATE_INTERVAL 30 s (LSF's default is 10): the grace between bkill's INT+TERM and its
    // KILL leaves room for a final checkpoint on a loaded machine (10 s was not always enough).
    const r = await run(["run", "--local", "stars.yaml", "--interval", "1s", "--kill-after", "6s"], { cwd: dir, env: { PATH, JOB_TERMINATE_INTERVAL: "30" } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const o = r.stdout;
    expect(o).toContain("on an emulated LSF (ibm)");
    expect(o).toMatch(/checkpoint\.tool blcr \(.*test\/bin\/cr_run.*\), every 1s/);
    expect(o).toMatch(/\[job 1\] crjob: fresh start/);
    expect(o).toMatch(/\[job 1\] crjob: checkpoint 1 written/);
    expect(o).toContain("[run] bkill 1 (6s after it started)");
    expect(o).toMatch(/\[job 1\] crjob: stopping on SIG(INT|TERM): final checkpoint first/);
    expect(o).toMatch(/\[job 1\] EXIT \(exit 1(30|43)/);
    expect(o).toContain("[run] submitting the same script again");
    expect(o).toMatch(/\[job 2\] crjob: restart from generation \d+ \(written by job 1/);
    expect(o).toContain("[job 2] DONE");
    expect(o).toMatch(/story: fresh start \(job 1\) → .*killed \(SIG(INT|TERM), gen \d+\) → resume from gen \d+ \(job 2\) → .*done \(exit 0\)/);
    expect(o).toContain(`result: job 2 DONE; app output staged back to ${join(dir, "stars.out")}`);
    // The app's output came back to the submission dir, whole; LSF's log files did not land here.
    expect(readFileSync(join(dir, "stars.out"), "utf8")).toBe(starsOutput(100));
    expect(readdirSync(dir).sort()).toEqual(["stars.out", "stars.yaml"]);
    // The cluster's paths (/sanscratch, ~/.crjob) were not used; the temp dir and its processes are gone.
    const tmp = runDirOf(o);
    expect(existsSync(tmp)).toBe(false);
    expect(processesUsing(tmp)).toEqual([]);
  });

  it("--limit: the run limit (scaled) → final checkpoint → requeue (OpenLava: brequeue) → resume → done", async () => {
    const dir = jobDir({ lines: 100, site: "flavour: openlava\nqueues:\n  mw256: { blcr: /share/apps/blcr/0.8.5/mw256 }\n" });
    // LSFEMU_WARN_TIME 20 s: after the limit's USR2 the emulator kills the job that long later (real
    // LSF: 600 s); its default, max(5 s, a third of the limit), was too short for a final
    // checkpoint on a loaded machine.
    const r = await run(["run", "--local", "stars.yaml", "--interval", "1s", "--limit", "3s"], { cwd: dir, env: { PATH, LSFEMU_WARN_TIME: "20" } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("on an emulated LSF (openlava)");
    expect(r.stdout).toContain("run limit: 3s (an LSF minute lasts 3s here)");
    expect(r.stdout).toContain("crjob: run limit near: final checkpoint, then requeue");
    expect(r.stdout).toMatch(/crjob: requeue 1: brequeue 1/);
    expect(r.stdout).toMatch(/story: fresh start \(job 1\) → .*requeue 1 \(brequeue\) → resume from gen \d+ \(job 1\)/);
    expect(readFileSync(join(dir, "stars.out"), "utf8")).toBe(starsOutput(100));
  });

  it("exits with the job's final status", async () => {
    const dir = jobDir({ lines: 5, extra: ', --exit, "7"' });
    const r = await run(["run", "--local", "stars.yaml"], { cwd: dir, env: { PATH } });
    expect(r.code, r.stdout + r.stderr).toBe(7);
    expect(r.stdout).toContain("[job 1] EXIT (exit 7)");
    expect(r.stdout).toContain("result: job 1 EXIT (exit 7)");
  });

  it("without the checkpointer on PATH it says what it cannot emulate, and runs only with --no-checkpoint", async () => {
    const dir = jobDir({ lines: 5 });
    const bare = { PATH: (process.env.PATH ?? "").split(":").filter((d) => d && !existsSync(join(d, "cr_run"))).join(":") };
    const refused = await run(["run", "--local", "stars.yaml"], { cwd: dir, env: bare });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("checkpoint.tool blcr needs cr_run, cr_checkpoint, cr_restart on PATH");
    expect(refused.stderr).toContain("cannot emulate BLCR");
    expect(refused.stderr).toContain("--no-checkpoint");
    expect(refused.stdout).toBe("");

    const plain = await run(["run", "--local", "stars.yaml", "--no-checkpoint"], { cwd: dir, env: bare });
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
    expect(plain.stdout).toContain("--no-checkpoint: checkpoint.tool blcr replaced by none (cr_run, cr_checkpoint, cr_restart not on PATH)");
    expect(plain.stdout).toContain("[job 1] DONE");
    expect(readFileSync(join(dir, "stars.out"), "utf8")).toBe(starsOutput(5));
  });

  it("needs --local; bad durations are usage errors; --help has an example", async () => {
    const dir = jobDir({ lines: 5 });
    mkdirSync(join(dir, "x"));
    expect((await run(["run", "stars.yaml"], { cwd: dir })).stderr).toContain("crjob run needs --local");
    const bad = await run(["run", "--local", "stars.yaml", "--kill-after", "soon"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--kill-after: not a duration: "soon"');
    expect((await run(["run", "--help"], { cwd: dir })).stdout).toContain("crjob run --local stars.yaml --kill-after 10s");
  });
});
