// The generated script, run directly (as LSF runs it) with the BLCR stand-ins: a fresh run that
// completes and stages out; a kill -9 and a rerun under a new job id that resumes with exact
// output; the app's exit status as the script's.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generations, holdArgs, prepareJob, release, runJob, starsOutput, waitRunning } from "./harness.js";
import { expectResumed } from "./promises.js";


function spec(opts: { lines: number; tick: number; exit?: number; interval?: string; hold?: number }): string {
  return `name: stars
queue: normal
app:
  command: $STARS
  args: [--lines, "${opts.lines}", --tick, "${opts.tick}", --exit, "${opts.exit ?? 0}", --events, events.log${opts.hold === undefined ? "" : holdArgs(opts.hold)}]
  output: stars.out
stage:
  in: [input.txt]
  out: [events.log, input.txt]
checkpoint:
  tool: blcr
  interval: ${opts.interval ?? "1s"}
  dir: $STATE
scratch: $SCRATCH
`;
}

describe("BLCR job run directly", () => {
  it("a fresh run completes, stages out, removes its checkpoints and exits 0", async () => {
    // The app waits at line 20 until checkpoint 1 is written, so a loaded machine cannot end it first.
    const job = prepareJob(spec({ lines: 25, tick: 0.1, hold: 20 }), { "input.txt": "data\n" });
    const run = runJob(job, "1001");
    await waitRunning(run, "checkpoint 1", () => run.log().includes("crjob: checkpoint 1 written"));
    release(job);
    const { code } = await run.done;
    expect(run.log()).toContain("crjob: fresh start");
    expect(code).toBe(0);
    expect(readFileSync(join(job.dirs.submit, "stars.out"), "utf8")).toBe(starsOutput(25));
    expect(run.log()).toMatch(/crjob: checkpoint 1 written/);
    expect(generations(job.dirs.state)).toEqual([]); // success: a resubmission starts fresh
    expect(existsSync(join(job.dirs.scratch, "1001"))).toBe(false); // scratch cleaned
    expect(readdirSync(job.dirs.scratch)).toEqual([]);
  });

  it("killed with kill -9, then run again under a new job id: resumes with exact output", async () => {
    // The app waits at line 30 until the kill (released for the second run), so it outlives two
    // 1 s checkpoints on a loaded machine too (no need for slow ticks).
    const job = prepareJob(spec({ lines: 40, tick: 0.1, hold: 30 }), { "input.txt": "data\n" });
    const first = runJob(job, "2001");
    await waitRunning(first, "two generations", () => generations(job.dirs.state).length >= 1 && generations(job.dirs.state).at(-1)! >= 2);
    first.signalGroup("SIGKILL"); // the node dies: script, app and all
    await first.done;
    release(job);
    const second = runJob(job, "2002");
    const { code } = await second.done;
    expect(second.log()).toMatch(/crjob: restart from generation \d+ \(written by job 2001/);
    expect(code).toBe(0);
    const out = readFileSync(join(job.dirs.submit, "stars.out"), "utf8");
    expect(out).not.toContain("\0");
    expect(out).toBe(starsOutput(40));
    // It resumed (the restored app did not start over) and its PID came back.
    const events = readFileSync(join(job.dirs.submit, "events.log"), "utf8");
    expectResumed(job.dirs.state, second.log(), { job: "2002", events });
  });

  it("passes the app's exit status on and keeps its checkpoints", async () => {
    // The app waits at line 10 until a generation is there, so a loaded machine cannot end it first.
    const job = prepareJob(spec({ lines: 15, tick: 0.1, exit: 7, hold: 10 }), { "input.txt": "data\n" });
    const run = runJob(job, "3001");
    await waitRunning(run, "a generation", () => generations(job.dirs.state).length > 0);
    release(job);
    const { code } = await run.done;
    expect(code).toBe(7);
    expect(run.log()).toContain("crjob: app exited with status 7");
    expect(generations(job.dirs.state).length).toBeGreaterThan(0);
    expect(readFileSync(join(job.dirs.submit, "stars.out"), "utf8")).toBe(starsOutput(15));
  });
});
