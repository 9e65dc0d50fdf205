// Signals at the moments a job script is most fragile, made exact: a command the script runs is
// replaced (first on PATH) by a wrapper that sends the signal to its own process group, which is
// the job's (as LSF signals every process group of the job), once, and then runs the real command.
// So the signal comes while the script waits for that very command, whatever the machine's load.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ended, generations, prepareJob, release, runJob, starsOutput, starsSpec, TOOLS_PATH, waitRunning, type PreparedJob } from "./harness.js";

/**
 * A directory with a wrapper for `command` that sends SIG to its process group the first time it
 * runs while the file `armed` exists (it takes the file away first), then execs the real command.
 * With `recorded`, it first waits (10 s at most) until the job's first process has written the
 * signal's name into its signal file (under $TMPDIR, which the test sets: see tmpEnv): the signal
 * has then reached the script while it waits for this very command, however loaded the machine.
 */
function signalOnce(job: PreparedJob, command: string, sig: string, recorded = true): { bin: string; arm: () => void; fired: () => boolean } {
  const bin = join(job.dirs.root, `bin-${command}`);
  mkdirSync(bin, { recursive: true });
  const armed = join(bin, "armed");
  const fired = join(bin, "fired");
  const real = ["/usr/bin", "/bin"].map((d) => join(d, command)).find((p) => existsSync(p));
  if (!real) throw new Error(`no ${command} in /usr/bin or /bin`);
  writeFileSync(
    join(bin, command),
    `#!/bin/bash
if mv -f ${JSON.stringify(armed)} ${JSON.stringify(fired)} 2>/dev/null; then
  kill -${sig} 0
  ${recorded ? `for ((i = 0; i < 1000; i++)); do grep -qsx ${sig} "$TMPDIR"/crjob.*/signals && break; sleep 0.01; done` : ":"}
fi
exec ${real} "$@"
`,
  );
  chmodSync(join(bin, command), 0o755);
  return { bin, arm: () => writeFileSync(armed, ""), fired: () => existsSync(fired) };
}

/** The job's environment: the wrapper on PATH first, and TMPDIR in the job's root dir. */
function tmpEnv(job: PreparedJob, bin: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const tmp = join(job.dirs.root, "tmp");
  mkdirSync(tmp, { recursive: true });
  return { PATH: `${bin}:${TOOLS_PATH}:${process.env.PATH}`, TMPDIR: tmp, ...extra };
}

/**
 * A job (the stars app held at line 50) whose first run, under job id `id`, wrote two generations
 * and was then killed as a lost node would be.
 */
async function crashedJob(id: string): Promise<PreparedJob> {
  const job = prepareJob(starsSpec({ name: "st", tool: "blcr", lines: 60, tick: 0.1, checkpoint: "  keep: 3\n", hold: 50 }));
  const first = runJob(job, id);
  await waitRunning(first, "generation 2", () => (generations(job.dirs.state).at(-1) ?? 0) >= 2);
  first.signalGroup("SIGKILL");
  await first.done;
  return job;
}

const output = (job: PreparedJob) => readFileSync(join(job.dirs.submit, "stars.out"), "utf8");

describe("signals at fragile moments", { timeout: 180_000 }, () => {
  it("the run-limit signal while a restore checks its generation ($(...) in bash 5.2): acted on, the restore goes on", async () => {
    const job = await crashedJob("7101");
    // The app stays held at line 50 in the second run: only the signal ends that run.
    // sha256sum runs inside the $(...) that checks a generation against its manifest.
    const w = signalOnce(job, "sha256sum", "USR2");
    w.arm();
    const second = runJob(job, "7102", tmpEnv(job, w.bin));
    const code = await ended(second);
    const log = second.log();
    expect(w.fired(), log).toBe(true);
    expect(log).not.toContain("unexpected EOF");
    expect(log).toMatch(/crjob: restart from generation \d+ /);
    expect(log).not.toContain("does not restore");
    expect(log).toContain("crjob: received SIGUSR2\n");
    expect(log).toContain("crjob: run limit near: final checkpoint, then requeue\n");
    expect(code, log).toBe(99);
    // The requeued run goes on from the final checkpoint to the end.
    release(job);
    const third = runJob(job, "7102");
    expect(await ended(third), third.log()).toBe(0);
    expect(output(job)).toBe(starsOutput(60));
  });

  it("a bkill while a restore checks its generation: no restore, the job stops, its generations stay", async () => {
    const job = await crashedJob("7201");
    const gens = generations(job.dirs.state);
    const w = signalOnce(job, "sha256sum", "TERM");
    w.arm();
    const second = runJob(job, "7202", tmpEnv(job, w.bin));
    const code = await ended(second);
    const log = second.log();
    expect(w.fired(), log).toBe(true);
    expect(log).not.toContain("unexpected EOF");
    expect(log).toContain("crjob: received SIGTERM\n");
    expect(code, log).toBe(143);
    expect(log).toContain("crjob: stopping on SIGTERM before the app runs\n");
    expect(log).not.toContain("no generation of job");
    expect(generations(job.dirs.state)).toEqual(gens);
  });

  it("a restore that fails while a signal comes is tried again, not given up (the checkpointer relays the job's signals)", async () => {
    const job = await crashedJob("7501");
    release(job);
    const n = generations(job.dirs.state).at(-1)!;
    // USR1 (checkpoint now) while the newest generation is checked, and its cr_restart then fails
    // once (an I/O error, as a signal relayed to a half-restored process could end it).
    const w = signalOnce(job, "sha256sum", "USR1");
    w.arm();
    const faults = join(job.dirs.root, "faults");
    writeFileSync(faults, "RESTART_FAIL=EIO@1\n");
    const second = runJob(job, "7502", tmpEnv(job, w.bin, { CRFAKE_FAULTS: faults }));
    const code = await ended(second);
    const log = second.log();
    expect(w.fired(), log).toBe(true);
    expect(log).toContain(`crjob: a signal came during the restore of generation ${n}: once more\n`);
    expect(log).not.toContain("trying the one before");
    expect(readFileSync(join(job.dirs.state, "history"), "utf8")).toContain(`start restart gen=${n}\n`);
    expect(code, log).toBe(0);
    expect(output(job)).toBe(starsOutput(60));
  });

  it("a signal at the job's first command is ignored, not fatal (Slurm's warning right after a requeue)", async () => {
    const job = prepareJob(starsSpec({ name: "st", tool: "blcr", lines: 10, tick: 0.05 }));
    // mktemp makes the private dir of the job's first process, before its traps are set.
    const w = signalOnce(job, "mktemp", "USR2", false); // no trap is set yet: nothing records it
    w.arm();
    const run = runJob(job, "7301", tmpEnv(job, w.bin));
    const code = await ended(run);
    expect(w.fired(), run.log()).toBe(true);
    expect(code, run.log()).toBe(0);
    expect(output(job)).toBe(starsOutput(10));
  });

  it("a stage-out that fails keeps the work dir, and says so", async () => {
    const job = prepareJob(
      starsSpec({ name: "st", tool: "none", lines: 5, tick: 0.01, extra: "stage:\n  out: [also.txt, stars.out]\n" }).replace(
        '"0.01"]',
        '"0.01", --also, also.txt]',
      ),
    );
    // The copy of also.txt into the submit dir fails, as on a full file system.
    const bin = join(job.dirs.root, "bin-cp");
    mkdirSync(bin);
    writeFileSync(
      join(bin, "cp"),
      `#!/bin/bash
for a in "$@"; do
  case $a in ${JSON.stringify(job.dirs.submit)}/also.txt*) echo "cp: error writing '$a': No space left on device" >&2; exit 1 ;; esac
done
exec /bin/cp "$@"
`,
    );
    chmodSync(join(bin, "cp"), 0o755);
    const run = runJob(job, "7401", { PATH: `${bin}:${TOOLS_PATH}:${process.env.PATH}` });
    const code = await ended(run);
    const log = run.log();
    expect(code, log).toBe(0);
    expect(log).toContain("crjob: warning: stage out incomplete\n");
    const work = join(job.dirs.scratch, "7401");
    expect(log).toContain(`crjob: keeping the work dir ${work}: not all of its files reached ${job.dirs.submit}\n`);
    expect(readFileSync(join(work, "also.txt"), "utf8")).toBe("1\n2\n3\n4\n5\n");
    expect(output(job)).toBe(starsOutput(5));
  });
});
