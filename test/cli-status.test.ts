// `crjob status`: the pure reading of job state (src/state), then through the CLI on a state made by
// hand, then against the LSF emulator with the BLCR stand-ins (bjobs on PATH).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crjob, tempDir } from "./helpers.js";
import { generations, STARS, waitFor } from "./lifecycle/harness.js";
import { lsfEmulator } from "./lifecycle/lsf-harness.js";
import {
  parseBjobsStats,
  parseHistory,
  parseHistoryLine,
  parseIsoTime,
  parseMeta,
  parseRequeues,
  parseSubmissions,
  formatSubmission,
} from "../src/state/parse.js";
import { storyOf, summarizeState, type StateSnapshot } from "../src/state/summary.js";
import { expandStateDir } from "../src/state/store.js";

const T0 = Date.parse("2025-11-25T12:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString().replace(/\.000Z$/, "+0000");
const line = (s: number, job: string, event: string) => `${at(s)} job=${job} host=n1 ${event}`;
const meta = (gen: number, s: number, job = "100") =>
  `gen=${gen}\norigin=100\njob=${job}\nhost=n1\nworkdir=/scratch/${job}\npid=4242\ntime=${T0 / 1000 + s}\nduration=3\nsize_kb=2048\ntool=blcr\n`;

function snapshot(history: string[], extra: Partial<StateSnapshot> = {}): StateSnapshot {
  return {
    dir: "/s",
    exists: true,
    generations: [],
    partial: [],
    history: parseHistory(history.join("\n")),
    origin: null,
    requeues: null,
    lock: null,
    submissions: [],
    ...extra,
  };
}
const obs = (o: Partial<Parameters<typeof summarizeState>[1]> = {}) => ({ now: T0 + 1000_000, mode: "auto" as const, lsfStat: null, lockLive: null, ...o });

describe("job state files (pure)", () => {
  it("parses history lines, meta, lock owners, requeues, submissions and bjobs", () => {
    expect(parseHistoryLine("2025-11-25T13:00:00+0100 job=7 host=n1 end killed signal=INT gen=3 status=130")).toEqual({
      time: T0,
      job: "7",
      host: "n1",
      kind: "end",
      words: ["killed"],
      fields: { signal: "INT", gen: "3", status: "130" },
      line: "2025-11-25T13:00:00+0100 job=7 host=n1 end killed signal=INT gen=3 status=130",
    });
    expect(parseHistoryLine("garbage")).toBeNull();
    expect(parseIsoTime("2025-11-25T12:00:00-0030")).toBe(T0 + 1800_000);
    expect(parseMeta(meta(2, 60), 2)).toMatchObject({ gen: 2, job: "100", pid: 4242, time: T0 / 1000 + 60, duration: 3, sizeKb: 2048, tool: "blcr" });
    expect(parseRequeues("123 2\n")).toEqual({ job: "123", count: 2 });
    expect(parseRequeues("4")).toEqual({ job: null, count: 4 });
    const sub = formatSubmission({ time: T0, jobId: "55", spec: "/x/my job.yaml" });
    expect(parseSubmissions(sub)).toEqual([{ time: T0, jobId: "55", spec: "/x/my job.yaml" }]);
    const bjobs = "JOBID   USER    STAT  QUEUE      FROM_HOST   EXEC_HOST   JOB_NAME   SUBMIT_TIME\n12      u       RUN   normal     h           h           stars      Nov 25 12:00\n";
    expect(parseBjobsStats(bjobs)).toEqual(["RUN"]);
    expect(parseBjobsStats("Job <12> is not found\n")).toEqual([]);
  });

  it("expands the state dir as the script does", () => {
    expect(expandStateDir("$HOME/.crjob/stars", "/home/u", "/w")).toBe("/home/u/.crjob/stars");
    expect(expandStateDir("~/ck", "/home/u", "/w")).toBe("/home/u/ck");
    expect(expandStateDir("${HOME}", "/home/u", "/w")).toBe("/home/u");
    expect(expandStateDir("state/x", "/home/u", "/w")).toBe("/w/state/x");
    expect(expandStateDir("/a/$HOME", "/home/u", "/w")).toBe("/a/$HOME");
  });

  it("running: lost work since the last checkpoint, restarts, next = restart", () => {
    const s = summarizeState(
      snapshot([line(0, "100", "start fresh"), line(60, "100", "checkpoint gen=1 duration=3 size_kb=2048"), line(100, "101", "start restart gen=1"), line(400, "101", "checkpoint gen=2 duration=3 size_kb=2048")], {
        generations: [parseMeta(meta(2, 400, "101"), 2), parseMeta(meta(1, 60), 1)],
        lock: { job: "101", host: "n1", pid: 5 },
      }),
      obs({ now: T0 + 1000_000, lsfStat: "RUN" }),
    );
    expect(s).toMatchObject({ state: "running", jobId: "101", lsfStat: "RUN", restarts: 1, checkpoints: 2, requeues: 0, lostWorkSeconds: 600 });
    expect(s.lastCheckpoint).toMatchObject({ gen: 2, ageSeconds: 600, sizeKb: 2048 });
    expect(s.next).toMatchObject({ action: "restart", generation: 2, blockedBy: "101" });
  });

  it("killed, requeued (exit or brequeue), crashed, done, submitted, and mode restart without checkpoints", () => {
    const killed = summarizeState(snapshot([line(0, "7", "start fresh"), line(9, "7", "end killed signal=INT gen=1 status=130")], { generations: [parseMeta(meta(1, 8), 1)] }), obs());
    expect(killed).toMatchObject({ state: "killed", next: { action: "restart", generation: 1, blockedBy: null } });
    expect(summarizeState(snapshot([line(0, "7", "start fresh"), line(9, "7", "end killed signal=INT gen=1 status=130")]), obs({ lsfStat: "EXIT" })).state).toBe("killed");
    // The scheduler's KILL came before the final checkpoint ended: no end, but the stop signal is on record.
    const unended = snapshot([line(0, "7", "start fresh"), line(5, "7", "checkpoint gen=1 duration=0 size_kb=1"), line(9, "7", "signal INT"), line(9, "7", "signal TERM")], {
      generations: [parseMeta(meta(1, 5), 1)],
    });
    expect(summarizeState(unended, obs({ lsfStat: "EXIT" }))).toMatchObject({ state: "killed", reason: expect.stringContaining("SIGINT came"), next: { action: "restart", generation: 1, blockedBy: null } });
    expect(summarizeState(unended, obs()).state).toBe("killed"); // no scheduler to ask: the history says it
    // A signal of an earlier run, or one that is not a stop (USR1), does not count.
    const usr1 = snapshot([line(0, "7", "start fresh"), line(9, "7", "signal USR1")]);
    expect(summarizeState(usr1, obs({ lsfStat: "EXIT" })).state).toBe("failed");
    expect(summarizeState(usr1, obs()).state).toBe("crashed");
    const earlier = snapshot([line(0, "7", "signal INT"), line(1, "7", "start restart gen=1")]);
    expect(summarizeState(earlier, obs({ lsfStat: "EXIT" })).state).toBe("failed");
    const viaExit = snapshot([line(0, "7", "start fresh"), line(9, "7", "end requeue n=1 status=99")]);
    expect(summarizeState(viaExit, obs()).state).toBe("requeued");
    expect(summarizeState(viaExit, obs({ lsfStat: "PEND" }))).toMatchObject({ state: "requeued", requeues: 1 });
    expect(summarizeState(snapshot([line(0, "7", "start fresh"), line(9, "7", "requeue n=1 via=brequeue")]), obs())).toMatchObject({ state: "requeued", requeues: 1 });
    const crashed = snapshot([line(0, "7", "start fresh"), line(5, "7", "checkpoint gen=1 duration=0 size_kb=1")], { lock: { job: "7", host: "n1", pid: 9 } });
    expect(summarizeState(crashed, obs({ lockLive: false })).state).toBe("crashed");
    expect(summarizeState(crashed, obs({ lockLive: null })).state).toBe("running"); // cannot tell: the lock says so
    expect(summarizeState(snapshot([line(0, "7", "start fresh"), line(9, "7", "end done status=0")]), obs())).toMatchObject({ state: "done", next: { action: "fresh" } });
    expect(summarizeState(snapshot([line(0, "7", "start fresh"), line(9, "7", "end failed status=3")]), obs()).state).toBe("failed");
    const submitted = snapshot([line(0, "7", "start fresh"), line(9, "7", "end done status=0")], { submissions: [{ time: T0 + 20_000, jobId: "8", spec: null }] });
    expect(summarizeState(submitted, obs())).toMatchObject({ state: "submitted", jobId: "8", next: { blockedBy: "8" } });
    expect(summarizeState(submitted, obs({ lsfStat: "PEND" })).state).toBe("pending");
    expect(summarizeState(snapshot([]), obs({ mode: "restart" })).next.action).toBe("error");
    expect(summarizeState(snapshot([], { exists: false }), obs()).state).toBe("none");
  });

  it("tells the story of a run", () => {
    const h = parseHistory(
      [
        line(0, "1", "start fresh"),
        line(1, "1", "checkpoint gen=1 duration=0 size_kb=1"),
        line(2, "1", "checkpoint gen=2 duration=0 size_kb=1"),
        line(3, "1", "signal INT"),
        line(4, "1", "end killed signal=INT gen=3 status=130"),
        line(5, "2", "start restart gen=3"),
        line(6, "2", "end requeue n=1 status=99"),
        line(7, "2", "start restart gen=3"),
        line(8, "2", "end done status=0"),
      ].join("\n"),
    );
    expect(storyOf(h)).toBe(
      "fresh start (job 1) → checkpoints 1–2 → killed (SIGINT, gen 3) → resume from gen 3 (job 2) → requeue 1 (exit 99) → resume from gen 3 (job 2) → done (exit 0)",
    );
  });
});

describe("crjob status (CLI, state made by hand, no LSF)", () => {
  const root = tempDir("crjob-status-");
  const home = join(root, "home");
  const state = join(home, ".crjob", "stars");
  const now = Math.floor(Date.now() / 1000);
  mkdirSync(join(state, "gen.3"), { recursive: true });
  mkdirSync(join(state, "gen.4"), { recursive: true });
  mkdirSync(join(state, ".gen.5.tmp.999"), { recursive: true });
  writeFileSync(join(state, "gen.3", "meta"), meta(3, 0).replace(/time=\d+/, `time=${now - 7200}`));
  writeFileSync(join(state, "gen.4", "meta"), meta(4, 0, "101").replace(/time=\d+/, `time=${now - 600}`).replace("size_kb=2048", "size_kb=4096"));
  const iso = (ago: number) => new Date((now - ago) * 1000).toISOString().replace(/\.\d+Z$/, "+0000");
  /** Whole seconds since `now` (the state's clock): a test may run long after this file began. */
  const since = () => Math.ceil(Date.now() / 1000) - now;
  writeFileSync(
    join(state, "history"),
    [
      `${iso(9000)} job=100 host=n1 start fresh`,
      `${iso(7200)} job=100 host=n1 checkpoint gen=3 duration=3 size_kb=2048`,
      `${iso(3600)} job=100 host=n1 end killed signal=INT gen=3 status=130`,
      `${iso(1800)} job=101 host=n1 start restart gen=3`,
      `${iso(600)} job=101 host=n1 checkpoint gen=4 duration=3 size_kb=4096`,
      `${iso(60)} job=101 host=n1 end requeue n=1 status=99`,
      "",
    ].join("\n"),
  );
  writeFileSync(join(state, "submissions"), `${iso(9100)} job=100 spec=/x/stars.yaml\n${iso(1900)} job=101 spec=/x/stars.yaml\n`);
  const spec = join(root, "stars.yaml");
  writeFileSync(spec, `name: stars\nqueue: normal\nmode: fresh\napp:\n  command: ./a\ncheckpoint:\n  interval: 1h\n  dir: ${join(root, "elsewhere")}\n`);
  // No LSF here: bjobs is not on PATH.
  const env = { HOME: home, PATH: "/usr/bin:/bin" };

  it("a table for people: state, job id, generations with age and size, counts, next submission", () => {
    const r = crjob(["status", "stars"], { env });
    expect(r.code, r.stderr).toBe(0);
    const [head, row] = r.stdout.split("\n");
    expect(head).toMatch(/^JOB\s+STATE\s+JOBID\s+GENS\s+LAST CHECKPOINT\s+LOST WORK\s+RESTARTS\s+REQUEUES\s+NEXT$/);
    // Requeued: LSF reruns job 101, so a new submission now would find the state taken ("busy").
    expect(row).toMatch(/^stars\s+requeued\s+101\s+2\s+gen 4, 10m ago\s+-\s+1\s+1\s+restart gen 4 \(busy\)$/);
    expect(r.stdout).toContain("gen 4  10m ago  4.0 MB  took 3s by job 101 on n1");
    expect(r.stdout).toContain("gen 3  2h ago  2.0 MB");
    expect(r.stdout).toContain("writing:     gen 5");
    expect(r.stdout).toContain("next bsub:   restart from generation 4");
  });

  it("--format json for scripts", () => {
    const r = crjob(["status", "--format", "json", "stars"], { env });
    expect(r.code, r.stderr).toBe(0);
    const [j] = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      name: "stars",
      index: null,
      stateDir: state,
      exists: true,
      state: "requeued",
      jobId: "101",
      lsfStat: null,
      restarts: 1,
      requeues: 1,
      checkpoints: 2,
      inProgress: [5],
      lostWorkSeconds: null,
      next: { action: "restart", generation: 4, blockedBy: "101" },
      lastSubmission: { jobId: "101", spec: "/x/stars.yaml" },
    });
    expect(j.generations.map((g: { gen: number; sizeKb: number }) => [g.gen, g.sizeKb])).toEqual([[4, 4096], [3, 2048]]);
    expect(j.lastCheckpoint).toMatchObject({ gen: 4, durationSeconds: 3 });
    expect(j.lastCheckpoint.ageSeconds).toBeGreaterThanOrEqual(600);
    expect(j.lastCheckpoint.ageSeconds).toBeLessThanOrEqual(600 + since());
  });

  it("without arguments: every job under ~/.crjob; a spec gives its own checkpoint.dir and mode", () => {
    expect(crjob(["status"], { env }).stdout).toMatch(/^stars\s+requeued/m);
    const r = crjob(["status", spec, "--format", "json"], { env });
    expect(r.code).toBe(1); // that dir does not exist
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ name: "stars", spec, stateDir: join(root, "elsewhere"), exists: false, state: "none", next: { action: "fresh" } });
    expect(crjob(["status", spec], { env }).stdout).toContain(`stars: no state in ${join(root, "elsewhere")} (never submitted, or cleaned)`);
  });

  it("no state says so clearly (exit 1); a running job on this host is seen through its lock", async () => {
    const r = crjob(["status", "nosuch"], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`nosuch: no state in ${join(home, ".crjob", "nosuch")}`);
    expect(crjob(["status", "not/a/name"], { env }).stderr).toContain("neither a spec file nor a job name");

    const live = join(home, ".crjob", "live");
    mkdirSync(join(live, "lock"), { recursive: true });
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      writeFileSync(join(live, "lock", "owner"), `local${sleeper.pid} ${hostname()} ${sleeper.pid}\n`);
      writeFileSync(join(live, "history"), `${iso(120)} job=local${sleeper.pid} host=${hostname()} start fresh\n`);
      const j = JSON.parse(crjob(["status", "live", "--format", "json"], { env }).stdout)[0];
      expect(j).toMatchObject({ state: "running", reason: "lock owner alive", next: { action: "fresh", blockedBy: `local${sleeper.pid}` } });
      expect(j.lostWorkSeconds).toBeGreaterThanOrEqual(120);
      expect(j.lostWorkSeconds).toBeLessThanOrEqual(120 + since());
    } finally {
      sleeper.kill("SIGKILL");
    }
    await new Promise((r) => sleeper.once("exit", r));
    expect(JSON.parse(crjob(["status", "live", "--format", "json"], { env }).stdout)[0].state).toBe("crashed");
  });

  it("--help shows an example", () => {
    expect(crjob(["status", "--help"]).stdout).toContain("crjob status stars");
  });
});

describe("crjob status against the LSF emulator", () => {
  it("submitted → running (bjobs RUN, lost-work bound) → bkill → killed, next restart from gen N → resubmit → done", async () => {
    const root = tempDir("crjob-status-lsf-");
    const home = join(root, "home");
    const submit = join(root, "submit");
    mkdirSync(home);
    mkdirSync(submit);
    mkdirSync(join(root, "scratch"));
    // The app waits at line 40 until the file go exists (stars --hold): it is still running when
    // bkill comes, however loaded the machine; the test creates go once the bkilled job is over.
    const go = join(root, "go");
    writeFileSync(
      join(submit, "job.yaml"),
      `name: stars\nqueue: normal\napp:\n  command: ${STARS}\n  args: [--lines, "80", --tick, "0.05", --hold, "40:${go}"]\n  output: stars.out\ncheckpoint:\n  tool: blcr\n  interval: 1s\nscratch: ${join(root, "scratch")}\nlsf:\n  output: out.%J\n`,
    );
    // Pending for 4 s: room for `crjob status` to see PEND on a loaded machine (1 s was not).
    const lsf = lsfEmulator(root, { env: { LSFEMU_DISPATCH_LATENCY: "4" } });
    const env = { ...lsf.env, HOME: home };
    const status = () => {
      const r = crjob(["status", "job.yaml", "--format", "json"], { cwd: submit, env });
      expect(r.stderr).toBe("");
      return JSON.parse(r.stdout)[0];
    };
    const state = join(home, ".crjob", "stars");

    const id = crjob(["submit", "job.yaml"], { cwd: submit, env }).stdout.trim();
    expect(status()).toMatchObject({ state: "pending", jobId: id, lsfStat: "PEND", next: { action: "fresh", blockedBy: id } });
    await waitFor("a generation", () => generations(state).length > 0);
    // Lost work is bounded by the age of the newest generation seen before asking (no clock bound).
    const seen = Number(/^time=(\d+)$/m.exec(readFileSync(join(state, `gen.${generations(state).at(-1)}`, "meta"), "utf8"))![1]);
    const running = status();
    const asked = Math.ceil(Date.now() / 1000);
    expect(running).toMatchObject({ state: "running", jobId: id, lsfStat: "RUN", next: { action: "restart", blockedBy: id } });
    expect(running.lostWorkSeconds).toBeGreaterThanOrEqual(0);
    expect(running.lostWorkSeconds).toBeLessThanOrEqual(asked - seen);
    const text = crjob(["status", "stars"], { cwd: submit, env }).stdout;
    expect(text).toMatch(new RegExp(`^stars\\s+running\\s+${id}\\s+\\d+\\s+gen \\d+, \\d+s ago\\s+≤ \\d+s`, "m"));

    expect(lsf.cmd(["bkill", id]).code).toBe(0);
    await lsf.waitDone(Number(id));
    writeFileSync(go, "");
    const killed = status();
    const newest = Math.max(...generations(state));
    const story = () => ["history", "job.log"].map((f) => `--- ${f}\n${existsSync(join(state, f)) ? readFileSync(join(state, f), "utf8") : "(none)"}`).join("");
    expect(killed, story()).toMatchObject({ state: "killed", lsfStat: "EXIT", lostWorkSeconds: null, next: { action: "restart", generation: newest, blockedBy: null } });

    const id2 = crjob(["submit", "job.yaml"], { cwd: submit, env }).stdout.trim();
    await lsf.waitDone(Number(id2));
    expect(status()).toMatchObject({ state: "done", jobId: id2, lsfStat: "DONE", restarts: 1, next: { action: "fresh" } });
  });
});
