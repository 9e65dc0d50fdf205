// checkpoint.tool "app" with an app that does NOT cut its own output back on a restart
// (test/apps/pickler --no-cut): what the output then holds is crjob's doing alone. crjob cuts it
// back to the size it had when the app's checkpoint was complete (templates/tools/app/tool.hbs);
// the lines the app printed between writing its checkpoint and that moment appear twice, the
// caveat docs/tools.md states for apps that do not record their output position.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";
import { generations, prepareJob, runJob, starsOutput, waitFor, type RunningJob } from "./harness.js";
import { expectResumed } from "./promises.js";

const PICKLER = join(ROOT, "test", "apps", "pickler");

/** The pickler prints `lines` lines, one every `tick` seconds. */
function spec(ready: string, lines: number, tick: string): string {
  return `name: nocut
queue: normal
app:
  command: ${PICKLER}
  args: [--lines, "${lines}", --tick, "${tick}", --events, events.log, --no-cut]
  output: pick.out
stage:
  out: [events.log]
checkpoint:
  tool: app
  interval: 1s
  keep: 3
  dir: $STATE
  files: [state.pkl]
  signal: USR1
${ready}scratch: $SCRATCH
`;
}

type Job = ReturnType<typeof prepareJob>;
const output = (job: Job) => readFileSync(join(job.dirs.submit, "pick.out"), "utf8");
const newest = (job: Job) => generations(job.dirs.state).at(-1) ?? 0;
const bytes = (f: string) => {
  try {
    return readFileSync(f).length;
  } catch {
    return 0;
  }
};

/** Lines a..b of the pickler's output (i '*' characters each). */
function lines(a: number, b: number): string {
  return starsOutput(b).slice(starsOutput(a - 1).length);
}

/** The whole lines 1..k that fill exactly `size` bytes. */
function linesIn(size: number): number {
  let k = 0;
  while (starsOutput(k).length < size) k++;
  expect(starsOutput(k).length, `${size} bytes is not a whole number of lines`).toBe(size);
  return k;
}

/** The size of the output copy that generation `gen` saved with its files (0 while none). */
const savedSize = (job: Job, gen: number) => bytes(join(job.dirs.state, `gen.${gen}`, "files", "pick.out"));

/**
 * Kill the job (kill -9, as a node loss) at a moment when its output has grown past the newest
 * generation's recorded size: the group is stopped first, so nothing moves while that is checked.
 * With `pastCopy`, also only when the output copy saved with that generation is longer than its
 * recorded size (the app printed while crjob was copying): then only crjob's cut-back can keep
 * those lines out of the resumed output. Whether a generation catches the app mid-print is
 * timing; waiting for one that did makes the test's outcome not depend on it.
 */
async function killPastCheckpoint(job: Job, run: RunningJob, id: string, pastCopy: boolean): Promise<void> {
  const out = join(job.dirs.scratch, id, "pick.out");
  const recorded = () => cutSize(job, newest(job));
  const copyOk = () => !pastCopy || savedSize(job, newest(job)) > recorded();
  for (;;) {
    // A few lines (40 bytes) past the newest generation's size, so the difference shows.
    await waitFor(
      pastCopy ? "a generation whose output copy is longer than its recorded size" : "a generation and output past it",
      () => newest(job) >= 1 && copyOk() && bytes(out) > recorded() + 40,
    );
    run.signalGroup("SIGSTOP");
    const inProgress = readdirSync(job.dirs.state).some((f) => f.startsWith(".gen."));
    if (!inProgress && copyOk() && bytes(out) > recorded()) break;
    run.signalGroup("SIGCONT");
  }
  run.signalGroup("SIGKILL");
  await run.done;
}

/** The output size generation `gen` recorded (Infinity while it is not there). */
function cutSize(job: Job, gen: number): number {
  try {
    return Number(readFileSync(join(job.dirs.state, `gen.${gen}`, "output_size"), "utf8"));
  } catch {
    return Infinity;
  }
}

/**
 * Run, kill past a checkpoint, resume; returns the app's position (K), crjob's cut (k) and the
 * saved copy's length in lines.
 */
async function killAndResume(
  job: Job,
  pastCopy = false,
): Promise<{ appLine: number; cutLine: number; killedAt: number; savedLine: number }> {
  const first = runJob(job, "7001");
  await killPastCheckpoint(job, first, "7001", pastCopy);
  const gen = newest(job);
  const cutLine = linesIn(cutSize(job, gen));
  const savedLine = linesIn(savedSize(job, gen));
  const killedAt = linesIn(bytes(join(job.dirs.scratch, "7001", "pick.out")));
  const second = runJob(job, "7002");
  expect((await second.done).code, second.log()).toBe(0);
  const events = readFileSync(join(job.dirs.submit, "events.log"), "utf8");
  expectResumed(job.dirs.state, second.log(), { fromGeneration: gen, job: "7002", events });
  // Where the app itself resumed: the line its checkpoint (state.pkl) recorded.
  const m = new RegExp(`^restored gen=${gen} pid=\\d+ i=(\\d+)$`, "m").exec(events);
  expect(m, events).not.toBeNull();
  return { appLine: Number(m![1]), cutLine, killedAt, savedLine };
}

describe("tool app, an app that does not cut its output back (pickler --no-cut)", () => {
  it("crjob cuts the output back to its size at the checkpoint: nothing printed after it survives", async () => {
    // A line every 30 ms, so the app often prints while crjob copies the generation's files.
    const LINES = 300;
    const job = prepareJob(spec("  ready:\n    marker: state.ready\n", LINES, "0.03"));
    const { appLine, cutLine, killedAt, savedLine } = await killAndResume(job, true);
    expect(killedAt, "the killed run had printed past its checkpoint").toBeGreaterThan(cutLine);
    expect(savedLine, "the generation's output copy holds lines printed after its checkpoint").toBeGreaterThan(cutLine);
    expect(cutLine).toBeGreaterThanOrEqual(appLine);
    // Exactly: the output as it was when the checkpoint was complete, then the resumed app's lines.
    expect(output(job)).toBe(starsOutput(cutLine) + lines(appLine + 1, LINES));
  });

  it("the caveat: lines printed between the app's checkpoint and crjob's cut appear twice", async () => {
    // Ready by stable size: crjob waits a whole second after the app wrote state.pkl, while the
    // app prints on every 0.1 s; the output is cut there, and the app resumes from its own line.
    const LINES = 120;
    const job = prepareJob(spec("  ready:\n    stable: 1s\n", LINES, "0.1"));
    const { appLine, cutLine } = await killAndResume(job);
    expect(cutLine, "the app printed while crjob waited for its files to settle").toBeGreaterThan(appLine);
    const out = output(job);
    expect(out).toBe(starsOutput(cutLine) + lines(appLine + 1, LINES));
    expect(out).not.toBe(starsOutput(LINES)); // lines appLine+1..cutLine twice, as docs/tools.md says
    expect(out.split("\n").length - 1).toBe(LINES + (cutLine - appLine));
  });
});
