// The Slurm script's requeue decisions, run directly (no Slurm needed) with the environment Slurm
// gives a requeued job (SLURM_JOB_ID, SLURM_SUBMIT_DIR, SLURM_RESTART_COUNT) and a scaled run limit.
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers.js";
import { generations, prepareJob, runJob } from "../lifecycle/harness.js";

function slurmJob(maxRequeues: number) {
  const site = join(tempDir("crjob-slurm-site-"), "site.yaml");
  writeFileSync(site, "flavour: slurm\n");
  return prepareJob(
    `name: cap
queue: normal
app:
  command: $STARS
  args: [--lines, "400", --tick, "0.05"]
  output: stars.out
checkpoint:
  tool: blcr
  interval: 1s
  dir: $STATE
scratch: $SCRATCH
lsf:
  runlimit: 10
  max_requeues: ${maxRequeues}
`,
    {},
    ["--site", site],
  );
}

describe("the Slurm script's requeue", () => {
  it("stops at lsf.max_requeues counted by SLURM_RESTART_COUNT: final checkpoint kept, exit 1", async () => {
    const job = slurmJob(2);
    const run = runJob(job, "x", { SLURM_JOB_ID: "4242", SLURM_SUBMIT_DIR: job.dirs.submit, SLURM_RESTART_COUNT: "2", CRJOB_RUNLIMIT_SECONDS: "6" });
    const { code } = await run.done;
    expect(code, run.log()).toBe(1);
    expect(run.log()).toContain("crjob: run limit near: final checkpoint, then requeue");
    expect(run.log()).toMatch(/crjob: requeue cap reached \(2 requeues\): not requeueing; resubmit to continue from generation \d+/);
    expect(run.log()).toContain("crjob: end: requeue-cap (exit 1)");
    expect(generations(job.dirs.state).length).toBeGreaterThan(0);
  });

  it("a failing scontrol requeue is said, and the generations are kept (exit 1)", async () => {
    const job = slurmJob(5);
    // What scontrol does with a job id slurmctld does not know (observed on 22.05).
    const bin = tempDir("crjob-fake-scontrol-");
    writeFileSync(join(bin, "scontrol"), '#!/bin/sh\necho "Invalid job id specified" >&2\nexit 1\n');
    chmodSync(join(bin, "scontrol"), 0o755);
    const run = runJob(job, "x", {
      SLURM_JOB_ID: "4243", SLURM_SUBMIT_DIR: job.dirs.submit, CRJOB_RUNLIMIT_SECONDS: "6",
      PATH: `${bin}:${join(process.cwd(), "test", "bin")}:${process.env.PATH}`,
    });
    const { code } = await run.done;
    expect(code, run.log()).toBe(1);
    expect(run.log()).toMatch(/crjob: requeue 1: scontrol requeue 4243; this job resumes from generation (\d+)/);
    expect(run.log()).toMatch(/crjob: error: scontrol requeue 4243 failed; resubmit to continue from generation \d+/);
    expect(generations(job.dirs.state).length).toBeGreaterThan(0);
  });
});
