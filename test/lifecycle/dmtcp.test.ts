// checkpoint.tool "dmtcp": generated scripts run with the DMTCP stand-ins (test/bin/dmtcp_*,
// test/fakedmtcp) by default, or with CRJOB_TEST_DMTCP=real with the real DMTCP (its bin dir from
// CRJOB_DMTCP_PREFIX/bin, else the first dmtcp_launch on PATH outside test/bin), with the same
// assertions: fresh, crashes (kill -9) and resumes with exact output, a corrupt generation, and
// through the LSF emulator run-limit requeue and bkill + resubmission. Only the tests that turn a
// stand-in's fault knob are skipped with the real DMTCP (their describe says so).
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generations, holdArgs, prepareJob, release, runJob, starsOutput, TEST_BIN, waitFor, waitRunning, type RunningJob } from "./harness.js";
import { lsfEmulator } from "./lsf-harness.js";
import { realDmtcpPrefix } from "../helpers.js";
import { expectFinalCheckpoint, expectRequeued, expectResumed, history } from "./promises.js";

/** The real DMTCP's bin dir with CRJOB_TEST_DMTCP=real (test/helpers.ts realDmtcpPrefix), else null. */
const PREFIX = realDmtcpPrefix();
const REAL = PREFIX && join(PREFIX, "bin");
// The real DMTCP goes before test/bin (which still gives the LSF emulator's commands); the fakes
// are found in test/bin, first on the harness's PATH.
const ENV: NodeJS.ProcessEnv = REAL ? { PATH: `${REAL}:${TEST_BIN}:${process.env.PATH}` } : {};


function spec(lines: number, tick: number, extra: { args?: string; checkpoint?: string; lsf?: string } = {}): string {
  return `name: dm
queue: normal
app:
  command: $STARS
  args: [--lines, "${lines}", --tick, "${tick}", --events, events.log${extra.args ?? ""}]
  output: stars.out
stage:
  out: [events.log]
checkpoint:
  tool: dmtcp
  interval: 1s
  dir: $STATE
${extra.checkpoint ?? ""}scratch: $SCRATCH
lsf:
  output: out.%J
${extra.lsf ?? ""}`;
}

/** The job of a spec; with the real DMTCP, through a site profile naming its prefix for the queue,
 * as a site would (the LSF emulator puts its bin dir, test/bin with the stand-ins, first on PATH). */
function prep(text: string): ReturnType<typeof prepareJob> {
  if (!REAL) return prepareJob(text);
  return prepareJob(text, { "site.yaml": `queues:\n  normal:\n    dmtcp: ${JSON.stringify(PREFIX)}\n` }, ["--site", "site.yaml"]);
}
type Job = ReturnType<typeof prepareJob>;
const start = (job: Job, id: string, env: NodeJS.ProcessEnv = {}): RunningJob => runJob(job, id, { ...ENV, ...env });
const output = (job: Job) => readFileSync(join(job.dirs.submit, "stars.out"), "utf8");
const events = (job: Job) => readFileSync(join(job.dirs.submit, "events.log"), "utf8");
/** The app's own events, as expectResumed takes them: an app that real DMTCP restores logs no `restored`. */
const appEvents = (job: Job) => ({ events: events(job), restoredEvents: !REAL });
const newest = (job: Job) => generations(job.dirs.state).at(-1) ?? 0;
/** The state's job.log (every run's crjob lines), empty while there is none. */
const stateLog = (job: Job) => (existsSync(join(job.dirs.state, "job.log")) ? readFileSync(join(job.dirs.state, "job.log"), "utf8") : "");

/** Processes whose command line contains `needle`, with their parent PID. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

function processes(needle: string): { pid: number; ppid: number; args: string }[] {
  const out = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const args = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").join(" ");
      if (!args.includes(needle)) continue;
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      out.push({ pid: Number(d), ppid: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]), args });
    } catch {
      /* gone */
    }
  }
  return out;
}

describe("DMTCP job run directly", () => {
  it("dmtcp.log over 1 MB becomes dmtcp.log.1, and the new dmtcp.log starts with this launch's header", async () => {
    const job = prep(spec(3, 0.05));
    mkdirSync(job.dirs.state, { mode: 0o700 });
    const big = "x".repeat(1024) + "\n";
    writeFileSync(join(job.dirs.state, "dmtcp.log"), big.repeat(1030)); // 1,055,750 bytes
    const run = start(job, "1091");
    expect((await run.done).code, run.log()).toBe(0);
    expect(readFileSync(join(job.dirs.state, "dmtcp.log.1"), "utf8").startsWith(big.repeat(1030))).toBe(true);
    expect(readFileSync(join(job.dirs.state, "dmtcp.log"), "utf8")).toMatch(/^=== crjob: launch, job 1091 on /);
  });

  it("fresh: a private coordinator, the app a direct child, every image in each generation, exact output", async () => {
    // The app waits at line 30 until its processes have been looked at: it is still running when
    // the first generation is there, on a loaded machine too.
    const job = prep(spec(40, 0.1, { args: holdArgs(30) }));
    const run = start(job, "1001");
    const work = join(job.dirs.scratch, "1001");
    await waitRunning(run, "a generation", () => generations(job.dirs.state).length > 0);
    // The root of the computation is the app itself (dmtcp_launch execs into bash -c ... crjob-dmtcp
    // OUTPUT app, which execs into the app), a child of the script's worker, the only child of the
    // job's first process (which only takes the signals).
    // (Not the fake coordinator, a daemon whose command line is dmtcp_launch's.)
    const app = processes(join(job.dirs.root, "go")).filter((p) => p.args.includes("--events events.log") && !p.args.includes("dmtcp_launch"));
    expect(app.length, JSON.stringify(processes("crjob-dmtcp"))).toBe(1);
    expect(parentOf(app[0]!.ppid)).toBe(run.child.pid);
    const port = Number(readFileSync(join(work, ".crjob-dmtcp", "port"), "utf8"));
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(7779);
    const gen = join(job.dirs.state, `gen.${newest(job)}`);
    const images = readdirSync(join(gen, "dmtcp")).sort();
    // One image per process of the computation, here the app alone (DMTCP names them
    // ckpt_<program>_<unique pid>.dmtcp).
    const names = images.filter((f) => f.endsWith(".dmtcp")).map((f) => f.replace(/_[^_]+\.dmtcp$/, ""));
    if (REAL) {
      // Real DMTCP names an image after the process's program at checkpoint time: the app is
      // python3.11, or still env or bash inside pyenv's python3 shim, which may be more than one
      // process then; it writes a _files dir only for a process that needs one.
      expect(names.some((n) => n.startsWith("ckpt_python3")), names.join(" ")).toBe(true);
    } else {
      expect(names).toEqual(["ckpt_python3"]);
      expect(images.filter((f) => f.endsWith("_files")).length).toBe(1);
    }
    // DMTCP's logs go to the job's own DMTCP_TMPDIR, not /tmp.
    expect(readdirSync(join(work, ".crjob-dmtcp", "tmp")).some((d) => d.startsWith("dmtcp-"))).toBe(true);
    expect(readFileSync(join(gen, "dmtcp", "workdirs"), "utf8")).toContain(work);
    release(job);
    const { code } = await run.done;
    expect(code, run.log()).toBe(0);
    expect(output(job)).toBe(starsOutput(40));
    expect(generations(job.dirs.state)).toEqual([]);
    expect(readdirSync(job.dirs.scratch)).toEqual([]); // work dir, images and DMTCP_TMPDIR gone
  });

  it("killed with kill -9 twice, resumed under new job ids: exact output, no NUL, the app never starts over", async () => {
    // The app waits at line 100 in the first two runs (both killed), released for the third.
    const job = prep(spec(120, 0.1, { checkpoint: "  keep: 3\n", args: holdArgs(100) }));
    const first = start(job, "2001");
    await waitRunning(first, "generation 2", () => newest(job) >= 2);
    first.signalGroup("SIGKILL"); // the node dies: script, coordinator, app
    await first.done;
    const second = start(job, "2002");
    await waitRunning(second, "a generation of the second run", () => /^crjob: checkpoint \d+ written/m.test(second.log()), 60_000);
    expect(second.log()).toMatch(/crjob: restart from generation \d+ \(written by job 2001/);
    second.signalGroup("SIGKILL");
    await second.done;
    // The restored app's own DMTCP WARNING ("cannot change process group": its process group is
    // the new job's) went to its stderr, the output file in the work dir: a line there, dropped
    // from what the stage-out copies back (checked at the end).
    expect(readFileSync(join(job.dirs.scratch, "2002", "stars.out"), "utf8")).toMatch(/^WARNING at processinfo\.cpp:\d+: .*cannot change process group/m);
    release(job);
    const third = start(job, "2003");
    const { code } = await third.done;
    expect(code, third.log()).toBe(0);
    expect(third.log()).toMatch(/crjob: restart from generation \d+ \(written by job 2002/);
    expectResumed(job.dirs.state, second.log(), { job: "2002" });
    expectResumed(job.dirs.state, third.log(), { job: "2003", ...appEvents(job) });
    const out = output(job);
    expect(out).not.toContain("\0");
    expect(out).toBe(starsOutput(120));
    const ev = events(job);
    expect(ev.match(/^start/gm)?.length, ev).toBe(1);
    expect(ev.match(/^restored/gm)?.length ?? 0, ev).toBe(REAL ? 0 : 2); // see expectResumed's restoredEvents
    expect(new Set(ev.match(/pid=\d+/g)).size, ev).toBe(1); // getpid() is virtualized
    expect(readdirSync(job.dirs.scratch)).toEqual([]); // old work dirs, and the links that replaced them, gone
  });

  it("kill -9 at seeded random instants (also while restarting), then a run to the end: exact output", async () => {
    const job = prep(spec(120, 0.05));
    let seed = Number(process.env.CRJOB_TEST_SEED ?? 20261125);
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let freshStarts = 0;
    let resumes = 0;
    /** A run that found a complete generation resumed from it; one that found none started fresh. */
    const check = (run: RunningJob, hadGeneration: boolean) => {
      if (hadGeneration) {
        expect(run.log(), run.log()).not.toContain("crjob: fresh start");
        if (run.log().includes("crjob: restart from generation")) resumes++;
      } else if (run.log().includes("crjob: fresh start")) freshStarts++;
    };
    for (let k = 0; k < 5; k++) {
      const had = generations(job.dirs.state).length > 0;
      const run = start(job, String(2101 + k));
      const wait = 200 + random() * 2300;
      const ended = await Promise.race([run.done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), wait))]);
      if (!ended) run.signalGroup("SIGKILL");
      await run.done;
      check(run, had);
      if (ended) break;
    }
    if (!existsSync(join(job.dirs.submit, "stars.out")) || output(job) !== starsOutput(120)) {
      // The kills came too early for a generation: one more crash after one, so a resume is tested.
      if (resumes === 0) {
        const had = generations(job.dirs.state).length > 0;
        const run = start(job, "2198");
        await waitFor("a generation", () => newest(job) >= 1);
        run.signalGroup("SIGKILL");
        await run.done;
        check(run, had);
      }
      const had = generations(job.dirs.state).length > 0;
      const last = start(job, "2199");
      expect((await last.done).code, last.log()).toBe(0);
      check(last, had);
    }
    expect(resumes, "no run resumed from a generation").toBeGreaterThan(0);
    // The app started over only when no generation existed (a kill before the first checkpoint).
    // (A kill can come between crjob's "fresh start" and the app's own "start" line.)
    const fresh = events(job).match(/^start/gm)?.length ?? 0;
    expect(fresh, events(job)).toBeLessThanOrEqual(freshStarts);
    expect(output(job)).toBe(starsOutput(120));
  });

  it("rerun under the same job id (LSF -r after a host failure) resumes in the same work dir", async () => {
    const job = prep(spec(40, 0.1, { args: holdArgs(30) }));
    const first = start(job, "3001");
    await waitRunning(first, "a generation", () => newest(job) >= 1);
    first.signalGroup("SIGKILL");
    await first.done;
    release(job);
    const second = start(job, "3001");
    expect((await second.done).code, second.log()).toBe(0);
    expectResumed(job.dirs.state, second.log(), { job: "3001", ...appEvents(job) });
    expect(output(job)).toBe(starsOutput(40));
  });

  it("passes the app's exit status on through the computation's root and keeps the checkpoints", async () => {
    const job = prep(spec(12, 0.1, { args: `, --exit, "7"${holdArgs(6)}` }));
    const run = start(job, "4001");
    await waitRunning(run, "a generation", () => newest(job) >= 1);
    release(job);
    const { code } = await run.done;
    expect(code, run.log()).toBe(7);
    expect(run.log()).toContain("crjob: app exited with status 7");
    expect(generations(job.dirs.state).length).toBeGreaterThan(0);
    expect(output(job)).toBe(starsOutput(12));
  });

  it("a corrupt newest generation falls back to the one before", async () => {
    const job = prep(spec(50, 0.1, { checkpoint: "  keep: 3\n", args: holdArgs(40) }));
    const first = start(job, "5001");
    await waitRunning(first, "generation 2", () => newest(job) >= 2);
    first.signalGroup("SIGKILL");
    await first.done;
    release(job);
    const n = newest(job);
    const dir = join(job.dirs.state, `gen.${n}`, "dmtcp");
    // The app's image: python3's under the stand-in; under real DMTCP the largest (the Python
    // interpreter's, or the shim's while pyenv's python3 shim still runs).
    const all = readdirSync(dir).filter((f) => f.endsWith(".dmtcp"));
    const size = (f: string) => statSync(join(dir, f)).size;
    const image = all.find((f) => f.includes("python")) ?? all.sort((a, b) => size(b) - size(a))[0]!;
    writeFileSync(join(dir, image), "not an image");
    const second = start(job, "5002");
    expect((await second.done).code, second.log()).toBe(0);
    expect(second.log()).toContain(`generation ${n} does not restore; trying the one before`);
    expectResumed(job.dirs.state, second.log(), { fromGeneration: n - 1, job: "5002", ...appEvents(job) });
    expect(output(job)).toBe(starsOutput(50));
  });

  it("the old work dir is a link to the new one during the restore, and only then", async () => {
    // The app waits at line 30 until the kill, and in the second run until the link has been seen.
    const job = prep(spec(40, 0.1, { args: holdArgs(30) }));
    const first = start(job, "8001");
    await waitRunning(first, "a generation", () => newest(job) >= 1);
    first.signalGroup("SIGKILL");
    await first.done;
    const second = start(job, "8002");
    const old = join(job.dirs.scratch, "8001");
    await waitRunning(second, "the restart", () => second.log().includes("restart from generation"));
    await waitRunning(second, "the link", () => {
      try {
        return readlinkSync(old) === join(job.dirs.scratch, "8002");
      } catch {
        return false;
      }
    });
    release(job);
    expect((await second.done).code, second.log()).toBe(0);
    expect(existsSync(old)).toBe(false);
    expect(output(job)).toBe(starsOutput(40));
  });
});

// These turn the stand-in's fault knobs (DMTCPFAKE_*), which the real DMTCP does not have.
describe.skipIf(REAL)("DMTCP faults made by the stand-in (skipped with CRJOB_TEST_DMTCP=real: no fault knobs there)", () => {
  it("a kill -9 while DMTCP writes its images leaves the generation before intact", async () => {
    // The app waits at line 40 until the kill (released for the second run).
    const job = prep(spec(50, 0.1, { args: holdArgs(40) }));
    const faults = join(job.dirs.root, "faults");
    writeFileSync(faults, "");
    const first = start(job, "6001", { DMTCPFAKE_FAULTS: faults });
    await waitRunning(first, "a generation", () => newest(job) >= 1);
    writeFileSync(faults, "CKPT_DELAY=5@1\n");
    const ckpt = join(job.dirs.scratch, "6001", ".crjob-dmtcp", "ckpt");
    await waitRunning(first, "a partial image", () => existsSync(ckpt) && readdirSync(ckpt).some((f) => f.endsWith(".temp")));
    const before = newest(job);
    first.signalGroup("SIGKILL");
    await first.done;
    release(job);
    const second = start(job, "6002");
    expect((await second.done).code, second.log()).toBe(0);
    expectResumed(job.dirs.state, second.log(), { fromGeneration: before, job: "6002", ...appEvents(job) });
    expect(output(job)).toBe(starsOutput(50));
  });

  it("a failing checkpoint keeps the previous generation and the job goes on", async () => {
    // The app waits at line 30 until the first checkpoint has failed.
    const job = prep(spec(40, 0.1, { args: holdArgs(30) }));
    const run = start(job, "7001", { DMTCPFAKE_CKPT_FAIL: "ENOSPC" });
    await waitRunning(run, "a failed checkpoint", () => run.log().includes("checkpoint 1 failed"));
    release(job);
    const { code } = await run.done;
    expect(code, run.log()).toBe(0);
    expect(run.log()).toMatch(/checkpoint 1 failed \(dmtcp exit \d+\); keeping generation 0/);
    expect(output(job)).toBe(starsOutput(40));
  });

  it("a computation stuck for good (never running again, the app alive) is stopped; the job requeues and resumes from its last good generation", async () => {
    // Real DMTCP 5.0 was seen to break down so (the knob's comment, coordinator.py): every later
    // checkpoint said "not in running state" and the app never moved again, until the run limit.
    // The app waits at line 40 until the stuck run is over (released once the job has requeued).
    const job = prep(spec(60, 0.1, { args: holdArgs(40) }));
    const faults = join(job.dirs.root, "faults");
    writeFileSync(faults, "");
    const lsf = lsfEmulator(job.dirs.root, { flavour: "ibm", env: { ...ENV, DMTCPFAKE_FAULTS: faults } });
    const id = lsf.bsub(job);
    await waitFor("a generation", () => newest(job) >= 1, 120_000);
    writeFileSync(faults, "STUCK=1@1\n");
    await waitFor("the requeue", () => /^\S+ job=\S+ crjob: requeue 1: /m.test(stateLog(job)), 120_000);
    release(job);
    const st = await lsf.waitDone(id, 120_000);
    const log = readFileSync(join(job.dirs.submit, `out.${id}`), "utf8");
    expect(st.stat, log).toBe("DONE");
    const h = history(job.dirs.state);
    const stuck = h.find((e) => e.event.startsWith("stuck gen="));
    expect(stuck, log).toBeDefined();
    const gen = Number(stuck!.event.slice("stuck gen=".length));
    expect(log).toMatch(/^crjob: dmtcp says the computation is not running \(look 1 of 3\)$/m);
    expect(log).toMatch(/^crjob: dmtcp says the computation is not running \(look 2 of 3\)$/m);
    expect(log).toMatch(new RegExp(`^crjob: error: dmtcp's computation is stuck .*: stopping the app; the job goes on from generation ${gen}$`, "m"));
    expectRequeued(job.dirs.state, id, { count: 1, nrequeue: st.requeues });
    expectResumed(job.dirs.state, log, { fromGeneration: gen, job: String(id), ...appEvents(job) });
    expect(output(job)).toBe(starsOutput(60));
  });
});

// A whole emulated run limit, requeue and resume per test: its own waits allow 120 s each.
describe("DMTCP job through the LSF emulator", { timeout: 300_000 }, () => {
  it("run limit: final checkpoint, requeue (same job id), resume, DONE with exact output", async () => {
    // The app waits at line 100 until the run limit has requeued the job, so it cannot end before
    // the limit's final checkpoint, however loaded the machine.
    const job = prep(spec(120, 0.05, { lsf: "  runlimit: 1\n", args: holdArgs(100) }).replace("interval: 1s", "interval: 30s"));
    // A 1-minute limit lasts 6 s: the own timer's final checkpoint at 3 s has 3 s (and the grace
    // after the limit) to complete on a loaded machine.
    const lsf = lsfEmulator(job.dirs.root, { flavour: "ibm", env: { ...ENV, LSFEMU_SECONDS_PER_MINUTE: "6" } });
    const id = lsf.bsub(job);
    await waitFor("the first requeue", () => /^\S+ job=\S+ crjob: requeue 1: /m.test(stateLog(job)), 120_000);
    release(job);
    const st = await lsf.waitDone(id, 120_000);
    const log = readFileSync(join(job.dirs.submit, `out.${id}`), "utf8");
    expect(st.stat, log).toBe("DONE");
    expectFinalCheckpoint(log, "limit", { stateDir: job.dirs.state });
    expectRequeued(job.dirs.state, id, { nrequeue: st.requeues });
    expectResumed(job.dirs.state, log, { job: String(id), ...appEvents(job) });
    expect(output(job)).toBe(starsOutput(120));
  });

  it("bkill: final checkpoint, EXIT; a new bsub resumes and ends DONE with exact output", async () => {
    // The app waits at line 40 until the bkilled job is over (released for the new bsub).
    const job = prep(spec(60, 0.05, { args: holdArgs(40) }).replace("interval: 1s", "interval: 1h"));
    // IBM sends INT and TERM together, KILL one interval later: the harness's 10 s (LSF's default)
    // give the final checkpoint (images, manifest) room on a loaded machine (4 s was killed first,
    // exit 137, at a load average of 7).
    const lsf = lsfEmulator(job.dirs.root, { flavour: "ibm", env: ENV });
    const id = lsf.bsub(job);
    await lsf.waitStat(id, "RUN");
    await waitFor("the app", () => existsSync(join(job.dirs.scratch, String(id), "stars.out")) && output2(job, id) >= 10);
    expect(lsf.cmd(["bkill", String(id)]).code).toBe(0);
    const st = await lsf.waitDone(id);
    release(job);
    const log = readFileSync(join(job.dirs.submit, `out.${id}`), "utf8");
    expect(st.stat, log).toBe("EXIT");
    expect(["130", "143"]).toContain(st.exitCode);
    const gen = expectFinalCheckpoint(log, "stop", { stateDir: job.dirs.state });
    expect(generations(job.dirs.state)).toEqual([gen]);
    const id2 = lsf.bsub(job);
    const st2 = await lsf.waitDone(id2);
    const log2 = readFileSync(join(job.dirs.submit, `out.${id2}`), "utf8");
    expect(st2.stat, log2).toBe("DONE");
    expectResumed(job.dirs.state, log2, { fromGeneration: gen, job: String(id2), ...appEvents(job) });
    expect(output(job)).toBe(starsOutput(60));
  });
});

/** Lines of a running job's output in its work dir. */
function output2(job: Job, id: number): number {
  try {
    return readFileSync(join(job.dirs.scratch, String(id), "stars.out"), "utf8").split("\n").length - 1;
  } catch {
    return 0;
  }
}
