// The generated Slurm script on a real Slurm (Debian's slurm-wlm, one host: scripts/slurm-cluster.sh
// with KillWait=30 and partition "short" of MaxTime=1): fresh runs with every checkpointer,
// kill -9 and scancel followed by a resubmission that resumes, the 1-minute time limit (final
// checkpoint, scontrol requeue under the same id, resume, COMPLETED), an array of 3, and a spec
// whose interval is longer than its time limit, and (alone, last) a node set DOWN with
// lsf.rerunnable. Each job's output must be exact, without NUL bytes.
// Slow (requeues): the tests run concurrently, longest first. Without Slurm they are skipped, with
// the reason in the suite's name; with CI=true a missing Slurm fails the run.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { crjob } from "../helpers.js";
import {
  cancelAll, ended, generations, jobPids, PICKLER, prepare, read, removeTempDirs, slurmDown, STARS, starsOutput, submit, waitFor, waitJob,
  type SlurmJobDirs,
} from "./harness.js";

const DOWN = slurmDown();
const CI = process.env.CI === "true";
const MIN = 60_000;
// Said once on stderr too: a whole skipped file shows only its count in the default reporter.
if (DOWN && !CI) console.warn(`test/slurm: the real-Slurm tests are skipped: ${DOWN}`);

afterAll(() => {
  cancelAll();
  removeTempDirs();
});

type Tool = "blcr" | "dmtcp" | "app" | "none";

interface SpecOptions {
  tool?: Tool;
  lines: number;
  tick: number;
  interval?: string;
  queue?: string;
  runlimit?: string;
  top?: string;
}

/** A stars job (a pickler job for tool app) whose output is stars.out. */
function spec(name: string, o: SpecOptions): string {
  const tool = o.tool ?? "blcr";
  const app = tool === "app" ? PICKLER : STARS;
  const checkpoint =
    tool === "none"
      ? "  tool: none\n"
      : `  tool: ${tool}\n  interval: ${o.interval ?? "2s"}\n  dir: $STATE\n` +
        (tool === "app" ? "  files: [state.pkl]\n  signal: USR1\n  ready:\n    marker: state.ready\n" : "");
  return `name: ${name}
queue: ${o.queue ?? "normal"}
${o.top ?? ""}app:
  command: ${app}
  args: [--lines, "${o.lines}", --tick, "${o.tick}"]
  output: stars.out
checkpoint:
${checkpoint}scratch: $SCRATCH
lsf:
  output: ${name}.%J.log
${o.runlimit ? `  runlimit: ${o.runlimit}\n` : ""}`;
}

const output = (d: SlurmJobDirs, sub = "") => read(join(d.submit, sub, "stars.out"));
/** The job's Slurm output file, <name>.<id>.log (lsf.output <name>.%J.log → --output <name>.%j.log). */
const log = (d: SlurmJobDirs, id: string) => {
  const file = readdirSync(d.submit).find((f) => f.endsWith(`.${id}.log`));
  return file ? read(join(d.submit, file)) : "";
};

/** The app's output is exact (every line once, in order) and the job log has no NUL byte. */
function expectExact(d: SlurmJobDirs, id: string, lines: number, sub = ""): void {
  const text = log(d, id);
  expect(text).not.toContain("\0");
  expect(output(d, sub), text).toBe(starsOutput(lines));
}

describe.skipIf(!CI)("real Slurm in CI", () => {
  it("is running (CI=true needs it: scripts/slurm-cluster.sh start)", () => {
    expect(DOWN).toBeNull();
  });
});

describe.skipIf(DOWN !== null)(`real Slurm${DOWN ? ` (skipped: ${DOWN})` : ""}`, () => {
  describe.concurrent("scenarios", () => {
  // Longest first: each requeue waits for Slurm (AuthInfo cred_expire=10, sched_interval=1).
  // blcr: the script's own timer or Slurm's --signal=B:USR2@30, whichever comes first. dmtcp: the
  // script's timer is moved out of the way (CRJOB_RUNLIMIT_SECONDS, an emulator's knob), so only
  // Slurm's warning signal can start the final checkpoint.
  it.each<[Tool, string]>([["blcr", "either"], ["dmtcp", "signal"]])("%s: time limit 1m → warning (%s) → final checkpoint → scontrol requeue, same id → resume → COMPLETED", async (tool, by) => {
    const d = prepare(spec(`tl-${tool}`, { tool, lines: 70, tick: 1, queue: "short", runlimit: "1", interval: "5s" }));
    const id = submit(d, by === "signal" ? { CRJOB_RUNLIMIT_SECONDS: "3600" } : {});
    const [job] = await waitJob(id, "COMPLETED after a requeue", ended("COMPLETED"), 9 * MIN);
    const text = log(d, id);
    expect(job!.restarts, text).toBeGreaterThanOrEqual(1);
    expect(job!.exitCode).toBe("0:0");
    expect(text).toContain("crjob: run limit near: final checkpoint, then requeue");
    if (by === "signal") expect(text).toMatch(/crjob: received SIGUSR2\ncrjob: run limit near: final checkpoint, then requeue\n/);
    expect(text).toMatch(new RegExp(`crjob: requeue 1: scontrol requeue ${id}; this job resumes from generation \\d+`));
    expect(text).toMatch(new RegExp(`crjob: restart from generation \\d+ \\(written by job ${id} on `));
    expect(text).toContain("crjob: end: done (exit 0)");
    expectExact(d, id, 70);
    expect(generations(d.state)).toEqual([]);
  }, 10 * MIN);

  it("interval longer than the time limit: checkpoints only before the limit, and still COMPLETED", async () => {
    const d = prepare(spec("long-iv", { lines: 45, tick: 1, queue: "short", runlimit: "1", interval: "10m" }));
    const r = crjob(["validate", "job.yaml", "--site", d.site], { cwd: d.submit });
    expect(r.stderr).toMatch(/job\.yaml:\d+:\d+ warning checkpoint\.interval: not shorter than lsf\.runlimit/);
    const id = submit(d);
    const [job] = await waitJob(id, "COMPLETED", ended("COMPLETED"), 9 * MIN);
    const text = log(d, id);
    expect(job!.restarts, text).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/crjob: checkpoint 1 written in \d+s/);
    expect(text).toContain("crjob: run limit near: final checkpoint, then requeue");
    expectExact(d, id, 45);
  }, 10 * MIN);

  it("array of 3: one state and one stage-out dir per element, each exact, all COMPLETED", async () => {
    const d = prepare(spec("arr", { lines: 25, tick: 0.2, top: 'array: "1-3"\n' }).replace("arr.%J.log", "arr.%J.%I.log"));
    const id = submit(d);
    const jobs = await waitJob(id, "3 elements COMPLETED", (js) => js.length === 3 && js.every((j) => j.state === "COMPLETED"), 6 * MIN);
    expect(jobs.map((j) => j.arrayTaskId).sort()).toEqual(["1", "2", "3"]);
    for (const i of [1, 2, 3]) {
      const logFile = join(d.submit, `arr.${id}.${i}.log`); // %J.%I → %A.%a
      expect(read(logFile)).toContain("crjob: end: done (exit 0)");
      expect(read(logFile)).not.toContain("\0");
      expect(output(d, `arr.${i}`)).toBe(starsOutput(25));
    }
    expect(existsSync(join(d.submit, "stars.out"))).toBe(false);
  }, 7 * MIN);

  it.each<Tool>(["blcr", "dmtcp", "app"])("%s: scancel → final checkpoint within KillWait → CANCELLED; a resubmission resumes → COMPLETED", async (tool) => {
    const d = prepare(spec(`cancel-${tool}`, { tool, lines: 90, tick: 0.25 }));
    const first = submit(d);
    await waitFor("a first generation", () => generations(d.state).length > 0, 4 * MIN);
    const sc = crjob(["status", "job.yaml", "--site", d.site], { cwd: d.submit });
    expect(sc.stdout).toMatch(/running \(scontrol JobState=RUNNING\), job \d+/);
    expect(sc.stdout).toMatch(/^  next sbatch: restart from generation \d+ — but job \d+ holds this state now/m);
    expect(spawnSync("scancel", [first]).status).toBe(0);
    await waitJob(first, "CANCELLED", ended("CANCELLED"), 3 * MIN);
    await waitFor("the script's end", () => /crjob: end: killed/.test(log(d, first)), MIN);
    const text = log(d, first);
    expect(text).toContain("crjob: received SIGTERM");
    expect(text).toContain("crjob: stopping on SIGTERM: final checkpoint first");
    const m = /crjob: end: killed signal=TERM gen=(\d+) \(exit 143\)/.exec(text);
    expect(m, text).not.toBeNull();
    expect(text).toMatch(new RegExp(`crjob: checkpoint ${m![1]} written in`)); // the final one
    const second = submit(d);
    await waitJob(second, "COMPLETED", ended("COMPLETED"), 5 * MIN);
    expect(log(d, second)).toContain(`crjob: restart from generation ${m![1]} (written by job ${first} on `);
    expectExact(d, second, 90);
  }, 10 * MIN);

  it("blcr: kill -9 of every process of the job → a resubmission resumes from the newest generation", async () => {
    const d = prepare(spec("kill9", { lines: 80, tick: 0.25 }));
    const first = submit(d);
    await waitFor("two generations", () => (generations(d.state).at(-1) ?? 0) >= 2, 4 * MIN);
    let pids: number[] = [];
    await waitFor("the job's processes", () => (pids = jobPids(first)).length >= 2, MIN);
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone already */
      }
    }
    const [dead] = await waitJob(first, "the job to end", (js) => js.every((j) => !["RUNNING", "PENDING", "COMPLETING", "CONFIGURING"].includes(j.state)), 3 * MIN);
    expect(dead!.state).toBe("FAILED");
    expect(log(d, first)).not.toContain("crjob: end:"); // no EXIT trap ran: a crash
    const newest = generations(d.state).at(-1)!;
    const second = submit(d);
    await waitJob(second, "COMPLETED", ended("COMPLETED"), 5 * MIN);
    const text = log(d, second);
    expect(text).toMatch(new RegExp(`crjob: taking over the stale lock of job ${first} on `));
    expect(text).toContain(`crjob: restart from generation ${newest} (written by job ${first} on `);
    expectExact(d, second, 80);
  }, 10 * MIN);

  it.each<Tool>(["blcr", "dmtcp", "app", "none"])("%s: fresh → COMPLETED, exact output, nothing left behind", async (tool) => {
    const d = prepare(spec(`fresh-${tool}`, { tool, lines: 20, tick: 0.2 }));
    const id = submit(d);
    const [job] = await waitJob(id, "COMPLETED", ended("COMPLETED"), 4 * MIN);
    expect(job!.exitCode).toBe("0:0");
    const text = log(d, id);
    expect(text).toContain(`crjob: job fresh-${tool} (job ${id} on `);
    expect(text).toContain("crjob: fresh start: ");
    expect(text).toContain("crjob: end: done (exit 0)");
    expectExact(d, id, 20);
    expect(readdirSync(d.scratch)).toEqual([]); // the work dir <scratch>/$SLURM_JOB_ID is gone
    expect(generations(d.state)).toEqual([]);
  }, 5 * MIN);
});
});

// After the concurrent scenarios (suites run in order): it takes the node down for a moment.
describe.skipIf(DOWN !== null)("real Slurm, the node lost", () => {
  it("lsf.rerunnable (--requeue): the node set DOWN → Slurm requeues the job, same id → it resumes → COMPLETED", async () => {
    const d = prepare(spec("nodeloss", { lines: 60, tick: 0.25 }) + "  rerunnable: true\n");
    const id = submit(d);
    await waitFor("two generations", () => (generations(d.state).at(-1) ?? 0) >= 2, 4 * MIN);
    const node = spawnSync("sinfo", ["-h", "-o", "%N"], { encoding: "utf8" }).stdout.trim();
    try {
      expect(spawnSync("scontrol", ["update", `nodename=${node}`, "state=down", "reason=crjob-test-node-lost"]).status).toBe(0);
      await waitJob(id, "requeued", (js) => js.every((j) => j.restarts >= 1), 2 * MIN);
    } finally {
      // ReturnToService=2 may have brought it back already; then Slurm refuses "resume" (harmless).
      spawnSync("scontrol", ["update", `nodename=${node}`, "state=resume"]);
    }
    await waitJob(id, "COMPLETED", ended("COMPLETED"), 5 * MIN);
    const text = log(d, id);
    expect(text).toContain(`*** JOB ${id} ON ${node} CANCELLED AT `);
    expect(text).toContain("DUE TO NODE FAILURE");
    expect(text).toMatch(new RegExp(`crjob: restart from generation \\d+ \\(written by job ${id} on `));
    expectExact(d, id, 60);
  }, 8 * MIN);
});
