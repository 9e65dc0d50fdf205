// Run generated job scripts for real: with the BLCR stand-ins (test/bin) on PATH, in temp dirs,
// as LSF would start them (own process group, LSB_JOBID, LS_SUBCWD), and kill them.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, closeSync } from "node:fs";
import { join } from "node:path";
import { afterEach } from "vitest";
import { crjob, ROOT, tempDir } from "../helpers.js";

export const TEST_BIN = join(ROOT, "test", "bin");
export const STARS = join(ROOT, "test", "apps", "stars");

/** A real tool on PATH (outside test/bin), for CRJOB_TEST_REAL_BLCR=1 runs on a machine with BLCR. */
function onPath(tool: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (!dir || dir === TEST_BIN) continue;
    if (existsSync(join(dir, tool))) return dir;
  }
  return null;
}

/**
 * Where the tests find cr_run/cr_checkpoint/cr_restart: the stand-ins in test/bin, or, with
 * CRJOB_TEST_REAL_BLCR=1 and BLCR installed, the real ones (the LSF emulator's commands still
 * come from test/bin). Tests that need the stand-ins' fault knobs are skipped then.
 */
export const REAL_BLCR = process.env.CRJOB_TEST_REAL_BLCR === "1" ? onPath("cr_run") : null;
export const TOOLS_PATH = REAL_BLCR ? `${REAL_BLCR}:${TEST_BIN}` : TEST_BIN;

/** What the stars app prints for lines 1..n: line i is i stars. */
export function starsOutput(n: number): string {
  let out = "";
  for (let i = 1; i <= n; i++) out += "*".repeat(i) + "\n";
  return out;
}

/**
 * A spec whose app is the stars app (`$STARS`, output stars.out): `lines` lines, one per `tick`
 * seconds, checkpointed by `tool`. `checkpoint` adds lines to the checkpoint block, `extra` top-level
 * fields (placed before `scratch:`).
 */
export function starsSpec(o: { name: string; tool: string; lines: number; tick: number; interval?: string; checkpoint?: string; extra?: string; hold?: number }): string {
  return `name: ${o.name}
queue: normal
app:
  command: $STARS
  args: [--lines, "${o.lines}", --tick, "${o.tick}"${o.hold === undefined ? "" : holdArgs(o.hold)}]
  output: stars.out
checkpoint:
  tool: ${o.tool}
  interval: ${o.interval ?? "1s"}
${o.checkpoint ?? ""}  dir: $STATE
${o.extra ?? ""}scratch: $SCRATCH
`;
}

/**
 * Extra `args` items that make stars wait after line `k` until the test calls `release(job)`: the
 * app outlives whatever the test does to the running job, however loaded the machine ($GO is the
 * job's go file; see prepareJob).
 */
export const holdArgs = (k: number) => `, --hold, "${k}:$GO"`;

/** Let every stars of this job go on past its --hold line (now and in later runs). */
export function release(job: PreparedJob): void {
  writeFileSync(join(job.dirs.root, "go"), "");
}

/** Make later stars runs of this job wait at their --hold line again. */
export function hold(job: PreparedJob): void {
  rmSync(join(job.dirs.root, "go"), { force: true });
}

export interface JobDirs {
  root: string;
  submit: string;
  scratch: string;
  state: string;
}

export interface PreparedJob {
  dirs: JobDirs;
  script: string;
}

/**
 * Templates the lifecycle tests render with: the bundled ones, or (CRJOB_TEST_TEMPLATES=DIR, set by
 * scripts/mutants.mjs) a mutated copy passed as `--templates DIR`, so production templates carry
 * no test hooks.
 */
const TEMPLATES_ARGS = process.env.CRJOB_TEST_TEMPLATES ? ["--templates", process.env.CRJOB_TEST_TEMPLATES] : [];

/** Write `spec` (YAML; `$SCRATCH`, `$STATE`, `$STARS` are filled in), render it through the CLI. */
export function prepareJob(spec: string, files: Record<string, string> = {}, renderArgs: string[] = []): PreparedJob {
  const root = tempDir("crjob-life-");
  const dirs: JobDirs = {
    root,
    submit: join(root, "submit"),
    scratch: join(root, "scratch"),
    state: join(root, "state"),
  };
  mkdirSync(dirs.submit);
  mkdirSync(dirs.scratch);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dirs.submit, name), text);
  const text = spec
    .replaceAll("$SCRATCH", dirs.scratch)
    .replaceAll("$STATE", dirs.state)
    .replaceAll("$STARS", STARS)
    .replaceAll("$GO", join(root, "go"));
  writeFileSync(join(dirs.submit, "job.yaml"), text);
  const r = crjob(["render", "job.yaml", "-o", "job.sh", ...TEMPLATES_ARGS, ...renderArgs], { cwd: dirs.submit });
  if (r.code !== 0) throw new Error(`render failed: ${r.stderr}`);
  return { dirs, script: join(dirs.submit, "job.sh") };
}

export interface RunningJob {
  child: ChildProcess;
  logFile: string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  log(): string;
  /** Signal the whole job (its process group), like a node crash (KILL) or LSF's signals. */
  signalGroup(sig: NodeJS.Signals): void;
}

let runCounter = 0;

/** Every job started in a test is killed (its whole process group) when the test ends. */
const live = new Set<RunningJob>();
afterEach(() => {
  for (const run of live) reap(run);
  live.clear();
});

/** Start the job script directly (no scheduler), in its own process group. */
export function runJob(job: PreparedJob, jobid: string, env: NodeJS.ProcessEnv = {}): RunningJob {
  const logFile = join(job.dirs.root, `job.${jobid}.${++runCounter}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn("bash", [job.script], {
    cwd: job.dirs.submit,
    detached: true,
    stdio: ["ignore", fd, fd],
    env: {
      ...process.env,
      PATH: `${TOOLS_PATH}:${process.env.PATH}`,
      LSB_JOBID: jobid,
      LS_SUBCWD: job.dirs.submit,
      ...env,
    },
  });
  closeSync(fd);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const run: RunningJob = {
    child,
    logFile,
    done,
    log: () => readFileSync(logFile, "utf8"),
    signalGroup: (sig) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        /* already gone */
      }
    },
  };
  live.add(run);
  return run;
}

/** Complete generation numbers in a state dir, oldest first. */
export function generations(stateDir: string): number[] {
  if (!existsSync(stateDir)) return [];
  return readdirSync(stateDir)
    .map((d) => /^gen\.(\d+)$/.exec(d))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(stateDir, m[0], "meta")))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The run's end, or a failure naming the hang (a restore that never came back). */
export async function ended(run: RunningJob, ms = 120_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the job hung (no end after ${ms / 1000}s):\n${run.log()}`)), ms);
  });
  try {
    return (await Promise.race([run.done, hung])).code;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Wait for `cond` while `run` is still running: fails at once, with the job log, when the job
 * ends first (waiting on would only run into the deadline).
 */
export async function waitRunning(run: RunningJob, what: string, cond: () => boolean, timeoutMs = 120_000): Promise<void> {
  let ended = false;
  void run.done.then(() => (ended = true));
  const start = Date.now();
  while (!cond()) {
    if (ended && !cond()) throw new Error(`the job ended before ${what}:\n${run.log()}`);
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}:\n${run.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Kill -9 every process still running from a job's process group (test cleanup). */
export function reap(job: RunningJob): void {
  job.signalGroup("SIGKILL");
}
