// What the real tools taught (issue 10; shared/reference/dmtcp.md, last section, and volclava.md,
// requeue), driven through generated scripts: DMTCP's own messages stay out of the app's output,
// every generation's manifest is checked before a restore, a restore that never gets going is
// killed after a bounded time, and on OpenLava nothing needed after a requeue lives only in -o.
// Runs against the stand-ins; with CRJOB_TEST_DMTCP=real the DMTCP tests use the real DMTCP under
// CRJOB_DMTCP_PREFIX or on PATH (its bin/ first on PATH; test/helpers.ts realDmtcpPrefix).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crjob, realDmtcpPrefix } from "../helpers.js";
import { ended, generations, hold, prepareJob, release, runJob, starsOutput, starsSpec, TEST_BIN, waitRunning, type PreparedJob, type RunningJob } from "./harness.js";
import { lsfEmulator } from "./lsf-harness.js";

const PREFIX = realDmtcpPrefix(); // CRJOB_TEST_DMTCP=real (test/helpers.ts)
const REAL = PREFIX !== null;
const DMTCP_ENV: NodeJS.ProcessEnv = REAL ? { PATH: `${PREFIX}/bin:${TEST_BIN}:${process.env.PATH}` } : {};

// extra (e.g. an lsf: block) after scratch: as before; the field order does not matter to YAML.
function spec(tool: "dmtcp" | "blcr", lines: number, tick: number, extra = ""): string {
  // The app waits at its last line but ten until the crash (crashAfter releases it), so a loaded
  // machine cannot end it before the generations the test needs.
  return starsSpec({ name: "rs", tool, lines, tick, checkpoint: "  keep: 3\n", hold: lines - 10 }) + extra;
}

const output = (job: PreparedJob) => readFileSync(join(job.dirs.submit, "stars.out"), "utf8");
const newest = (job: PreparedJob) => generations(job.dirs.state).at(-1) ?? 0;
const genDir = (job: PreparedJob, n: number) => join(job.dirs.state, `gen.${n}`);

/** Run the job until it has written generation `gen`, then kill it as a lost node would. */
async function crashAfter(job: PreparedJob, id: string, gen: number, env: NodeJS.ProcessEnv = {}): Promise<RunningJob> {
  const run = runJob(job, id, env);
  await waitRunning(run, `generation ${gen}`, () => newest(job) >= gen);
  run.signalGroup("SIGKILL");
  await run.done;
  release(job);
  return run;
}

/** The biggest DMTCP image of a generation (the app's). */
function biggestImage(job: PreparedJob, n: number): string {
  const dir = join(genDir(job, n), "dmtcp");
  const images = readdirSync(dir).filter((f) => f.endsWith(".dmtcp"));
  return images.sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0]!;
}

/** Rewrite a generation's manifest line for `file` to match its current content. */
function reManifest(job: PreparedJob, n: number, file: string): void {
  const m = join(genDir(job, n), "manifest");
  const data = readFileSync(join(genDir(job, n), file));
  const sum = createHash("sha256").update(data).digest("hex");
  const lines = readFileSync(m, "utf8").split("\n").map((l) => (l.endsWith(` ${file}`) ? `${data.length} ${sum} ${file}` : l));
  writeFileSync(m, lines.join("\n"));
}

describe("DMTCP: the app's output holds the app's lines alone", { timeout: 180_000 }, () => {
  it("two crashes and resumes: exact output, DMTCP's messages dropped from it, none in the job log", async () => {
    const job = prepareJob(spec("dmtcp", 100, 0.1));
    const first = await crashAfter(job, "4101", 1, DMTCP_ENV);
    hold(job);
    const second = runJob(job, "4102", DMTCP_ENV);
    await waitRunning(second, "a generation of the second run", () => second.log().includes("crjob: checkpoint"));
    second.signalGroup("SIGKILL");
    await second.done;
    // The restore made the restored app print DMTCP's process-group WARNING on its stderr, the
    // output file in the work dir (the root bash honours DMTCP_QUIET); the stage-out drops it.
    expect(readFileSync(join(job.dirs.scratch, "4102", "stars.out"), "utf8")).toMatch(/^WARNING at processinfo\.cpp:\d+: .*cannot change process group/m);
    release(job);
    const third = runJob(job, "4103", DMTCP_ENV);
    expect(await ended(third), third.log()).toBe(0);
    expect(third.log()).toContain("crjob: restart from generation");
    expect(output(job)).toBe(starsOutput(100));
    expect(readFileSync(join(job.dirs.state, "dmtcp.log"), "utf8")).toContain("=== crjob: restart from gen.");
    for (const run of [first, second, third]) {
      expect(run.log()).not.toMatch(/WARNING|dangerous/);
      expect(run.log()).toContain(`crjob: DMTCP's own messages go to ${join(job.dirs.state, "dmtcp.log")}`);
    }
    // `crjob status` points at it.
    const status = crjob(["status", join(job.dirs.submit, "job.yaml")], { cwd: job.dirs.submit });
    expect(status.stdout).toContain(`  DMTCP log:   ${join(job.dirs.state, "dmtcp.log")}\n`);
  });
});

describe("DMTCP: a corrupt generation falls back to the one before, in bounded time", { timeout: 180_000 }, () => {
  it("a truncated newest image fails its manifest check; the generation before restores", async () => {
    const job = prepareJob(spec("dmtcp", 80, 0.1));
    await crashAfter(job, "4201", 2, DMTCP_ENV);
    const n = newest(job);
    const image = `dmtcp/${biggestImage(job, n)}`;
    const size = statSync(join(genDir(job, n), image)).size;
    truncateSync(join(genDir(job, n), image), Math.floor(size / 2)); // as seen: "cut to half its size"
    const second = runJob(job, "4202", DMTCP_ENV);
    expect(await ended(second), second.log()).toBe(0);
    expect(second.log()).toContain(`crjob: generation ${n} fails its check: ${image} has ${Math.floor(size / 2)} bytes, its manifest says ${size}\n`);
    expect(second.log()).toContain(`crjob: generation ${n} does not restore; trying the one before\n`);
    expect(second.log()).toContain(`crjob: restart from generation ${n - 1} `);
    expect(output(job)).toBe(starsOutput(80));
  });

  it("an image bad from the start (manifest agrees) hangs dmtcp_restart: killed after the restore timeout", async () => {
    const job = prepareJob(spec("dmtcp", 80, 0.1));
    await crashAfter(job, "4301", 2, DMTCP_ENV);
    const n = newest(job);
    const image = `dmtcp/${biggestImage(job, n)}`;
    truncateSync(join(genDir(job, n), image), Math.floor(statSync(join(genDir(job, n), image)).size / 2));
    reManifest(job, n, image);
    const second = runJob(job, "4302", { ...DMTCP_ENV, CRJOB_RESTORE_FLOOR: "10" });
    expect(await ended(second), second.log()).toBe(0);
    // max(floor 10 s, 10 × the slowest checkpoint so far)
    if (!REAL) expect(second.log()).toMatch(/crjob: the restore did not reach running within \d+s: killing it\n/);
    expect(second.log()).toContain(`crjob: generation ${n} does not restore; trying the one before\n`);
    expect(readFileSync(join(job.dirs.state, "history"), "utf8")).toMatch(REAL ? /start restart gen=/ : /restore-timeout after=\d+/);
    expect(output(job)).toBe(starsOutput(80));
  });
});

describe("BLCR: the same checks", { timeout: 180_000 }, () => {
  it("a context whose bytes changed fails its manifest check; a missing manifest is not trusted", async () => {
    const job = prepareJob(spec("blcr", 80, 0.1));
    await crashAfter(job, "4401", 3);
    const n = newest(job);
    const ctx = join(genDir(job, n), "context");
    const bytes = readFileSync(ctx);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff; // same size, other content
    writeFileSync(ctx, bytes);
    unlinkSync(join(genDir(job, n - 1), "manifest"));
    const second = runJob(job, "4402");
    expect(await ended(second), second.log()).toBe(0);
    expect(second.log()).toContain(`crjob: generation ${n} fails its check: the sha256 of context differs from its manifest\n`);
    expect(second.log()).toContain(`crjob: generation ${n - 1} fails its check: it has no manifest\n`);
    expect(second.log()).toContain(`crjob: restart from generation ${n - 2} `);
    expect(output(job)).toBe(starsOutput(80));
  });

  it("a cr_restart that never gets going is killed after the restore timeout; the generation before restores", async () => {
    const job = prepareJob(spec("blcr", 80, 0.1));
    await crashAfter(job, "4501", 2);
    const n = newest(job);
    const faults = join(job.dirs.root, "faults");
    writeFileSync(faults, "RESTART_DELAY=600@1\n"); // the next cr_restart sleeps while restoring
    const second = runJob(job, "4502", { CRFAKE_FAULTS: faults, CRJOB_RESTORE_FLOOR: "5" });
    expect(await ended(second), second.log()).toBe(0);
    // max(floor 5 s, 10 × the slowest checkpoint so far)
    expect(second.log()).toMatch(/crjob: the restore did not reach running within \d+s: killing it\n/);
    expect(second.log()).toContain(`crjob: generation ${n} does not restore; trying the one before\n`);
    expect(output(job)).toBe(starsOutput(80));
  });
});

describe("OpenLava: a requeued run's -o output is lost", { timeout: 180_000 }, () => {
  it("DMTCP, interval longer than the run limit: final checkpoints at the limit, REQUEUE_EXIT_VALUES, DONE; every run's log in the state", async () => {
    const job = prepareJob(spec("dmtcp", 120, 0.05, "lsf:\n  output: out.%J\n  runlimit: 1\n").replace("interval: 1s", "interval: 2h"), {
      "crjob.site.yaml": "flavour: openlava\nqueues:\n  normal:\n    requeue_exit_values: [99]\n",
    });
    const lsf = lsfEmulator(job.dirs.root, {
      flavour: "openlava",
      queues: { normal: { REQUEUE_EXIT_VALUES: "99", default: true } },
      env: { ...DMTCP_ENV, LSFEMU_SECONDS_PER_MINUTE: "6" },
    });
    release(job); // the run limit ends each run; no crash to wait for
    const id = lsf.bsub(job);
    const st = await lsf.waitDone(id, 150_000);
    const oFile = readFileSync(join(job.dirs.submit, `out.${id}`), "utf8");
    const jobLog = readFileSync(join(job.dirs.state, "job.log"), "utf8");
    expect(st.stat, jobLog).toBe("DONE");
    expect(st.requeues).toBeGreaterThan(0);
    expect(output(job), jobLog).toBe(starsOutput(120));
    // The -o file holds the last run alone; the first run's lines are in the state's job.log.
    expect(oFile).not.toContain("crjob: fresh start");
    expect(oFile).toContain("crjob: restart from generation");
    expect(jobLog).toContain(`job=${id} crjob: fresh start`);
    expect(jobLog).toContain(`job=${id} crjob: requeue 1: exit 99`);
    const history = readFileSync(join(job.dirs.state, "history"), "utf8");
    expect(history).toMatch(/ start fresh\n/);
    expect(history).toMatch(/ end requeue n=1 status=99\n/);
    // Only the final checkpoint before each limit, no interval checkpoint in between. Under load a
    // restore can take most of a run, and the app then ends during the last run's final checkpoint:
    // that run ends as the app did, without a requeue (test/lifecycle/ends-during-final.test.ts).
    const endedDuringFinal = jobLog.match(/crjob: the app ended \(status 0\) during the final checkpoint/g)?.length ?? 0;
    expect(endedDuringFinal).toBeLessThanOrEqual(1);
    expect(jobLog.match(/crjob: run limit near: final checkpoint, then requeue/g)?.length, jobLog).toBe(st.requeues + endedDuringFinal);
    const checkpoints = history.match(/ checkpoint gen=/g)?.length ?? 0;
    expect(checkpoints).toBeGreaterThan(0);
    expect(checkpoints).toBeLessThanOrEqual(st.requeues);
  });
});
