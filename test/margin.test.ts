// The final checkpoint's margin accounts for what the job's checkpoints cost: the script starts it
// max(margin, 2 × slowest recent checkpoint + 10 s) before the run limit and says so in the job
// log; `validate` warns when a declared lsf.warning.before is shorter than the measured cost, and
// `status` says when the margin is. The pure arithmetic is the script's (lib.hbs: crjob_set_deadline).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crjob, tempDir } from "./helpers.js";
import { prepareJob, runJob } from "./lifecycle/harness.js";
import { finalCheckpointMargin, marginNote, slowestRecentCheckpoint } from "../src/state/margin.js";
import { parseHistory } from "../src/state/parse.js";

const line = (job: string, event: string) => `2025-01-01T00:00:00+0000 job=${job} host=h ${event}`;
const history = (...durations: number[]) =>
  [line("5", "start fresh"), ...durations.map((d, i) => line("5", `checkpoint gen=${i + 1} duration=${d} size_kb=9`))].join("\n") + "\n";

describe("slowest recent checkpoint and the script's margin", () => {
  type Case = [string, { given: string; want: number | null }];
  const cases: Case[] = [
    ["no checkpoint yet", { given: history(), want: null }],
    ["the slowest of them", { given: history(3, 40, 7), want: 40 }],
    ["only the newest five count", { given: history(900, 1, 2, 3, 4, 5), want: 5 }],
    ["failed checkpoints do not count", { given: history(4) + line("5", "checkpoint-failed gen=2 rc=3") + "\n", want: 4 }],
  ];
  it.each(cases)("%s", (_name, { given, want }) => {
    expect(slowestRecentCheckpoint(parseHistory(given))?.seconds ?? null).toBe(want);
  });

  type MarginCase = [string, { margin: number; slowest: number; limit: number; want: number }];
  const margins: MarginCase[] = [
    ["nothing measured: the configured margin", { margin: 900, slowest: 0, limit: 86400, want: 900 }],
    ["a cheap checkpoint: the configured margin", { margin: 900, slowest: 30, limit: 86400, want: 900 }],
    ["a 30-minute checkpoint: twice it plus 10 s", { margin: 900, slowest: 1800, limit: 86400, want: 3610 }],
    ["never more than half the run limit", { margin: 360, slowest: 1800, limit: 3600, want: 1800 }],
  ];
  it.each(margins)("%s", (_name, { margin, slowest, limit, want }) => {
    expect(finalCheckpointMargin(margin, slowest, limit)).toBe(want);
  });

  it("status note only when the margin is shorter than the cost", () => {
    expect(marginNote(900, { seconds: 60, job: "5", time: 0 }, 86400)).toBeNull();
    expect(marginNote(900, { seconds: 1800, job: "5", time: 0 }, 86400)).toBe(
      "the margin before the run limit (15m) is shorter than the slowest recent checkpoint (1800s, job 5); the script starts the final checkpoint 1h10s before the limit",
    );
  });
});

describe("crjob validate and status on a job whose checkpoints were measured", () => {
  const root = tempDir("crjob-margin-");
  const home = join(root, "home");
  mkdirSync(home);
  const env = { HOME: home, PATH: "/usr/bin:/bin" };
  const write = (name: string, lsf: string) => {
    writeFileSync(join(root, name), `name: mg\nqueue: normal\napp:\n  command: ./a\ncheckpoint:\n  tool: dmtcp\n  interval: 3h\nlsf:\n${lsf}`);
    return name;
  };

  it("warns when lsf.warning.before is shorter than the slowest recent checkpoint", () => {
    mkdirSync(join(home, ".crjob", "mg"), { recursive: true });
    writeFileSync(join(home, ".crjob", "mg", "history"), history(100, 1200, 300).replaceAll("job=5", "job=77"));
    const r = crjob(["validate", write("a.yaml", "  runlimit: 24h\n  warning: { signal: USR1, before: 10m }\n")], { cwd: root, env });
    expect(r.code).toBe(0); // advice, not an error
    expect(r.stderr).toBe(
      `a.yaml:10:36 warning lsf.warning.before: 10m is shorter than this job's slowest recent checkpoint, 1200s by job 77 (${join(home, ".crjob", "mg")}): a final checkpoint started then would not finish before the run limit (the script starts it 40m10s before the limit instead; set before: 41m or more)\n`,
    );
    // Long enough: quiet. No warning.before declared: nothing to advise.
    expect(crjob(["validate", write("b.yaml", "  runlimit: 24h\n  warning: { signal: USR1, before: 30m }\n")], { cwd: root, env }).stderr).toBe("");
    expect(crjob(["validate", write("c.yaml", "  runlimit: 24h\n")], { cwd: root, env }).stderr).toBe("");
  });

  it("status says when the margin is too short, and where DMTCP's messages are", () => {
    writeFileSync(join(home, ".crjob", "mg", "dmtcp.log"), "=== crjob: launch\n");
    const r = crjob(["status", write("d.yaml", "  runlimit: 24h\n  warning: { signal: USR1, before: 10m }\n")], { cwd: root, env });
    expect(r.stdout).toContain(
      "  warning:     the margin before the run limit (10m) is shorter than the slowest recent checkpoint (1200s, job 77); the script starts the final checkpoint 40m10s before the limit\n",
    );
    expect(r.stdout).toContain(`  DMTCP log:   ${join(home, ".crjob", "mg", "dmtcp.log")}\n`);
  });
});

describe("the script starts the final checkpoint early enough for its slowest checkpoint", () => {
  it("logs the margin it uses from the job's history", async () => {
    // A 60-minute limit with the default margin (6m); the job's history says a checkpoint took 500 s.
    const job = prepareJob(`name: mg
queue: normal
app:
  command: $STARS
  args: [--lines, "3"]
  output: stars.out
checkpoint:
  tool: blcr
  interval: 10m
  dir: $STATE
scratch: $SCRATCH
lsf:
  runlimit: 1h
`);
    mkdirSync(job.dirs.state, { recursive: true });
    writeFileSync(join(job.dirs.state, "history"), history(500, 20));
    const run = runJob(job, "900");
    expect((await run.done).code, run.log()).toBe(0);
    expect(run.log()).toContain("crjob: final checkpoint 1010s before the run limit (slowest recent checkpoint: 500s)\n");
  });
});
