// One assertion per lifecycle promise, so a test reads as what it claims. Each one looks for the
// evidence the job leaves behind (its log, in order, and the history file in its state dir), never
// at the output alone: the checkpointers cut the output back on a restore, so byte-exact output
// cannot tell a resume from a rerun from line 1.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";

export interface HistoryEvent {
  job: string;
  event: string;
}

/** The state dir's history: one `<time> job=<id> host=<host> <event>` line per event. */
export function history(stateDir: string): HistoryEvent[] {
  const file = join(stateDir, "history");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .map((l) => /^\S+ job=(\S+) host=\S+ (.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ job: m[1], event: m[2] }));
}

const show = (h: HistoryEvent[]) => h.map((e) => `job=${e.job} ${e.event}`).join("\n");

/**
 * Every run's `crjob:` lines, from the state's job.log (the script writes each log line there too,
 * with a time and job prefix): on OpenLava the -o file of a requeued job holds its last run alone.
 */
export function stateJobLog(stateDir: string): string {
  return readFileSync(join(stateDir, "job.log"), "utf8").replace(/^\S+ job=\S+ /gm, "");
}

/**
 * The run whose log is `log` resumed from a checkpoint (from generation `fromGeneration` when
 * given) and did not start the app over; over the whole lineage in `stateDir` the app started
 * fresh exactly `freshStarts` times (1 unless the test started it over on purpose). With `events`
 * (an app's own events file, one `start`/`restored` line each), the app agrees: it started once,
 * and (unless `restoredEvents` is false) it logged a restore. The stand-ins bring an app back by
 * running it again with its saved state, so it logs `restored`; a process that real DMTCP restores
 * just goes on where it was and logs nothing: then it must log no `restored` at all.
 * Returns the generation it resumed from.
 */
export function expectResumed(
  stateDir: string,
  log: string,
  opts: { fromGeneration?: number; job?: string; freshStarts?: number; events?: string; restoredEvents?: boolean } = {},
): number {
  const tried = [...log.matchAll(/^crjob: restart from generation (\d+) /gm)].map((m) => Number(m[1]));
  expect(tried.length, `no "restart from generation" in the log:\n${log}`).toBeGreaterThan(0);
  const h = history(stateDir);
  // The generation that restored: the history's first restart by this job id (a log of several
  // runs, as a requeued LSF job writes, has later ones), else the last one the log tried (those
  // before it did not restore).
  const first = opts.job ? h.find((e) => e.job === opts.job && e.event.startsWith("start restart gen=")) : undefined;
  if (opts.job) expect(first, `job ${opts.job} never restarted:\n${show(h)}`).toBeDefined();
  const gen = first ? Number(first.event.slice("start restart gen=".length)) : tried.at(-1)!;
  expect(tried, `the log never tried generation ${gen}`).toContain(gen);
  const restarts = h.filter((e) => (!opts.job || e.job === opts.job) && e.event === `start restart gen=${gen}`);
  expect(restarts.length, `history has no "start restart gen=${gen}"${opts.job ? ` by job ${opts.job}` : ""}:\n${show(h)}`).toBeGreaterThan(0);
  if (opts.fromGeneration !== undefined) expect(gen, log).toBe(opts.fromGeneration);
  const segment = log.slice(log.lastIndexOf(`crjob: restart from generation ${gen} `));
  expect(segment, "the resumed run also started fresh").not.toMatch(/^crjob: fresh start/m);
  const fresh = h.filter((e) => e.event === "start fresh").length;
  expect(fresh, `the app started fresh ${fresh} times in this lineage:\n${show(h)}`).toBe(opts.freshStarts ?? 1);
  if (opts.events !== undefined) {
    expect(opts.events.match(/^start/gm)?.length ?? 0, `the app's own events:\n${opts.events}`).toBe(opts.freshStarts ?? 1);
    if (opts.restoredEvents === false) expect(opts.events, "the app's own events: it ran its start-up again").not.toMatch(/^restored/m);
    else expect(opts.events, "the app's own events: never restored").toMatch(/^restored/m);
  }
  return gen;
}

const TRIGGER = {
  stop: /^crjob: stopping on SIG(INT|TERM|QUIT): final checkpoint first$/m,
  limit: /^crjob: run limit near: final checkpoint, then requeue$/m,
};

/**
 * After the stop signal (`stop`: bkill's INT/TERM/QUIT) or the run limit (`limit`: SIGUSR2 or the
 * job's own timer), a generation was completed before the job stopped: in the log, the trigger,
 * then "checkpoint N written", then the end of the run (killed or requeued) naming generation N;
 * and the history says the same, in the same order. `nth` picks the nth trigger in a log that
 * holds several runs (a requeued LSF job's output file); `signal` (e.g. "USR2") must have been
 * received before the trigger, and (with `stateDir`) the history's checkpoint must follow it. Returns N.
 */
export function expectFinalCheckpoint(
  log: string,
  trigger: keyof typeof TRIGGER,
  opts: { stateDir?: string; nth?: number; signal?: string } = {},
): number {
  let at = -1;
  let m: RegExpExecArray | null = null;
  const re = new RegExp(TRIGGER[trigger].source, "gm");
  for (let i = 0; i <= (opts.nth ?? 0); i++) {
    m = re.exec(log);
    expect(m, `no ${trigger} trigger #${i + 1} in the log:\n${log}`).not.toBeNull();
    at = m!.index;
  }
  const after = log.slice(at);
  const end = /^crjob: (end: |requeue \d+: |no requeue path)/m.exec(after);
  expect(end, `the run did not end after the ${trigger} trigger:\n${after}`).not.toBeNull();
  const between = after.slice(0, end!.index);
  const written = /^crjob: checkpoint (\d+) written/m.exec(between);
  expect(written, `no checkpoint completed between the ${trigger} trigger and the end of the run:\n${after}`).not.toBeNull();
  const gen = Number(written![1]);
  const endLine = after.slice(end!.index).split("\n")[0];
  if (opts.signal) expect(log.slice(0, at), `SIG${opts.signal} was not received before the ${trigger} trigger`).toContain(`crjob: received SIG${opts.signal}\n`);
  if (trigger === "stop") {
    expect(endLine, "the killed run names its final generation").toContain(`gen=${gen} `);
  } else {
    expect(endLine, "the requeued run resumes from its final generation").toMatch(new RegExp(`(generation ${gen}$|^crjob: end: )`));
  }
  if (opts.stateDir) {
    const h = history(opts.stateDir).map((e) => e.event);
    const sigRe = opts.signal ? new RegExp(`^signal ${opts.signal}$`) : trigger === "stop" ? /^signal (INT|TERM|QUIT)$/ : null;
    const sig = sigRe ? h.findIndex((e) => sigRe.test(e)) : -1;
    const ck = h.findIndex((e, i) => i > sig && e.startsWith(`checkpoint gen=${gen} `));
    const stop = h.findIndex((e, i) => i > ck && /^(end |requeue n=)/.test(e));
    if (sigRe) expect(sig, `history has no ${sigRe.source}:\n${h.join("\n")}`).toBeGreaterThanOrEqual(0);
    expect(ck, `history: checkpoint gen=${gen} not after the signal:\n${h.join("\n")}`).toBeGreaterThan(sig);
    expect(stop, `history: no end after checkpoint gen=${gen}:\n${h.join("\n")}`).toBeGreaterThan(ck);
  }
  return gen;
}

/**
 * Job `job` was requeued `count` times (at least once when not given) and kept its id: its
 * requeues in the history are numbered 1, 2, ... in order, and each is followed by a run of the
 * same job id that resumed from a checkpoint (not a fresh start). `nrequeue` is LSF's count
 * (bjobs NREQUEUE) when the test has it.
 */
export function expectRequeued(stateDir: string, job: string | number, opts: { count?: number; nrequeue?: number } = {}): number {
  const h = history(stateDir);
  const id = String(job);
  const requeues = h
    .map((e, i) => ({ e, i, n: /^(?:end )?requeue n=(\d+)/.exec(e.event) }))
    .filter((r) => r.n !== null && r.e.job === id);
  expect(requeues.length, `no requeue of job ${id} in the history:\n${show(h)}`).toBeGreaterThan(0);
  if (opts.count !== undefined) expect(requeues.length, show(h)).toBe(opts.count);
  requeues.forEach((r, k) => {
    expect(Number(r.n![1]), `requeues of job ${id} out of order:\n${show(h)}`).toBe(k + 1);
    const next = h.slice(r.i + 1).find((e) => e.event.startsWith("start "));
    expect(next, `no run after requeue ${k + 1}:\n${show(h)}`).toBeDefined();
    expect(next!.job, `the run after requeue ${k + 1} is another job:\n${show(h)}`).toBe(id);
    expect(next!.event, `the run after requeue ${k + 1} did not resume:\n${show(h)}`).toMatch(/^start restart gen=\d+$/);
  });
  if (opts.nrequeue !== undefined) expect(opts.nrequeue, "LSF's NREQUEUE").toBe(requeues.length);
  const file = join(stateDir, "requeues");
  // The script's own count (removed when the job ends done), when it is this job's.
  const own = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (own.startsWith(`${id} `)) expect(own).toBe(`${id} ${requeues.length}\n`);
  return requeues.length;
}

/** Output of the stars app cut short: `n` > 0 whole lines, exactly lines 1..n. */
export function starsPrefixLines(out: string): number {
  const n = out.split("\n").length - 1;
  expect(n, "no output at all").toBeGreaterThan(0);
  expect(out.endsWith("\n"), "a partial last line").toBe(true);
  return n;
}
