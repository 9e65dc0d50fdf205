// Kill campaign: SIGKILL the whole job at seeded random instants (mid-checkpoint and mid-rotation
// included), resubmit each time, and require the exact output of a deterministic app at the end:
// no NUL bytes, no lost or repeated lines, and a resume (not a start from zero) whenever a
// generation existed. CRJOB_KILL_RUNS (default 30) and CRJOB_KILL_SEED change the campaign.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generations, prepareJob, runJob, starsOutput } from "./harness.js";

const RUNS = Number(process.env.CRJOB_KILL_RUNS ?? 30);
const SEED = Number(process.env.CRJOB_KILL_SEED ?? 20261125);
const LINES = 120;

/** mulberry32: a small seeded PRNG, so a failing campaign can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPEC = `name: campaign
queue: normal
app:
  command: $STARS
  args: [--lines, "${LINES}", --tick, "0.03", --events, events.log]
  output: stars.out
stage:
  out: [events.log]
checkpoint:
  tool: blcr
  interval: 1s
  keep: 2
  dir: $STATE
scratch: $SCRATCH
`;


describe("kill campaign", () => {
  it(`survives ${RUNS} SIGKILLs at random instants (seed ${SEED})`, { timeout: 30 * 60_000 }, async () => {
    const rand = prng(SEED);
    let kills = 0;
    let midCheckpoint = 0;
    let campaigns = 0;
    let resumes = 0;
    let killsAfterOwnGeneration = 0;
    while (kills < RUNS) {
      campaigns++;
      const job = prepareJob(SPEC);
      let attempt = 0;
      let startsExpected = 1; // a start from zero happens only when no generation existed
      for (;;) {
        attempt++;
        const slow = rand() < 0.4; // a slow checkpoint widens the mid-checkpoint window
        const generationAtStart = generations(job.dirs.state).length > 0;
        const newestAtStart = generations(job.dirs.state).at(-1);
        const run = runJob(job, `${campaigns}${String(attempt).padStart(3, "0")}`, slow ? { CRFAKE_CKPT_DELAY: "0.4" } : {});
        const check = () => {
          // Whenever a complete generation existed, the run resumed from it: never from zero.
          if (generationAtStart) expect(run.log(), run.log()).not.toContain("crjob: fresh start");
          // ... and from the newest one first.
          const tried = /^crjob: restart from generation (\d+) /m.exec(run.log());
          if (generationAtStart && tried) expect(Number(tried[1]), run.log()).toBe(newestAtStart);
          if (run.log().includes("crjob: restart from generation")) resumes++;
        };
        if (kills >= RUNS) {
          const { code } = await run.done;
          check();
          expect(code, run.log()).toBe(0);
          break;
        }
        // Half the kills come after the run has written a generation of its own (a condition, so
        // that a loaded machine, where starting and checkpointing take longer, still resumes), the
        // rest at a random instant from its start.
        let finished = false;
        void run.done.then(() => (finished = true));
        let ownGeneration = false;
        if (rand() < 0.5) {
          const before = generations(job.dirs.state).at(-1) ?? 0;
          while (!finished && (generations(job.dirs.state).at(-1) ?? 0) <= before) await new Promise((r) => setTimeout(r, 50));
          ownGeneration = !finished;
        }
        const delay = 150 + Math.floor(rand() * 2200);
        const ended = await Promise.race([run.done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), delay))]);
        if (ended) {
          const { code } = await run.done;
          check();
          expect(code, run.log()).toBe(0);
          break;
        }
        const hadGeneration = generations(job.dirs.state).length > 0;
        run.signalGroup("SIGKILL");
        await run.done;
        check();
        kills++;
        if (ownGeneration) killsAfterOwnGeneration++;
        if (readdirSync(job.dirs.state).some((f) => f.startsWith(".gen."))) midCheckpoint++;
        if (!hadGeneration && generations(job.dirs.state).length === 0) startsExpected++;
        if (rand() < 0.3) rmSync(job.dirs.scratch, { recursive: true, force: true }); // node lost with its scratch
      }
      const out = readFileSync(join(job.dirs.submit, "stars.out"), "utf8");
      expect(out.includes("\0"), "NUL bytes in output").toBe(false);
      expect(out).toBe(starsOutput(LINES));
      const events = readFileSync(join(job.dirs.submit, "events.log"), "utf8");
      const starts = events.match(/^start /gm)?.length ?? 0;
      expect(starts, events).toBeLessThanOrEqual(startsExpected);
      expect(existsSync(join(job.dirs.state, "lock"))).toBe(false);
    }
    // The campaign exercised what it claims to. A kill after the run's own generation is followed,
    // in the same job, by a run that logs its restart before the next such kill (that run must
    // write a generation first) or before the job ends: at least one resume each, however slow
    // the machine (a count of resumes against RUNS depended on how soon the random kills came).
    expect(killsAfterOwnGeneration).toBeGreaterThan(0);
    expect(resumes).toBeGreaterThanOrEqual(killsAfterOwnGeneration);
    expect(midCheckpoint).toBeGreaterThan(0);
    console.log(`kill campaign: ${kills} kills (${killsAfterOwnGeneration} after the run's own generation), ${midCheckpoint} mid-checkpoint, ${resumes} resumes, ${campaigns} jobs`);
  });
});
