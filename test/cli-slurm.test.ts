// The verbs on a Slurm site (site profile flavour: slurm), through the CLI: render --check,
// validate, submit --dry-run, the missing-sbatch message, and run --local's refusal. Submitting
// to a real Slurm and `status` from scontrol are in test/slurm/.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScontrolStates, slurmStateAsStat } from "../src/state/slurm.js";
import { parseSbatchJobId } from "../src/commands/submit.js";
import { crjob, ROOT, tempDir } from "./helpers.js";

const EXAMPLES = join(ROOT, "examples");
const SITE = join(EXAMPLES, "site-slurm.yaml");

describe("crjob on a Slurm site", () => {
  it("submit --dry-run: the Slurm script on stdout, the sbatch command on stderr; nothing recorded", () => {
    const home = tempDir("crjob-slurm-home-");
    const r = crjob(["submit", "--dry-run", "stars.yaml", "--site", SITE], { cwd: EXAMPLES, env: { HOME: home } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(EXAMPLES, "stars-slurm.sh"), "utf8"));
    expect(r.stderr).toBe(`crjob: dry run, not submitted: sbatch --parsable < <script of stars.yaml> (in ${EXAMPLES}; state ${home}/.crjob/stars)\n`);
  });

  it("submit without sbatch on PATH says so, and what to do", () => {
    const r = crjob(["submit", "stars.yaml", "--site", SITE], { cwd: EXAMPLES, env: { PATH: "/nonexistent" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "crjob: sbatch not found on PATH: is Slurm set up here (the site profile says flavour slurm)? `crjob submit --dry-run` shows the script without submitting\n",
    );
  });

  it("render --check passes on the Slurm golden and fails on the LSF one", () => {
    const out = tempDir("crjob-slurm-check-");
    copyFileSync(join(EXAMPLES, "stars.yaml"), join(out, "stars.yaml"));
    copyFileSync(join(EXAMPLES, "stars-slurm.sh"), join(out, "stars.sh"));
    const check = () => crjob(["render", "--check", "stars.yaml", "--outdir", ".", "--site", SITE], { cwd: out });
    expect(check().stderr).toBe("");
    expect(check().code).toBe(0);
    copyFileSync(join(EXAMPLES, "stars.sh"), join(out, "stars.sh"));
    const r = check();
    expect(r.stderr).toBe("stars.sh:1:1 error stale or hand-edited; run: crjob render stars.yaml -o stars.sh\n");
    expect(r.code).toBe(1);
  });

  it("validate: an LSF-only field is an error at its line and column; the IBM profile accepts the spec", () => {
    const dir = tempDir("crjob-slurm-validate-");
    const spec = readFileSync(join(EXAMPLES, "md-sim.yaml"), "utf8").replace(/^slurm:\n.*\n/m, "");
    const file = join(dir, "md-sim.yaml");
    writeFileSync(file, spec);
    const r = crjob(["validate", "md-sim.yaml", "--site", SITE], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "md-sim.yaml:18:3 error lsf.resources: LSF resource requirements (-R) have no Slurm equivalent, and the site profile's flavour is slurm (say what Slurm gets in slurm.extra, e.g. slurm: {extra: [\"--mem=4000\"]}; lsf.resources and lsf.extra then stay LSF's)\n" +
        "md-sim.yaml:20:3 error lsf.extra: bsub options do not apply on Slurm, and the site profile's flavour is slurm (say what Slurm gets in slurm.extra, e.g. slurm: {extra: [\"--mem=4000\"]}; lsf.resources and lsf.extra then stay LSF's)\n",
    );
    expect(crjob(["validate", "md-sim.yaml", "--site", join(EXAMPLES, "site.yaml")], { cwd: dir }).code).toBe(0);
  });

  it("run --local says it emulates LSF only, and what to use for Slurm", () => {
    const r = crjob(["run", "--local", "stars.yaml", "--site", SITE], { cwd: EXAMPLES });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`crjob: crjob run --local emulates LSF only, and the site profile ${SITE} says flavour slurm.`);
    expect(r.stderr).toContain("scripts/slurm-cluster.sh start");
  });
});

describe("reading Slurm's answers", () => {
  it.each([
    ["1234\n", "1234"],
    ["1234;cluster\n", "1234"],
    ["sbatch: error: Batch job submission failed\n", null],
  ])("sbatch --parsable %j → %s", (out, want) => expect(parseSbatchJobId(out)).toBe(want));

  it("scontrol show job -o: the JobState of each line (one per array element)", () => {
    const out = "JobId=7 ArrayJobId=7 ArrayTaskId=1 JobName=a JobState=COMPLETED Reason=None\nJobId=8 ArrayJobId=7 ArrayTaskId=2 JobState=RUNNING Reason=None\n";
    expect(parseScontrolStates(out)).toEqual(["COMPLETED", "RUNNING"]);
  });

  it.each([
    ["PENDING", "PEND"], ["REQUEUED", "PEND"], ["RUNNING", "RUN"], ["COMPLETING", "RUN"], ["SUSPENDED", "SSUSP"],
    ["COMPLETED", "DONE"], ["FAILED", "EXIT"], ["CANCELLED", "EXIT"], ["TIMEOUT", "EXIT"], ["NODE_FAIL", "EXIT"],
  ])("JobState %s reads as bjobs %s", (state, stat) => expect(slurmStateAsStat(state)).toBe(stat));
});
