// Job arrays (`array: "1-3"`): each element has its own checkpoint state <dir>/<LSB_JOBINDEX> and
// work dir <scratch>/<id>.<index>, and resumes independently. Run directly (LSB_JOBINDEX set as LSF
// sets it) and through the LSF emulator's array support, with the BLCR stand-ins.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generations, holdArgs, prepareJob, release, runJob, starsOutput, waitFor, waitRunning } from "./harness.js";
import { lsfEmulator } from "./lsf-harness.js";
import { expectFinalCheckpoint, expectResumed } from "./promises.js";


function spec(lines: number, tick: number, interval = "1s", args = ""): string {
  return `name: arr
queue: normal
array: "1-3"
app:
  command: $STARS
  args: [--lines, "${lines}", --tick, "${tick}"${args}]
  output: stars.out
checkpoint:
  tool: blcr
  interval: ${interval}
  dir: $STATE
scratch: $SCRATCH
lsf:
  output: out.%J.%I
`;
}

type Job = ReturnType<typeof prepareJob>;

/** Lines of a running element's output in its work dir (<scratch>/<id>.<index>). */
function workLines(job: Job, dir: string): number {
  try {
    return readFileSync(join(job.dirs.scratch, dir, "stars.out"), "utf8").split("\n").length - 1;
  } catch {
    return 0;
  }
}
// Each element stages out into its own <name>.<index>/ in the submit dir.
const output = (job: Job, i = 2) => readFileSync(join(job.dirs.submit, `arr.${i}`, "stars.out"), "utf8");

describe("job array element run directly", () => {
  it("renders #BSUB -J arr[1-3] and -o with %I", () => {
    const job = prepareJob(spec(5, 0.1));
    const script = readFileSync(job.script, "utf8");
    expect(script).toContain("#BSUB -J arr[1-3]\n");
    expect(script).toContain("#BSUB -o out.%J.%I\n");
  });

  it("element 2 has its own state and work dir, is killed, and resumes; element 3 runs on its own", async () => {
    // Element 2's app waits at line 30 until it is killed (released for the runs after).
    const job = prepareJob(spec(40, 0.1, "1s", holdArgs(30)));
    const two = runJob(job, "9001", { LSB_JOBINDEX: "2" });
    const state2 = join(job.dirs.state, "2");
    await waitRunning(two, "a generation of element 2", () => generations(state2).length > 0);
    expect(existsSync(join(job.dirs.scratch, "9001.2"))).toBe(true);
    expect(generations(job.dirs.state)).toEqual([]); // nothing at the array's top level
    two.signalGroup("SIGKILL");
    await two.done;
    release(job);
    const kept = generations(state2);

    const three = runJob(job, "9001", { LSB_JOBINDEX: "3" });
    expect((await three.done).code, three.log()).toBe(0);
    expect(three.log()).toContain("crjob: fresh start");
    expect(three.log()).toContain(`in ${join(job.dirs.scratch, "9001.3")}`);
    expect(generations(join(job.dirs.state, "3"))).toEqual([]); // done: its own generations removed
    expect(generations(state2)).toEqual(kept); // element 2's untouched

    const again = runJob(job, "9002", { LSB_JOBINDEX: "2" });
    expect((await again.done).code, again.log()).toBe(0);
    expect(again.log()).toMatch(/crjob: restart from generation \d+ \(written by job 9001/);
    expectResumed(state2, again.log(), { fromGeneration: kept.at(-1), job: "9002" });
    expect(output(job)).toBe(starsOutput(40));
    expect(output(job, 3)).toBe(starsOutput(40));
    expect(readFileSync(join(state2, "history"), "utf8")).toMatch(/end done/);
    expect(readFileSync(join(job.dirs.state, "3", "history"), "utf8")).toMatch(/end done/);
  });
});

describe("job array through the LSF emulator", () => {
  it("every element runs with its own state; after bkill of element 2 a resubmission resumes only element 2", async () => {
    // Every element waits at line 30 until element 2 has ended (final checkpoint, then EXIT), so
    // none can end first, element 2's own app included: released at the bkill, it could finish its
    // last 30 lines before a loaded machine ran the final checkpoint (steady run, "cr_request_checkpoint:
    // No such process", then "the app ended (status 0) during the final checkpoint").
    const job = prepareJob(spec(60, 0.05, "1h", holdArgs(30)));
    const lsf = lsfEmulator(job.dirs.root, { flavour: "ibm" });
    const elements = (id: number) => {
      const r = lsf.cmd(["bjobs", "-a", "-o", "jobindex stat exit_code", String(id)]);
      return r.stdout
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.trim().split(/\s+/))
        .sort((a, b) => Number(a[0]) - Number(b[0]));
    };
    const log = (id: number, i: number) => readFileSync(join(job.dirs.submit, `out.${id}.${i}`), "utf8");
    const id = lsf.bsub(job);
    await waitFor("element 2 running", () => elements(id).some((e) => e[0] === "2" && e[1] === "RUN"), 30_000);
    await waitFor("element 2's output", () => workLines(job, `${id}.2`) >= 10, 30_000);
    expect(lsf.cmd(["bkill", `${id}[2]`]).code).toBe(0);
    await waitFor("element 2 ended", () => elements(id).some((e) => e[0] === "2" && (e[1] === "EXIT" || e[1] === "DONE")), 60_000);
    release(job);
    await waitFor("all elements finished", () => elements(id).every((e) => e[1] === "DONE" || e[1] === "EXIT"), 60_000);
    expect(elements(id).map((e) => e.slice(0, 2))).toEqual([["1", "DONE"], ["2", "EXIT"], ["3", "DONE"]]);
    const gen = expectFinalCheckpoint(log(id, 2), "stop", { stateDir: join(job.dirs.state, "2") });
    expect(generations(join(job.dirs.state, "2"))).toEqual([gen]);
    for (const i of [1, 3]) expect(generations(join(job.dirs.state, String(i)))).toEqual([]);

    const id2 = lsf.bsub(job);
    await waitFor("all elements finished", () => elements(id2).length === 3 && elements(id2).every((e) => e[1] === "DONE" || e[1] === "EXIT"), 60_000);
    expect(elements(id2).map((e) => e.slice(0, 2))).toEqual([["1", "DONE"], ["2", "DONE"], ["3", "DONE"]]);
    expectResumed(join(job.dirs.state, "2"), log(id2, 2), { fromGeneration: gen, job: String(id2) });
    expect(log(id2, 1)).toContain("crjob: fresh start");
    expect(log(id2, 3)).toContain("crjob: fresh start");
    for (const i of [1, 2, 3]) expect(output(job, i)).toBe(starsOutput(60));
    expect(readdirSync(job.dirs.state).sort()).toEqual(["1", "2", "3"]);
  });
});
