// The job lifecycle through an LSF that behaves like LSF (the emulator: #BSUB parsing, LSB_*
// environment, the bkill sequence to every process group, SIGUSR2 at the run limit, requeue with
// the same job id), for both flavours, with the BLCR stand-ins.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generations, holdArgs, prepareJob, release, starsOutput, waitFor } from "./harness.js";
import { lsfEmulator } from "./lsf-harness.js";
import { expectFinalCheckpoint, expectRequeued, expectResumed, starsPrefixLines, stateJobLog } from "./promises.js";

function spec(lines: number, tick: number, lsf = "", top = "", args = ""): string {
  return `name: stars
queue: normal
app:
  command: $STARS
  args: [--lines, "${lines}", --tick, "${tick}"${args}]
  output: stars.out
checkpoint:
  tool: blcr
  interval: 1s
  dir: $STATE
scratch: $SCRATCH
lsf:
  output: out.%J
${lsf}${top}`;
}

// Emulated minutes for the run-limit tests: a 1-minute limit lasts 6 s, the job's own timer takes
// its final checkpoint at 3 s, which leaves 3 s for that checkpoint on a loaded machine.
const SPM = "6";

const output = (job: ReturnType<typeof prepareJob>) => readFileSync(join(job.dirs.submit, "stars.out"), "utf8");
const lsfLog = (job: ReturnType<typeof prepareJob>, id: number) => readFileSync(join(job.dirs.submit, `out.${id}`), "utf8");
/** Lines of a running job's output in its work dir (<scratch>/<id>). */
function workLines(job: ReturnType<typeof prepareJob>, id: number): number {
  try {
    return readFileSync(join(job.dirs.scratch, String(id), "stars.out"), "utf8").split("\n").length - 1;
  } catch {
    return 0;
  }
}
/**
 * Release a held app once the job's first requeue is in the state's job.log (every run's lines):
 * the first run's app waits (--hold) until the run limit has ended that run, however loaded the
 * machine, and the requeued runs go on to the end.
 */
async function releaseAtRequeue(job: ReturnType<typeof prepareJob>): Promise<void> {
  const file = join(job.dirs.state, "job.log");
  await waitFor("the first requeue", () => existsSync(file) && /^\S+ job=\S+ crjob: requeue 1: /m.test(readFileSync(file, "utf8")), 150_000);
  release(job);
}

function withSite(flavour: string, queueExtra = ""): Record<string, string> {
  return { "crjob.site.yaml": `flavour: ${flavour}\nqueues:\n  normal:\n${queueExtra || "    blcr: /opt/blcr\n"}` };
}

describe.each(["ibm", "openlava"] as const)("LSF flavour %s", (flavour) => {
  it("a fresh run ends DONE with the exact output and LSF's report", async () => {
    const job = prepareJob(spec(30, 0.05), withSite(flavour));
    const lsf = lsfEmulator(job.dirs.root, { flavour });
    const id = lsf.bsub(job);
    const st = await lsf.waitDone(id);
    expect(st.stat, lsfLog(job, id)).toBe("DONE");
    expect(output(job)).toBe(starsOutput(30));
    const log = lsfLog(job, id);
    expect(log).toContain("Successfully completed.");
    expect(log).toContain("crjob: fresh start");
    expect(log).toContain("crjob: end: done (exit 0)");
  });

  it("an app failure ends EXIT with the app's status", async () => {
    const job = prepareJob(spec(10, 0.05).replace('"0.05"]', '"0.05", --exit, "7"]'), withSite(flavour));
    const lsf = lsfEmulator(job.dirs.root, { flavour });
    const id = lsf.bsub(job);
    const st = await lsf.waitDone(id);
    expect(st).toMatchObject({ stat: "EXIT", exitCode: "7" });
    expect(lsfLog(job, id)).toContain("Exited with exit code 7.");
  });

  it("bkill, then a new bsub of the same spec resumes", async () => {
    // The app waits at line 60 until the bkilled job is over (released for the new bsub).
    const job = prepareJob(spec(80, 0.05, "", "", holdArgs(60)).replace("interval: 1s", "interval: 1h"), withSite(flavour));
    const lsf = lsfEmulator(job.dirs.root, { flavour });
    const id = lsf.bsub(job);
    await lsf.waitStat(id, "RUN");
    await waitFor("the app's output", () => workLines(job, id) >= 10);
    expect(lsf.cmd(["bkill", String(id)]).code).toBe(0);
    const st = await lsf.waitDone(id);
    release(job);
    expect(st.stat).toBe("EXIT");
    expect(["130", "143"]).toContain(st.exitCode);
    const gen = expectFinalCheckpoint(lsfLog(job, id), "stop", { stateDir: job.dirs.state });
    expect(generations(job.dirs.state)).toEqual([gen]);
    const id2 = lsf.bsub(job);
    expect((await lsf.waitDone(id2)).stat, lsfLog(job, id2)).toBe("DONE");
    expectResumed(job.dirs.state, lsfLog(job, id2), { fromGeneration: gen, job: String(id2) });
    expect(output(job)).toBe(starsOutput(80));
  });

  it("a host failure (crash) ends the job; a new bsub resumes", async () => {
    // The app waits at line 80 until its host has failed (released for the new bsub): it outlives
    // two 1 s checkpoints however loaded the machine (without the hold it sometimes finished
    // first, and there was no job left to crash).
    const job = prepareJob(spec(100, 0.05, "", "", holdArgs(80)), withSite(flavour));
    const lsf = lsfEmulator(job.dirs.root, { flavour });
    const id = lsf.bsub(job);
    // Two generations kept: the resume must take the newer.
    await waitFor("two generations", () => generations(job.dirs.state).length >= 2);
    const hf = lsf.cmd(["bhostfail", String(id)]);
    expect(hf.code, hf.stderr + hf.stdout).toBe(0);
    expect(await lsf.waitDone(id)).toMatchObject({ stat: "EXIT", exitCode: "137" });
    release(job);
    const newest = generations(job.dirs.state).at(-1);
    const id2 = lsf.bsub(job);
    expect((await lsf.waitDone(id2)).stat, lsfLog(job, id2)).toBe("DONE");
    expectResumed(job.dirs.state, lsfLog(job, id2), { fromGeneration: newest, job: String(id2) });
    expect(output(job)).toBe(starsOutput(100));
  });

  it("rerunnable (-r): after a host failure LSF reruns the same job id and it resumes", async () => {
    // The app waits at line 45 until its host fails (released for the rerun): it is still running
    // then, however loaded the machine.
    const job = prepareJob(spec(60, 0.05, "  rerunnable: true\n", "", holdArgs(45)), withSite(flavour));
    const lsf = lsfEmulator(job.dirs.root, { flavour });
    const id = lsf.bsub(job);
    await waitFor("a generation", () => generations(job.dirs.state).length > 0);
    const hf = lsf.cmd(["bhostfail", String(id)]);
    expect(hf.code, hf.stderr + hf.stdout).toBe(0);
    release(job);
    const st = await lsf.waitDone(id);
    expect(st.stat, lsfLog(job, id)).toBe("DONE");
    expectResumed(job.dirs.state, lsfLog(job, id), { job: String(id) });
    expect(output(job)).toBe(starsOutput(60));
  });
});

// Each requeue is a whole run limit plus a final checkpoint and a restore: on a loaded machine a
// test takes well over the default 60 s. The first run's app waits at line 140 until the job has
// been requeued (releaseAtRequeue), so it cannot end before the limit's final checkpoint.
describe("run limit → final checkpoint → requeue → resume → DONE", { timeout: 180_000 }, () => {
  it("IBM: #BSUB -Q requeues the job (same id) until it is done", async () => {
    const job = prepareJob(spec(150, 0.05, "  runlimit: 1\n", "", holdArgs(140)).replace("interval: 1s", "interval: 30s"), withSite("ibm"));
    expect(readFileSync(job.script, "utf8")).toContain('#BSUB -Q "99"');
    const lsf = lsfEmulator(job.dirs.root, { flavour: "ibm", env: { LSFEMU_SECONDS_PER_MINUTE: SPM } });
    const id = lsf.bsub(job);
    await releaseAtRequeue(job);
    const st = await lsf.waitDone(id);
    expect(st.stat, lsfLog(job, id)).toBe("DONE");
    // OpenLava's -o file holds the last run alone: every run's lines are in the state's job.log.
    const log = stateJobLog(job.dirs.state);
    expectFinalCheckpoint(log, "limit", { stateDir: job.dirs.state });
    expect(log).toContain("crjob: requeue 1: exit 99");
    expectRequeued(job.dirs.state, id, { nrequeue: st.requeues });
    expectResumed(job.dirs.state, log, { job: String(id) });
    expect(output(job)).toBe(starsOutput(150));
  });

  it("OpenLava: the queue's REQUEUE_EXIT_VALUES requeue it; no -Q is emitted", async () => {
    const job = prepareJob(
      spec(150, 0.05, "  runlimit: 1\n", "", holdArgs(140)).replace("interval: 1s", "interval: 30s"),
      withSite("openlava", "    blcr: /opt/blcr\n    requeue_exit_values: [99]\n"),
    );
    expect(readFileSync(job.script, "utf8")).not.toContain("#BSUB -Q");
    const lsf = lsfEmulator(job.dirs.root, {
      flavour: "openlava",
      queues: { normal: { REQUEUE_EXIT_VALUES: "99", default: true } },
      env: { LSFEMU_SECONDS_PER_MINUTE: SPM },
    });
    const id = lsf.bsub(job);
    await releaseAtRequeue(job);
    const st = await lsf.waitDone(id);
    expect(st.stat, lsfLog(job, id)).toBe("DONE");
    // OpenLava's -o file holds the last run alone: every run's lines are in the state's job.log.
    const log = stateJobLog(job.dirs.state);
    expectFinalCheckpoint(log, "limit", { stateDir: job.dirs.state });
    expect(log).toContain("crjob: requeue 1: exit 99");
    expectRequeued(job.dirs.state, id, { nrequeue: st.requeues });
    expectResumed(job.dirs.state, log, { job: String(id) });
    expect(output(job)).toBe(starsOutput(150));
  });

  it("OpenLava without requeue values: the job requeues itself with brequeue", async () => {
    const job = prepareJob(spec(150, 0.05, "  runlimit: 1\n", "", holdArgs(140)).replace("interval: 1s", "interval: 30s"), withSite("openlava"));
    const lsf = lsfEmulator(job.dirs.root, { flavour: "openlava", env: { LSFEMU_SECONDS_PER_MINUTE: SPM } });
    const id = lsf.bsub(job);
    await releaseAtRequeue(job);
    const st = await lsf.waitDone(id);
    const log = lsfLog(job, id);
    expect(st.stat, log).toBe("DONE");
    // OpenLava's -o file holds the last run alone: every run's lines are in the state's job.log.
    const jobLog = stateJobLog(job.dirs.state);
    expectFinalCheckpoint(jobLog, "limit", { stateDir: job.dirs.state });
    expect(jobLog).toContain("crjob: requeue 1: brequeue");
    expectRequeued(job.dirs.state, id, { nrequeue: st.requeues });
    expectResumed(job.dirs.state, jobLog, { job: String(id) });
    expect(output(job)).toBe(starsOutput(150));
  });

  it("SIGUSR2 at the limit (no own timer left): final checkpoint and requeue", async () => {
    // A run limit of 10 real minutes: the script's own timer is far off, and the app waits at line
    // 140 until the requeue, so only the signal can end this run in time.
    const job = prepareJob(spec(150, 0.05, "  runlimit: 10\n", "", holdArgs(140)).replace("interval: 1s", "interval: 30s"), withSite("ibm"));
    const lsf = lsfEmulator(job.dirs.root, { flavour: "ibm" });
    const id = lsf.bsub(job);
    await lsf.waitStat(id, "RUN");
    await waitFor("the app's output", () => workLines(job, id) >= 10);
    lsf.cmd(["bkill", "-s", "USR2", String(id)]);
    await releaseAtRequeue(job);
    const st = await lsf.waitDone(id, 90_000);
    const log = lsfLog(job, id);
    expect(st.stat, log).toBe("DONE");
    expectFinalCheckpoint(log, "limit", { stateDir: job.dirs.state, signal: "USR2" });
    expectRequeued(job.dirs.state, id, { count: 1, nrequeue: st.requeues });
    expectResumed(job.dirs.state, log, { job: String(id) });
    expect(output(job)).toBe(starsOutput(150));
  });

  it("lsf.max_requeues stops endless requeues", async () => {
    const job = prepareJob(
      spec(400, 0.05, "  runlimit: 1\n  max_requeues: 1\n").replace("interval: 1s", "interval: 30s"),
      withSite("ibm"),
    );
    const lsf = lsfEmulator(job.dirs.root, { flavour: "ibm", env: { LSFEMU_SECONDS_PER_MINUTE: SPM } });
    const id = lsf.bsub(job);
    const st = await lsf.waitDone(id);
    expect(st).toMatchObject({ stat: "EXIT", exitCode: "1", requeues: 1 });
    expect(lsfLog(job, id)).toContain("crjob: requeue cap reached (1 requeues)");
    expectRequeued(job.dirs.state, id, { count: 1, nrequeue: st.requeues });
    // The capped run still took its final checkpoint (the second one in the log), and keeps it.
    const last = expectFinalCheckpoint(lsfLog(job, id), "limit", { nth: 1 });
    expect(generations(job.dirs.state).at(-1)).toBe(last);
    // A new submission continues from the last generation, with its own requeue count.
    const id2 = lsf.bsub(job);
    const st2 = await lsf.waitDone(id2);
    expect(st2).toMatchObject({ stat: "EXIT", exitCode: "1", requeues: 1 });
    expectResumed(job.dirs.state, lsfLog(job, id2), { fromGeneration: last, job: String(id2) });
    expect(lsfLog(job, id2)).toContain("crjob: requeue 1: exit 99");
    expectRequeued(job.dirs.state, id2, { count: 1, nrequeue: st2.requeues });
    // Cut short by the cap: whole lines 1..n, none lost or repeated, and fewer than all.
    const n = starsPrefixLines(output(job));
    expect(n).toBeLessThan(400);
    expect(output(job)).toBe(starsOutput(n));
  });
});

describe("flavours", () => {
  it("OpenLava's bsub rejects a script rendered for IBM (-Q); crjob's openlava script is accepted", async () => {
    const ibm = prepareJob(spec(5, 0.05), withSite("ibm"));
    const lsf = lsfEmulator(ibm.dirs.root, { flavour: "openlava" });
    expect(() => lsf.bsub(ibm)).toThrow(/illegal option/);
    const ol = prepareJob(spec(5, 0.05), withSite("openlava"));
    writeFileSync(join(ol.dirs.root, "x"), "");
    const id = lsf.bsub(ol);
    expect((await lsf.waitDone(id)).stat).toBe("DONE");
  });
});
