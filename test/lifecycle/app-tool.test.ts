// checkpoint.tool "app" (the app writes its own checkpoint files; crjob keeps them as generations)
// with test/apps/pickler, and checkpoint.tool "none", run directly and through the LSF emulator.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";
import { generations, holdArgs, prepareJob, release, runJob, starsOutput, waitFor, waitRunning } from "./harness.js";
import { lsfEmulator } from "./lsf-harness.js";
import { expectFinalCheckpoint, expectResumed } from "./promises.js";

const PICKLER = join(ROOT, "test", "apps", "pickler");

// `hold` makes the pickler wait after that line until the test calls release(job) (pickler --hold,
// as stars --hold): the app outlives what the test does to the running job, however loaded the machine.
function spec(lines: number, tick: number, extra: { checkpoint?: string; app?: string; top?: string; hold?: number } = {}): string {
  return `name: pick
queue: normal
app:
  command: ${PICKLER}
  args: [--lines, "${lines}", --tick, "${tick}", --events, events.log${extra.hold === undefined ? "" : holdArgs(extra.hold)}]
  output: pick.out
${extra.app ?? ""}stage:
  out: [events.log, restart.log]
checkpoint:
  tool: app
  interval: 1s
  dir: $STATE
  files: [state.pkl]
${extra.checkpoint ?? "  signal: USR1\n  ready:\n    marker: state.ready\n"}scratch: $SCRATCH
lsf:
  output: out.%J
${extra.top ?? ""}`;
}

type Job = ReturnType<typeof prepareJob>;
const output = (job: Job) => readFileSync(join(job.dirs.submit, "pick.out"), "utf8");
const events = (job: Job, f = "events.log") => readFileSync(join(job.dirs.submit, f), "utf8");
const newest = (job: Job) => generations(job.dirs.state).at(-1) ?? 0;

describe("app-level checkpoints (tool app)", () => {
  it("fresh: signal, marker, generations with the app's files; exact output; nothing kept after success", async () => {
    const job = prepareJob(spec(30, 0.1, { hold: 20 }));
    const run = runJob(job, "1001");
    await waitRunning(run, "a generation", () => newest(job) >= 1);
    const gen = join(job.dirs.state, `gen.${newest(job)}`);
    expect(existsSync(join(gen, "files", "state.pkl"))).toBe(true);
    expect(existsSync(join(gen, "output_size"))).toBe(true);
    release(job);
    const { code } = await run.done;
    expect(code, run.log()).toBe(0);
    expect(output(job)).toBe(starsOutput(30));
    expect(events(job)).toMatch(/^checkpoint /m);
    expect(generations(job.dirs.state)).toEqual([]);
  });

  it("kill -9, then a new job id: the app resumes from its own checkpoint (CRJOB_RESTART=1) with exact output", async () => {
    const job = prepareJob(spec(50, 0.1, { checkpoint: "  keep: 3\n  signal: USR1\n  ready:\n    marker: state.ready\n", hold: 40 }));
    const first = runJob(job, "2001");
    await waitRunning(first, "generation 2", () => newest(job) >= 2);
    first.signalGroup("SIGKILL");
    await first.done;
    release(job);
    const gen = newest(job);
    const second = runJob(job, "2002");
    const { code } = await second.done;
    expect(code, second.log()).toBe(0);
    expect(second.log()).toContain(`crjob: restart from generation ${gen} (written by job 2001`);
    const out = output(job);
    expect(out).not.toContain("\0");
    expect(out).toBe(starsOutput(50));
    const ev = events(job);
    expectResumed(job.dirs.state, second.log(), { fromGeneration: gen, job: "2002", events: ev });
    expect(ev, ev).toMatch(new RegExp(`^restored gen=${gen} `, "m"));
  });

  it("a generation without the app's checkpoint files falls back to the one before", async () => {
    const job = prepareJob(spec(50, 0.1, { checkpoint: "  keep: 3\n  signal: USR1\n  ready:\n    marker: state.ready\n", hold: 40 }));
    const first = runJob(job, "5001");
    await waitRunning(first, "generation 2", () => newest(job) >= 2);
    first.signalGroup("SIGKILL");
    await first.done;
    release(job);
    const gen = newest(job);
    rmSync(join(job.dirs.state, `gen.${gen}`, "files", "state.pkl"));
    const second = runJob(job, "5002");
    expect((await second.done).code, second.log()).toBe(0);
    // The generation's manifest (written before its rename) catches the removed file first.
    expect(second.log()).toContain(`generation ${gen} fails its check: files/state.pkl is missing`);
    expectResumed(job.dirs.state, second.log(), { fromGeneration: gen - 1, job: "5002", events: events(job) });
    expect(output(job)).toBe(starsOutput(50));
  });

  it("restart_args replace args when resuming", async () => {
    const job = prepareJob(
      spec(40, 0.1, { app: '  restart_args: [--lines, "40", --tick, "0.1", --events, restart.log]\n', hold: 30 }),
    );
    const first = runJob(job, "3001");
    await waitRunning(first, "a generation", () => newest(job) >= 1);
    first.signalGroup("SIGKILL");
    await first.done;
    release(job);
    const second = runJob(job, "3002");
    expect((await second.done).code, second.log()).toBe(0);
    expect(events(job)).toMatch(/^start/m);
    const gen = expectResumed(job.dirs.state, second.log(), { job: "3002" });
    expect(events(job, "restart.log")).toMatch(new RegExp(`^restored gen=${gen} `, "m"));
    expect(output(job)).toBe(starsOutput(40));
  });

  it("ready by stable size: the files unchanged for checkpoint.ready.stable", async () => {
    const job = prepareJob(spec(40, 0.1, { checkpoint: "  signal: USR1\n  ready:\n    stable: 1s\n", hold: 30 }));
    const first = runJob(job, "4001");
    await waitRunning(first, "a generation", () => newest(job) >= 1);
    first.signalGroup("SIGKILL");
    await first.done;
    release(job);
    const gen = newest(job);
    const second = runJob(job, "4002");
    expect((await second.done).code, second.log()).toBe(0);
    expectResumed(job.dirs.state, second.log(), { fromGeneration: gen, job: "4002", events: events(job) });
    expect(events(job)).toMatch(new RegExp(`^restored gen=${gen} `, "m"));
    expect(output(job)).toBe(starsOutput(40));
  });

  it("bkill through LSF: final checkpoint, EXIT; a new bsub resumes and ends DONE", async () => {
    // The app waits at line 40 until the bkilled job is over (released for the new bsub).
    const job = prepareJob(spec(60, 0.05, { hold: 40 }).replace("interval: 1s", "interval: 1h"));
    const lsf = lsfEmulator(job.dirs.root, { flavour: "ibm" });
    const id = lsf.bsub(job);
    await lsf.waitStat(id, "RUN");
    const work = join(job.dirs.scratch, String(id), "pick.out");
    await waitFor("the app's output", () => existsSync(work) && readFileSync(work, "utf8").split("\n").length - 1 >= 10);
    expect(lsf.cmd(["bkill", String(id)]).code).toBe(0);
    const st = await lsf.waitDone(id);
    release(job);
    const log = readFileSync(join(job.dirs.submit, `out.${id}`), "utf8");
    expect(st.stat, log).toBe("EXIT");
    const gen = expectFinalCheckpoint(log, "stop", { stateDir: job.dirs.state });
    expect(generations(job.dirs.state)).toEqual([gen]);
    const id2 = lsf.bsub(job);
    const st2 = await lsf.waitDone(id2);
    const log2 = readFileSync(join(job.dirs.submit, `out.${id2}`), "utf8");
    expect(st2.stat, log2).toBe("DONE");
    expectResumed(job.dirs.state, log2, { fromGeneration: gen, job: String(id2), events: events(job) });
    expect(output(job)).toBe(starsOutput(60));
  });
});

describe("no checkpoints (tool none)", () => {
  it("at the run limit the job ends EXIT, is not requeued, and still stages its output out", async () => {
    const job = prepareJob(`name: plain
queue: normal
app:
  command: $STARS
  args: [--lines, "200", --tick, "0.05"${holdArgs(150)}]
  output: stars.out
checkpoint:
  tool: none
  dir: $STATE
scratch: $SCRATCH
lsf:
  output: out.%J
  runlimit: 1
`);
    // The app waits at line 150, never released: only the run limit ends it.
    const script = readFileSync(job.script, "utf8");
    expect(script).not.toContain("#BSUB -Q");
    expect(script).toContain("#BSUB -W 1");
    // An LSF minute of 6 s: the app has printed its first lines by then on a loaded machine (2 s
    // was not always enough), and not yet 150.
    const lsf = lsfEmulator(job.dirs.root, { flavour: "ibm", env: { LSFEMU_SECONDS_PER_MINUTE: "6" } });
    const id = lsf.bsub(job);
    const st = await lsf.waitDone(id, 60_000);
    const log = readFileSync(join(job.dirs.submit, `out.${id}`), "utf8");
    expect(st.stat, log).toBe("EXIT");
    expect(st.requeues).toBe(0);
    expect(log).not.toMatch(/^crjob: requeue/m);
    // The app died of the run-limit SIGUSR2: 140. When the script's own USR2 trap runs in the same
    // instant, bash 5.2's `wait` can lose the status (it says -1); the script then exits 1, never -1.
    expect(["140", "1"]).toContain(st.exitCode);
    expect(log).toMatch(/^crjob: end: failed \(exit (140|1)\)/m);
    const out = readFileSync(join(job.dirs.submit, "stars.out"), "utf8");
    const n = out.split("\n").length - 1;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(200);
    expect(out).toBe(starsOutput(n));
    expect(generations(job.dirs.state)).toEqual([]);
  });
});
