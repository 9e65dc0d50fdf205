// Lifecycle scenarios driven through the generated script (run directly, as LSF starts it, with
// the BLCR stand-ins): failures of checkpoints and restarts, corrupt generations, locks, fresh by
// mistake, on-demand checkpoints, signals, node loss, security.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generations, holdArgs, prepareJob, REAL_BLCR, release, runJob, starsOutput, waitFor, waitRunning } from "./harness.js";
import { expectFinalCheckpoint, expectRequeued, expectResumed, history } from "./promises.js";


function spec(lines: number, tick: number, extra: { checkpoint?: string; top?: string; args?: string } = {}): string {
  return `name: scen
queue: normal
app:
  command: $STARS
  args: [--lines, "${lines}", --tick, "${tick}", --events, events.log${extra.args ?? ""}]
  output: stars.out
stage:
  out: [events.log]
checkpoint:
  tool: blcr
  interval: 1s
  dir: $STATE
${extra.checkpoint ?? ""}scratch: $SCRATCH
${extra.top ?? ""}`;
}


const output = (job: ReturnType<typeof prepareJob>) => readFileSync(join(job.dirs.submit, "stars.out"), "utf8");
const events = (job: ReturnType<typeof prepareJob>) => readFileSync(join(job.dirs.submit, "events.log"), "utf8");
/** Lines of a running job's output in its work dir. */
function workLines(job: ReturnType<typeof prepareJob>, id: string): number {
  try {
    return readFileSync(join(job.dirs.scratch, id, "stars.out"), "utf8").split("\n").length - 1;
  } catch {
    return 0;
  }
}

describe("generations", () => {
  it("a corrupt newest generation falls back to the one before, and says so", async () => {
    // The app waits at line 120 until the kill, so a loaded machine cannot end it before 3 generations.
    const job = prepareJob(spec(150, 0.05, { checkpoint: "  keep: 3\n", args: holdArgs(120) }));
    const first = runJob(job, "101");
    await waitRunning(first, "3 generations", () => generations(job.dirs.state).length >= 3);
    first.signalGroup("SIGKILL");
    await first.done;
    release(job);
    const newest = generations(job.dirs.state).at(-1)!;
    const ctx = join(job.dirs.state, `gen.${newest}`, "context");
    rmSync(ctx, { force: true });
    writeFileSync(ctx, "garbage, not a context file\n");
    const second = runJob(job, "102");
    expect((await second.done).code, second.log()).toBe(0);
    expect(second.log()).toContain(`generation ${newest} does not restore; trying the one before`);
    expectResumed(job.dirs.state, second.log(), { fromGeneration: newest - 1, job: "102", events: events(job) });
    expect(output(job)).toBe(starsOutput(150));
  });

  it.skipIf(REAL_BLCR)("a failing checkpoint (disk full) keeps the previous generation and the job goes on", async () => {
    // The app waits at line 80 until a checkpoint has failed, so it cannot end before one does.
    const job = prepareJob(spec(100, 0.05, { args: holdArgs(80) }));
    const faults = join(job.dirs.root, "faults");
    writeFileSync(faults, "");
    const run = runJob(job, "201", { CRFAKE_FAULTS: faults });
    await waitRunning(run, "a generation", () => generations(job.dirs.state).length >= 1);
    writeFileSync(faults, "CKPT_FAIL=ENOSPC@2\n");
    await waitRunning(run, "a failed checkpoint", () => /checkpoint \d+ failed \(blcr exit 28\)/.test(run.log()));
    release(job);
    const { code } = await run.done;
    expect(code, run.log()).toBe(0);
    expect(run.log()).toMatch(/checkpoint (\d+) failed \(blcr exit 28\); keeping generation \d+/);
    expect(output(job)).toBe(starsOutput(100));
  });

  it("keeps no more than checkpoint.keep generations (the newest), and none after success", async () => {
    // keep_on_success leaves what the last prune kept: exactly the 2 newest of the 3 it wrote.
    // The checkpoints are asked for (bkill -s USR1), one after the other, not left to the clock.
    // The app waits at line 200 until the third checkpoint is written.
    const kept = prepareJob(spec(300, 0.02, { checkpoint: "  keep: 2\n  keep_on_success: true\n", args: holdArgs(200) }).replace("interval: 1s", "interval: 1h"));
    const one = runJob(kept, "301");
    await waitFor("running", () => one.log().includes("fresh start"));
    const count = (what: string) => one.log().split(what).length - 1;
    for (let n = 1; n <= 3; n++) {
      // A checkpoint asked for while the app is still starting fails; ask again.
      while (!one.log().includes(`crjob: checkpoint ${n} written`)) {
        const failed = count(`crjob: checkpoint ${n} failed`);
        one.signalGroup("SIGUSR1");
        await waitRunning(one, `checkpoint ${n}`, () => one.log().includes(`crjob: checkpoint ${n} written`) || count(`crjob: checkpoint ${n} failed`) > failed);
      }
    }
    release(kept);
    expect((await one.done).code, one.log()).toBe(0);
    const written = history(kept.dirs.state).flatMap((e) => /^checkpoint gen=(\d+) /.exec(e.event)?.[1] ?? []).map(Number);
    expect(written, one.log()).toEqual([1, 2, 3]);
    expect(generations(kept.dirs.state)).toEqual([2, 3]);
    // Without keep_on_success, a success removes them all.
    // This app waits at line 40 until its first checkpoint is written.
    const job = prepareJob(spec(60, 0.05, { checkpoint: "  keep: 2\n", args: holdArgs(40) }));
    const run = runJob(job, "311");
    await waitRunning(run, "a checkpoint", () => run.log().includes("crjob: checkpoint 1 written"));
    release(job);
    expect((await run.done).code, run.log()).toBe(0);
    expect(history(job.dirs.state).some((e) => e.event.startsWith("checkpoint gen="))).toBe(true);
    expect(generations(job.dirs.state)).toEqual([]);
  });

  it("keep_on_success keeps the generations", async () => {
    // The app waits at line 30 until a generation is there.
    const job = prepareJob(spec(50, 0.05, { checkpoint: "  keep_on_success: true\n", args: holdArgs(30) }));
    const run = runJob(job, "302");
    await waitRunning(run, "a generation", () => generations(job.dirs.state).length > 0);
    release(job);
    expect((await run.done).code).toBe(0);
    expect(generations(job.dirs.state).length).toBeGreaterThan(0);
  });

  it("checkpoint images and state are private: dir 0700, nothing group/world readable", async () => {
    // The app waits at line 80 (never released): it is still running when killed.
    const job = prepareJob(spec(100, 0.05, { args: holdArgs(80) }));
    const run = runJob(job, "401");
    await waitRunning(run, "a generation", () => generations(job.dirs.state).length >= 1);
    run.signalGroup("SIGKILL");
    await run.done;
    expect(statSync(job.dirs.state).mode & 0o777).toBe(0o700);
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [join(d, e.name), ...walk(join(d, e.name))] : [join(d, e.name)]));
    for (const f of walk(join(job.dirs.state, `gen.${generations(job.dirs.state)[0]}`))) {
      expect(statSync(f).mode & 0o077, f).toBe(0);
    }
  });
});

describe("restart", () => {
  it("node loss: the old scratch dir is gone; open files come back from the generation", async () => {
    // The app waits at line 120 until the node is lost.
    const job = prepareJob(spec(150, 0.05, { args: `, --also, also.txt${holdArgs(120)}` }).replace("out: [events.log]", "out: [events.log, also.txt]"));
    const first = runJob(job, "501");
    await waitRunning(first, "2 generations", () => (generations(job.dirs.state).at(-1) ?? 0) >= 2);
    first.signalGroup("SIGKILL");
    await first.done;
    release(job);
    rmSync(job.dirs.scratch, { recursive: true, force: true });
    mkdirSync(job.dirs.scratch);
    const newest = generations(job.dirs.state).at(-1);
    const second = runJob(job, "502");
    expect((await second.done).code, second.log()).toBe(0);
    expectResumed(job.dirs.state, second.log(), { fromGeneration: newest, job: "502", events: events(job) });
    expect(output(job)).toBe(starsOutput(150));
    const also = readFileSync(join(job.dirs.submit, "also.txt"), "utf8");
    expect(also).toBe(Array.from({ length: 150 }, (_, i) => `${i + 1}\n`).join(""));
  });

  it("mode restart without a checkpoint fails clearly", async () => {
    const job = prepareJob(spec(10, 0.05, { top: "mode: restart\n" }));
    const run = runJob(job, "601");
    expect((await run.done).code).toBe(1);
    expect(run.log()).toContain("crjob: error: mode restart, but job scen has no checkpoint in");
  });

  it("restore_pid: always — a PID in use on the node fails the job, never a silent fresh start", async () => {
    // The first run's app waits at line 30 (never released): it still holds its PID when stopped.
    const job = prepareJob(spec(60, 0.05, { checkpoint: "  restore_pid: always\n", args: holdArgs(30) }));
    const first = runJob(job, "701");
    await waitRunning(first, "a generation", () => generations(job.dirs.state).length >= 1);
    // Stop (not kill) the job: its app keeps its PID, as a process on the new node would.
    first.signalGroup("SIGSTOP");
    rmSync(join(job.dirs.state, "lock"), { recursive: true, force: true });
    const second = runJob(job, "702");
    const { code } = await second.done;
    first.signalGroup("SIGKILL");
    expect(code).toBe(1);
    expect(second.log()).toContain("cr_restart failed temporarily (PID in use or out of memory); not starting fresh");
    expect(second.log()).not.toContain("crjob: fresh start");
    expect(generations(job.dirs.state).length).toBeGreaterThan(0);
  });

  it.skipIf(REAL_BLCR)("fresh by mistake loses nothing: old generations stay until the new run has checkpointed", async () => {
    // The app waits at line 120 in the first two runs (both killed), released for the third.
    const job = prepareJob(spec(150, 0.05, { args: holdArgs(120) }));
    const first = runJob(job, "801");
    await waitRunning(first, "2 generations", () => (generations(job.dirs.state).at(-1) ?? 0) >= 2);
    first.signalGroup("SIGKILL");
    await first.done;
    const old = generations(job.dirs.state);
    const fresh = runJob(job, "802", { CRJOB_MODE: "fresh", CRFAKE_CKPT_DELAY: "30" });
    await waitRunning(fresh, "fresh start", () => fresh.log().includes("fresh start"));
    // Its first checkpoint is being written, under any name (a mutant writes it in place): a new
    // dir holding cr_checkpoint's partial context, `.context.tmp` (renamed to `context` once
    // complete). Under way = the checkpointer has written half of it and waits 30 s: everything
    // the script does before that has been done, and the test kills the job long before it could
    // complete, however loaded the machine. (Waiting for `context` itself, as before, caught the
    // checkpoint only after it was complete: a loaded machine let the script rename it first.)
    const inProgress = (f: string) => f.startsWith(".gen.") || (/^gen\.\d+$/.test(f) && !old.includes(Number(f.slice(4))));
    await waitRunning(fresh, "a checkpoint in progress", () =>
      readdirSync(job.dirs.state).some((f) => inProgress(f) && existsSync(join(job.dirs.state, f, ".context.tmp"))),
    );
    fresh.signalGroup("SIGKILL");
    await fresh.done;
    release(job);
    expect(generations(job.dirs.state)).toEqual(old);
    const again = runJob(job, "803");
    expect((await again.done).code, again.log()).toBe(0);
    // The fresh run (802) started the app over on purpose: two fresh starts in this state's history.
    expectResumed(job.dirs.state, again.log(), { fromGeneration: old.at(-1), job: "803", freshStarts: 2 });
    expect(output(job)).toBe(starsOutput(150));
  });
});

describe("one job per state", () => {
  it("a second live job on the same state refuses to share it", async () => {
    // The first job's app waits at line 20 until the second has been refused.
    const job = prepareJob(spec(40, 0.05, { args: holdArgs(20) }));
    const first = runJob(job, "901");
    await waitRunning(first, "first running", () => first.log().includes("fresh start"));
    const second = runJob(job, "902");
    expect((await second.done).code).toBe(1);
    release(job);
    expect(second.log()).toMatch(/crjob: error: the state of job scen \(.*\) is in use by job 901 on \S+; not sharing it/);
    expect((await first.done).code).toBe(0);
    expect(output(job)).toBe(starsOutput(40));
  });

  it("a stale lock of a crashed job on this host is taken over", async () => {
    const job = prepareJob(spec(10, 0.05));
    mkdirSync(join(job.dirs.state, "lock"), { recursive: true });
    writeFileSync(join(job.dirs.state, "lock", "owner"), `777 ${(await import("node:os")).hostname()} 999999\n`);
    const run = runJob(job, "1001");
    expect((await run.done).code, run.log()).toBe(0);
    expect(run.log()).toContain("taking over the stale lock of job 777");
  });
});

describe("signals", () => {
  it("bkill -s USR1 checkpoints now and the job goes on", async () => {
    // The app waits at line 40 until the on-demand checkpoint is written.
    const job = prepareJob(spec(60, 0.05, { args: holdArgs(40) }).replace("interval: 1s", "interval: 1h"));
    const run = runJob(job, "1101");
    // The app has printed a line: it runs under cr_run, so there is something to checkpoint.
    await waitRunning(run, "the app's first line", () => workLines(job, "1101") >= 1);
    run.signalGroup("SIGUSR1");
    await waitRunning(run, "on-demand checkpoint", () => run.log().includes("checkpoint 1 written"), 10_000);
    release(job);
    expect((await run.done).code).toBe(0);
    expect(run.log()).toContain("crjob: received SIGUSR1");
    expect(output(job)).toBe(starsOutput(60));
  });

  it("bkill's INT, TERM, KILL: final checkpoint, exit 130, and the next submission resumes", async () => {
    // The app waits at line 150 until the stopped run is over (released for the next submission).
    const job = prepareJob(spec(200, 0.05, { args: holdArgs(150) }).replace("interval: 1s", "interval: 1h"));
    // The (only, final) checkpoint takes 3 s, so the TERM lands in the middle of it.
    const run = runJob(job, "1201", { CRFAKE_CKPT_DELAY: "3" });
    await waitRunning(run, "running", () => run.log().includes("fresh start"));
    await waitRunning(run, "some output", () => workLines(job, "1201") >= 10);
    // bkill's sequence: INT, then TERM while the final checkpoint is being written (the script's
    // own commands must survive it), then KILL late enough for that checkpoint on a loaded
    // machine (LSF's JOB_TERMINATE_INTERVAL is 10 s by default).
    run.signalGroup("SIGINT");
    await waitRunning(run, "the final checkpoint under way", () => readdirSync(job.dirs.state).some((f) => f.startsWith(".gen.")));
    run.signalGroup("SIGTERM");
    const kill = setTimeout(() => run.signalGroup("SIGKILL"), 10_000);
    await run.done;
    clearTimeout(kill);
    const { code } = await run.done;
    expect(code, run.log()).toBe(130);
    const gen = expectFinalCheckpoint(run.log(), "stop", { stateDir: job.dirs.state, signal: "INT" });
    expect(generations(job.dirs.state)).toEqual([gen]);
    const partial = output(job);
    expect(partial.length).toBeGreaterThan(0);
    release(job);
    const next = runJob(job, "1202");
    expect((await next.done).code, next.log()).toBe(0);
    expectResumed(job.dirs.state, next.log(), { fromGeneration: gen, job: "1202", events: events(job) });
    expect(output(job)).toBe(starsOutput(200));
  });

  it("run limit (own timer): final checkpoint before the limit, exit with the requeue code", async () => {
    // The app waits at line 150 until the limit has ended the run (released for the requeued run).
    const job = prepareJob(spec(200, 0.05, { args: holdArgs(150) }).replace("interval: 1s", "interval: 30s") + "lsf:\n  runlimit: 1\n");
    const run = runJob(job, "1301", { CRJOB_RUNLIMIT_SECONDS: "4" });
    const { code } = await run.done;
    release(job);
    expect(code, run.log()).toBe(99);
    const gen = expectFinalCheckpoint(run.log(), "limit", { stateDir: job.dirs.state });
    expect(run.log()).toContain("requeue 1: exit 99");
    const again = runJob(job, "1301"); // requeued: same job id
    expect((await again.done).code, again.log()).toBe(0);
    expectRequeued(job.dirs.state, "1301", { count: 1 });
    expectResumed(job.dirs.state, again.log(), { fromGeneration: gen, job: "1301", events: events(job) });
    expect(output(job)).toBe(starsOutput(200));
  });
});
