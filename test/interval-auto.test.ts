// `checkpoint.interval: auto`: the script measures each checkpoint and switches to the Young/Daly
// interval √(2·C·MTBF) (floor 60 s, at most half the run limit). Driven with the BLCR stand-in
// whose checkpoint takes a set time (CRFAKE_CKPT_DELAY). And `validate`'s advice for a fixed
// interval from the cost the job last measured.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crjob, tempDir } from "./helpers.js";
import { prepareJob, reap, runJob, waitFor } from "./lifecycle/harness.js";
import { intervalAdvice, lastCheckpointCost, youngDaly } from "../src/state/interval.js";
import { parseHistory } from "../src/state/parse.js";


const spec = (lsf = "") => `name: auto
queue: normal
app:
  command: $STARS
  args: [--lines, "100000", --tick, "0.05"]
  output: stars.out
checkpoint:
  tool: blcr
  interval: auto
  mtbf: 1h
  dir: $STATE
scratch: $SCRATCH
${lsf}`;

const CHOSEN = /crjob: interval now (\d+)s \(Young\/Daly: checkpoint cost (\d+)s, MTBF (\d+)s\)/;

/** Start the job, have it checkpoint now (SIGUSR1 to the script), return what it chose. */
async function firstChoice(lsf: string, env: NodeJS.ProcessEnv): Promise<{ interval: number; cost: number; mtbf: number; history: string }> {
  const job = prepareJob(spec(lsf));
  const r = runJob(job, "4100", { CRFAKE_CKPT_DELAY: "2", ...env });
  await waitFor("the fresh start", () => r.log().includes("crjob: fresh start"));
  await new Promise((res) => setTimeout(res, 500)); // the app is up and has libcr ready
  process.kill(r.child.pid!, "SIGUSR1"); // bkill -s USR1: checkpoint now
  await waitFor("the interval it chose", () => CHOSEN.test(r.log()), 30_000);
  const m = CHOSEN.exec(r.log())!;
  const history = readFileSync(join(job.dirs.state, "history"), "utf8");
  reap(r); // that is all we need from it
  return { interval: Number(m[1]), cost: Number(m[2]), mtbf: Number(m[3]), history };
}

describe("interval: auto (Young/Daly) in the generated script", () => {
  it("starts from an assumed 60 s checkpoint cost", () => {
    const job = prepareJob(spec());
    const script = readFileSync(job.script, "utf8");
    expect(script).toMatch(/^CRJOB_INTERVAL=657 /m); // √(2·60·3600) = 657.3
    expect(script).toMatch(/^CRJOB_INTERVAL_AUTO=1$/m);
    expect(script).toMatch(/^CRJOB_MTBF=3600$/m);
  });

  it("after the first checkpoint: ⌊√(2·C·MTBF)⌋ for the measured cost C (a 2 s checkpoint, MTBF 1h → 120 s)", async () => {
    const { interval, cost, mtbf, history } = await firstChoice("", {});
    expect(mtbf).toBe(3600);
    // The stand-in takes 2 s; whole seconds of `date +%s` make it 2 or 3 on a quiet machine, more
    // on a loaded one (no wall-clock bound here: the formula below must hold for what was measured).
    expect(cost).toBeGreaterThanOrEqual(2);
    expect(interval).toBe(Math.floor(Math.sqrt(2 * cost * mtbf))); // 120 or 146: above the 60 s floor
    expect(interval).toBe(youngDaly(cost, mtbf));
    expect(history).toMatch(new RegExp(`checkpoint gen=1 duration=${cost} size_kb=\\d+`));
  });

  it("at most half the run limit (an emulated 200 s limit → 100 s)", async () => {
    const { interval, cost } = await firstChoice("lsf:\n  runlimit: 10m\n", { CRJOB_RUNLIMIT_SECONDS: "200" });
    expect(cost).toBeGreaterThanOrEqual(2);
    expect(interval).toBe(100);
    expect(youngDaly(cost, 3600, 200)).toBe(100);
  });

  it("the same arithmetic in crjob (pure)", () => {
    expect(youngDaly(2, 3600)).toBe(120);
    expect(youngDaly(0, 3600)).toBe(84); // at least 1 s, as the script
    expect(youngDaly(1, 60)).toBe(60); // the floor
    expect(intervalAdvice(43200, 30, 3 * 86400)).toMatchObject({ optimum: 3943, far: true });
    expect(intervalAdvice(3600, 30, 3 * 86400).far).toBe(false);
    const h = parseHistory("2025-01-01T00:00:00+0000 job=1 host=h checkpoint gen=1 duration=4 size_kb=1\n2025-01-01T01:00:00+0000 job=2 host=h checkpoint gen=2 duration=9 size_kb=1\n");
    expect(lastCheckpointCost(h)).toMatchObject({ seconds: 9, job: "2" });
  });
});

describe("validate: a fixed interval far from the optimum for the last measured cost", () => {
  const root = tempDir("crjob-iv-");
  const home = join(root, "home");
  const env = { HOME: home };
  const write = (name: string, interval: string, extra = "") => {
    writeFileSync(join(root, name), `name: iv\nqueue: normal\napp:\n  command: ./a\ncheckpoint:\n  tool: blcr\n  interval: ${interval}\n${extra}`);
    return name;
  };
  const validate = (file: string, args: string[] = []) => crjob(["validate", file, ...args], { cwd: root, env });

  it("no state yet: no advice", () => {
    const r = validate(write("a.yaml", "12h"));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("warns when the interval is >2× off √(2·C·MTBF), naming the cost, the MTBF and the optimum", () => {
    mkdirSync(join(home, ".crjob", "iv"), { recursive: true });
    writeFileSync(
      join(home, ".crjob", "iv", "history"),
      "2025-01-01T00:00:00+0000 job=5 host=h start fresh\n2025-01-01T02:00:00+0000 job=5 host=h checkpoint gen=1 duration=30 size_kb=9\n",
    );
    // C = 30 s, MTBF 3d (default): optimum ⌊√(2·30·259200)⌋ = 3943 s = 1h5m43s; 12h is 11× that.
    const long = validate(write("b.yaml", "12h"));
    expect(long.code).toBe(0); // a warning, not an error
    expect(long.stderr).toBe(
      `b.yaml:7:13 warning checkpoint.interval: 12h is 11.0× longer than the Young/Daly optimum 1h5m43s for the last measured checkpoint cost 30s by job 5 (${join(home, ".crjob", "iv")}) and MTBF 3d (the default; set mtbf in the site profile) (use interval: auto, or about 1h6m)\n`,
    );
    // Within 2×: quiet.
    expect(validate(write("c.yaml", "1h")).stderr).toBe("");
    // The site's MTBF: 1d → optimum 2276 s; 10m is 3.8× shorter.
    writeFileSync(join(root, "crjob.site.yaml"), "mtbf: 1d\n");
    const short = validate(write("d.yaml", "10m"), ["--format", "json"]);
    const [w] = JSON.parse(short.stdout);
    expect(w).toMatchObject({ file: "d.yaml", line: 7, path: "checkpoint.interval", severity: "warning" });
    expect(w.message).toContain("10m is 3.8× shorter than the Young/Daly optimum 37m56s");
    expect(w.message).toContain("MTBF 1d (site profile)");
    // interval: auto picks it itself: nothing to advise.
    expect(validate(write("e.yaml", "auto", "  mtbf: 3d\n")).stderr).toBe("");
  });
});
