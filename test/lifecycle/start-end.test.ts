// What a job does as it starts and ends, now with as few processes as it can (issue 12: each one
// costs every job milliseconds): its job.log stays bounded without a `stat`, a state dir made by
// hand is made private, and what the job made for itself goes in one `rm` at the end — also the
// dir of its signals under TMPDIR, which the job's first process removes itself when the work
// process died without its clean-up. Generated scripts run directly with the stand-ins of test/bin.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prepareJob, runJob, waitFor } from "./harness.js";

const spec = (command: string, args: string[] = []) =>
  [
    "name: ends",
    "queue: normal",
    "app:",
    `  command: ${command}`,
    `  args: [${args.map((a) => JSON.stringify(a)).join(", ")}]`,
    "  output: app.out",
    "checkpoint:",
    "  tool: none",
    "  dir: $STATE",
    "scratch: $SCRATCH",
    "",
  ].join("\n");

/** The job's environment: TMPDIR of its own, to see the dir of its signals come and go. */
function tmpEnv(root: string): NodeJS.ProcessEnv {
  const tmp = join(root, "tmp");
  mkdirSync(tmp, { recursive: true });
  return { TMPDIR: tmp };
}

/** The direct children of PID (Linux). */
function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe("a job's start and end", () => {
  it("job.log over 1 MB becomes job.log.1, and the new job.log starts with this run's first line", async () => {
    const job = prepareJob(spec("/bin/true"));
    mkdirSync(job.dirs.state, { mode: 0o700 });
    const big = "x".repeat(1024) + "\n";
    writeFileSync(join(job.dirs.state, "job.log"), big.repeat(1030)); // 1,055,750 bytes
    const run = runJob(job, "801", tmpEnv(job.dirs.root));
    expect((await run.done).code, run.log()).toBe(0);
    const rotated = readFileSync(join(job.dirs.state, "job.log.1"), "utf8");
    expect(rotated.startsWith(big.repeat(1030))).toBe(true);
    const log = readFileSync(join(job.dirs.state, "job.log"), "utf8").split("\n");
    expect(log[0]).toMatch(/ job=801 crjob: job ends \(job 801 on .*\) in /);
    expect(log.at(-2)).toMatch(/ job=801 crjob: end: done \(exit 0\)$/);

    // Under 1 MB it stays where it is, and grows.
    const run2 = runJob(job, "802", tmpEnv(job.dirs.root));
    expect((await run2.done).code, run2.log()).toBe(0);
    expect(readFileSync(join(job.dirs.state, "job.log.1"), "utf8")).toBe(rotated);
    const log2 = readFileSync(join(job.dirs.state, "job.log"), "utf8");
    expect(log2.startsWith(log.join("\n"))).toBe(true);
    expect(log2).toMatch(/ job=802 crjob: end: done \(exit 0\)\n$/);
  });

  it("a state dir made by hand (0755) is made private; at the end nothing of the job is left but its state", async () => {
    const job = prepareJob(spec("/bin/true"));
    mkdirSync(job.dirs.state, { mode: 0o755 });
    chmodSync(job.dirs.state, 0o755);
    const env = tmpEnv(job.dirs.root);
    const run = runJob(job, "811", env);
    expect((await run.done).code, run.log()).toBe(0);
    expect(statSync(job.dirs.state).mode & 0o777).toBe(0o700);
    expect(readdirSync(job.dirs.state).sort()).toEqual(["history", "job.log"]); // no lock, origin or requeues
    expect(readdirSync(job.dirs.scratch)).toEqual([]); // the work dir is gone
    expect(readdirSync(env.TMPDIR!)).toEqual([]); // and the dir of the job's signals
    expect(readFileSync(join(job.dirs.submit, "app.out"), "utf8")).toBe("");
  });

  it("the work process killed (kill -9): the job's first process removes the dir of its signals and ends", async () => {
    const job = prepareJob(spec("/bin/sleep", ["60"]));
    const env = tmpEnv(job.dirs.root);
    const run = runJob(job, "821", env);
    const first = run.child.pid!;
    const history = join(job.dirs.state, "history");
    await waitFor("the app", () => existsSync(history) && readFileSync(history, "utf8").includes("start fresh"));
    expect(readdirSync(env.TMPDIR!)).toHaveLength(1);
    const [worker] = children(first);
    expect(worker).toBeGreaterThan(0);
    const app = children(worker).find((p) => readFileSync(`/proc/${p}/cmdline`, "utf8").startsWith("/bin/sleep"));
    process.kill(worker, "SIGKILL");
    const { code } = await run.done;
    expect(code, run.log()).toBe(137);
    expect(readdirSync(env.TMPDIR!)).toEqual([]);
    expect(existsSync(join(job.dirs.state, "lock"))).toBe(true); // a crash: the next run sees it is stale
    if (app) process.kill(app, "SIGKILL");
  });
});
