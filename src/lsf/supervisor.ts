// One detached supervisor per job (`lsf-emu supervise ID`), the emulator's sbatchd: it is the
// parent of every run of the job (so it sees the real exit status, not a late-reaped zombie),
// dispatches PEND elements, enforces the run limit, carries out bkill/brequeue/hostfail
// requests, requeues, and writes the state that bjobs reads.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, openSync, rmSync, watch, writeFileSync, type FSWatcher } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { answer, takeRequests, type Ack, type Request } from "./ctl.js";
import { handleRequest } from "./requests.js";
import { dependencySatisfied } from "./deps.js";
import { jobEnvironment, jobFileText, LSB_PRE_ABORT, spoolPaths } from "./job-env.js";
import { closeRunOutput, deliverRunOutput, openRunOutput, type RunOutput } from "./output.js";
import { isAlive, jobProcesses, readProc, signalJob, signalName, signalNumber } from "./signals.js";
import { FINISHED, jobDir, readJob, readState, writeState } from "./store.js";
import type { ElementState, JobRecord, JobState } from "./store.js";
import { requeueMatch } from "./bsub-options.js";

const NEVER = Number.MAX_SAFE_INTEGER;
const SIG = (n: string) => signalNumber(n)!;

export interface Run {
  el: ElementState;
  runNo: number;
  out: RunOutput;
  env: Record<string, string>;
  child?: ChildProcess;
  pid?: number;
  preexec?: ChildProcess;
  timers: NodeJS.Timeout[];
  exited: boolean;
  /** Why the emulator is ending this run (bhist's TERM_* reason). */
  killReason?: string;
  killing: boolean;
  requeueAfter: boolean;
  hostFail: boolean;
  force: boolean;
  runLimitHit: boolean;
  ownerSignalled: boolean;
}

export class Supervisor {
  state: JobState;
  readonly runs = new Map<number, Run>();
  private interval?: NodeJS.Timeout;
  private watcher?: FSWatcher;
  private lastScan = 0;
  private depCache = { at: 0, ok: false };
  private busy = 0;
  private stopped = false;

  constructor(
    private readonly home: string,
    readonly job: JobRecord,
  ) {
    this.state = readState(home, job.id) ?? { elements: [] };
  }

  start(): void {
    if (this.state.supervisorPid !== process.pid && isAlive(this.state.supervisorPid, this.state.supervisorStart)) {
      process.exit(0); // another supervisor owns the job
    }
    const me = readProc(process.pid);
    this.state.supervisorPid = process.pid;
    this.state.supervisorStart = me?.startTicks;
    const now = Date.now();
    for (const el of this.state.elements) {
      // A run whose supervisor died cannot be followed any more.
      if (el.stat === "RUN" || el.stat === "USUSP" || el.stat === "SSUSP") {
        this.finalize(el, "EXIT", undefined, "TERM_UNKNOWN", now, "Supervisor lost; job state unknown");
      }
    }
    this.save();
    try {
      const ctl = resolve(jobDir(this.home, this.job.id), "ctl");
      mkdirSync(ctl, { recursive: true });
      this.watcher = watch(ctl, () => this.tick());
      this.watcher.on("error", () => undefined);
    } catch {
      /* polling below is enough */
    }
    this.interval = setInterval(() => this.tick(), 100);
    for (const s of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(s, () => this.shutdown());
    this.tick();
  }

  private save(): void {
    writeState(this.home, this.job.id, this.state);
  }

  log(el: ElementState, text: string): void {
    el.history.push({ time: Date.now(), text });
  }

  private tick(): void {
    if (this.stopped) return;
    if (!existsSync(jobDir(this.home, this.job.id))) return this.abandon();
    for (const { name, req } of takeRequests(this.home, this.job.id)) answer(this.home, this.job.id, name, this.handle(req));
    this.schedule();
    if (Date.now() - this.lastScan > 1000) this.scan();
    if (this.runs.size === 0 && this.busy === 0 && this.state.elements.every((e) => FINISHED.has(e.stat))) this.exit();
  }

  // ------------------------------------------------------------ scheduling

  private schedule(): void {
    const now = Date.now();
    const limit = this.job.slotLimit ?? Infinity;
    let running = this.runs.size;
    let changed = false;
    for (const el of this.state.elements) {
      if (el.stat !== "PEND" || (el.eligibleAt ?? 0) > now) continue;
      if (this.job.dependency) {
        if (now - this.depCache.at > 500) this.depCache = { at: now, ok: dependencySatisfied(this.home, this.job.dependency, this.job.id) };
        if (!this.depCache.ok) {
          const reason = "Job dependency condition not satisfied";
          if (el.pendReason !== reason) {
            el.pendReason = reason;
            changed = true;
          }
          continue;
        }
      }
      if (running >= limit) {
        const reason = "The job array has reached its running element limit";
        if (el.pendReason !== reason) {
          el.pendReason = reason;
          changed = true;
        }
        continue;
      }
      this.dispatch(el);
      running++;
      changed = true;
    }
    if (changed) this.save();
  }

  private dispatch(el: ElementState): void {
    const { job, home } = this;
    const spool = spoolPaths(home, job, el.index);
    mkdirSync(dirname(spool.jobFile), { recursive: true });
    if (job.fromStdin) writeFileSync(spool.script, job.command, { mode: 0o755 });
    writeFileSync(spool.jobFile, jobFileText(job), { mode: 0o755 });
    chmodSync(spool.jobFile, 0o755);
    el.runCount++;
    const limitMin = job.runLimitMin ?? job.queueConf.runLimit;
    const limitSec = limitMin !== undefined ? limitMin * job.conf.secondsPerMinute : undefined;
    const env = jobEnvironment({ home, job, index: el.index, spool, restart: !!el.restart, runLimitSeconds: limitSec });
    el.restart = false;
    const run: Run = {
      el,
      runNo: el.runCount,
      out: openRunOutput(home, job, el.index, el.runCount),
      env,
      timers: [],
      exited: false,
      killing: false,
      requeueAfter: false,
      hostFail: false,
      force: false,
      runLimitHit: false,
      ownerSignalled: false,
    };
    this.runs.set(el.index, run);
    Object.assign(el, { stat: "RUN", startTime: Date.now(), pendReason: undefined, exitCode: undefined, exitReason: undefined, finishTime: undefined });
    this.log(el, `Dispatched to <${job.execHost}>`);
    if (job.preExec) this.runPreexec(run);
    else this.launch(run, limitSec);
  }

  private cwd(): string {
    return existsSync(this.job.cwd) ? this.job.cwd : "/tmp";
  }

  private runPreexec(run: Run): void {
    const child = spawn("/bin/sh", ["-c", this.job.preExec!], {
      cwd: this.cwd(),
      env: run.env,
      stdio: ["ignore", run.out.outFd, run.out.errFd],
      detached: true,
    });
    run.preexec = child;
    child.on("error", () => undefined);
    child.on("exit", (code, sig) => {
      run.preexec = undefined;
      const el = run.el;
      if (run.killReason || run.hostFail || run.force) return this.endRun(run, code ?? 128 + (signalNumber(sig ?? "KILL") ?? 9));
      if (code === 0) {
        const limitMin = this.job.runLimitMin ?? this.job.queueConf.runLimit;
        this.launch(run, limitMin !== undefined ? limitMin * this.job.conf.secondsPerMinute : undefined);
        return;
      }
      // Pre-exec failed: back to PEND and retry, or give up.
      closeRunOutput(run.out);
      this.runs.delete(el.index);
      el.runCount--;
      el.preexecFailures = (el.preexecFailures ?? 0) + 1;
      if (code === LSB_PRE_ABORT || el.preexecFailures > this.job.conf.maxPreexecRetry) {
        this.finalize(el, "EXIT", code ?? undefined, "TERM_PREEXEC_FAIL", Date.now(), "Pre-exec command failed; job aborted");
      } else {
        Object.assign(el, { stat: "PEND", pendReason: "Job's pre-exec command exited with non-zero status", eligibleAt: Date.now() + this.latency() });
        this.log(el, `Pre-exec command exited with status ${code}; job requeued`);
      }
      this.save();
    });
  }

  latency(): number {
    return this.job.conf.dispatchLatency * 1000;
  }

  private launch(run: Run, limitSec: number | undefined): void {
    const { job } = this;
    const spool = spoolPaths(this.home, job, run.el.index);
    let stdin: number | "ignore" = "ignore";
    if (job.input) {
      try {
        stdin = openSync(isAbsolute(job.input) ? job.input : resolve(job.cwd, job.input), "r");
      } catch {
        stdin = "ignore";
      }
    }
    // New session (setsid); SIGHUP ignored before the job file's shell starts, so neither the
    // wrapper's `trap # ... 1` nor the user's script can catch it, as with sbatchd.
    const child = spawn("/bin/sh", ["-c", 'trap "" HUP; exec /bin/sh "$1"', "sh", spool.jobFile], {
      cwd: this.cwd(),
      env: run.env,
      detached: true,
      stdio: [stdin, run.out.outFd, run.out.errFd],
    });
    if (typeof stdin === "number") closeRunOutput({ ...run.out, outFd: stdin, errFd: stdin });
    run.child = child;
    run.pid = child.pid;
    run.el.pid = child.pid;
    run.el.sid = child.pid;
    run.el.pgids = child.pid ? [child.pid] : [];
    run.el.pids = child.pid ? [child.pid] : [];
    this.log(run.el, `Starting (Pid ${child.pid})`);
    child.on("error", () => {
      if (!run.exited) this.onExit(run, 127, null);
    });
    child.on("exit", (code, sig) => this.onExit(run, code, sig));
    if (limitSec !== undefined) this.armRunLimit(run, limitSec);
    this.save();
  }

  private armRunLimit(run: Run, limitSec: number): void {
    const { job } = this;
    const spm = job.conf.secondsPerMinute;
    if (job.warnSignal !== undefined && job.warnTimeMin !== undefined) {
      const at = limitSec - job.warnTimeMin * spm;
      if (at >= 0) {
        run.timers.push(
          setTimeout(() => {
            this.deliver(run, job.warnSignal!);
            this.log(run.el, `Job warning action: signal <${signalName(job.warnSignal!)}> sent`);
            this.save();
          }, at * 1000),
        );
      }
    }
    run.timers.push(
      setTimeout(() => {
        run.runLimitHit = true;
        this.deliver(run, SIG("USR2"));
        this.log(run.el, "Run limit reached; signal <USR2> sent");
        this.save();
        run.timers.push(
          setTimeout(() => {
            this.deliver(run, SIG("QUIT"));
            this.terminate(run, "TERM_RUNLIMIT");
          }, job.conf.warnTime * 1000),
        );
      }, limitSec * 1000),
    );
  }

  // ------------------------------------------------------------ signals

  deliver(run: Run, sig: number): void {
    if (run.exited) return;
    if (run.preexec?.pid) signalJob(run.preexec.pid, sig);
    if (!run.pid) return;
    const groups = signalJob(run.pid, sig, run.el.pgids ?? []);
    run.el.pgids = [...new Set([...(run.el.pgids ?? []), ...groups])];
  }

  /** The bkill sequence: volclava CONT+INT, TERM, KILL; IBM INT+TERM, KILL. */
  terminate(run: Run, reason: string): void {
    run.killReason ??= reason;
    if (run.killing) return;
    run.killing = true;
    const ms = this.job.conf.terminateInterval * 1000;
    const later = (sig: string, after: number) => run.timers.push(setTimeout(() => this.deliver(run, SIG(sig)), after));
    if (this.job.conf.flavour === "openlava") {
      this.deliver(run, SIG("CONT"));
      this.deliver(run, SIG("INT"));
      later("TERM", ms);
      later("KILL", 2 * ms);
    } else {
      if (run.el.stat === "USUSP" || run.el.stat === "SSUSP") this.deliver(run, SIG("CONT"));
      this.deliver(run, SIG("INT"));
      this.deliver(run, SIG("TERM"));
      later("KILL", ms);
    }
    if (run.el.stat !== "RUN") run.el.stat = "RUN";
    this.log(run.el, `Signal <KILL> requested (${reason})`);
  }

  // ------------------------------------------------------------ end of a run

  private onExit(run: Run, code: number | null, sig: NodeJS.Signals | null): void {
    if (run.exited) return;
    run.exited = true;
    const exitCode = code ?? 128 + (signalNumber(sig ?? "KILL") ?? 9);
    // sbatchd cleans up the job's own process group; other groups are left alone.
    if (run.pid) {
      try {
        process.kill(-run.pid, "SIGKILL");
      } catch {
        /* empty group */
      }
    }
    this.endRun(run, exitCode);
  }

  private endRun(run: Run, exitCode: number): void {
    const { job } = this;
    const el = run.el;
    const now = Date.now();
    for (const t of run.timers) clearTimeout(t);
    closeRunOutput(run.out);
    this.runs.delete(el.index);
    let reason = run.killReason;
    if (!reason && run.runLimitHit && exitCode !== 0) reason = "TERM_RUNLIMIT";
    if (!reason && run.ownerSignalled && exitCode > 128) reason = "TERM_OWNER";
    let requeue: string | undefined;
    let never = false;
    let restart = false;
    if (run.force) {
      /* bkill -r / shutdown: no rerun */
    } else if (run.hostFail) {
      if (job.rerunnable) {
        requeue = "Job was re-queued after its execution host failed (rerunnable job)";
        restart = job.conf.flavour === "ibm" || !!job.checkpointDir;
      }
    } else if (run.requeueAfter) {
      requeue = "Requeued job is waiting for rescheduling";
    } else if (reason !== "TERM_OWNER") {
      const spec = job.requeue ?? { all: false, values: job.queueConf.requeueExitValues, not: [], exclude: [] };
      const m = requeueMatch(spec, exitCode);
      const what = job.conf.flavour === "ibm" ? `Requeued job is waiting for rescheduling;(exit code ${exitCode})` : `Requeued job is waiting for rescheduling (exit code ${exitCode})`;
      if (m === "requeue") requeue = what;
      if (m === "exclude") {
        requeue = `${what}; exclusive exit code: host <${job.execHost}> is excluded and no other host is available`;
        never = true;
      }
    }
    // OpenLava/volclava copy the spooled output into the -o file only when the job finishes: a
    // requeued run's output is lost, the -o file holds the last run alone (volclava.md, requeue).
    if (!(requeue && job.conf.flavour === "openlava")) deliverRunOutput(this.home, run.out, {
      job,
      index: el.index,
      startTime: el.startTime ?? now,
      finishTime: now,
      exitCode,
      exitReason: reason,
      cpuSeconds: el.cpuSeconds ?? 0,
    });
    el.pid = undefined;
    if (requeue) {
      this.log(el, `Exited with exit code ${exitCode}; ${requeue}`);
      Object.assign(el, { stat: "PEND", pendReason: requeue, eligibleAt: never ? NEVER : now + this.latency(), restart, exitCode: undefined, exitReason: undefined });
      el.requeueCount++;
      el.lastExitCode = exitCode;
    } else {
      this.finalize(el, exitCode === 0 ? "DONE" : "EXIT", exitCode, reason, now);
    }
    this.save();
    if (!requeue && job.postExec) this.runPostexec(run, exitCode);
  }

  finalize(el: ElementState, stat: "DONE" | "EXIT", exitCode: number | undefined, reason: string | undefined, now: number, note?: string): void {
    Object.assign(el, { stat, exitCode, exitReason: reason, finishTime: now, pendReason: undefined, pid: undefined });
    // sbatchd removes the job file and the spooled script when the job is over.
    const spool = spoolPaths(this.home, this.job, el.index);
    rmSync(spool.jobFile, { force: true });
    rmSync(spool.script, { force: true });
    this.log(el, note ?? (stat === "DONE" ? "Done successfully" : `Exited with exit code ${exitCode ?? "-"}${reason ? ` (${reason})` : ""}`));
  }

  private runPostexec(run: Run, exitCode: number): void {
    this.busy++;
    const status = exitCode > 128 ? exitCode - 128 : exitCode << 8;
    const child = spawn("/bin/sh", ["-c", this.job.postExec!], {
      cwd: this.cwd(),
      env: { ...run.env, LSB_JOBEXIT_STAT: String(status) },
      stdio: "ignore",
      detached: true,
    });
    const done = () => {
      this.busy--;
      this.tick();
    };
    child.on("error", done);
    child.on("exit", done);
  }

  // ------------------------------------------------------------ requests

  handle(req: Request): Ack {
    if (req.op === "shutdown") {
      setImmediate(() => this.shutdown());
      return { results: [] };
    }
    const ack = handleRequest(this, req);
    this.save();
    return ack;
  }

  // ------------------------------------------------------------ housekeeping

  /** Record the job's processes and process groups, like sbatchd's process info collection. */
  private scan(): void {
    this.lastScan = Date.now();
    let changed = false;
    for (const run of this.runs.values()) {
      if (!run.pid || run.exited) continue;
      const procs = jobProcesses(run.pid);
      const el = run.el;
      el.pids = procs.map((p) => p.pid);
      const groups = new Set([...(el.pgids ?? []), ...procs.map((p) => p.pgid)]);
      el.pgids = [...groups];
      const cpu = procs.reduce((s, p) => s + p.cpuTicks, 0) / 100;
      el.cpuSeconds = Math.max(el.cpuSeconds ?? 0, cpu);
      changed = true;
    }
    if (changed) this.save();
  }

  private shutdown(): void {
    if (this.stopped) return;
    for (const run of this.runs.values()) {
      run.force = true;
      run.killReason = "TERM_FORCE_OWNER";
      this.deliver(run, SIG("KILL"));
    }
    const now = Date.now();
    for (const el of this.state.elements) if (el.stat === "PEND" || el.stat === "PSUSP") this.finalize(el, "EXIT", undefined, "TERM_FORCE_OWNER", now);
    this.save();
    // The runs' exit events finish them; give them a moment, then leave.
    setTimeout(() => this.exit(), 300).unref();
  }

  /** The emulator home was removed (a test cleaned up): kill everything and leave. */
  private abandon(): void {
    for (const run of this.runs.values()) this.deliver(run, SIG("KILL"));
    this.stopped = true;
    process.exit(0);
  }

  private exit(): void {
    this.stopped = true;
    if (this.interval) clearInterval(this.interval);
    this.watcher?.close();
    process.exit(0);
  }
}

/** `supervise ID [--requeue all|INDEX]`: the second form reruns finished elements (brequeue). */
export function supervise(home: string, id: number, args: string[] = []): void {
  const job = readJob(home, id);
  if (!job) {
    process.stderr.write(`lsf-emu supervise: no job ${id} under ${home}\n`);
    process.exit(1);
  }
  const sup = new Supervisor(home, job);
  const rq = args.indexOf("--requeue");
  if (rq >= 0) {
    const which = args[rq + 1];
    sup.handle({ op: "requeue", index: which === undefined || which === "all" ? undefined : Number(which) });
  }
  sup.start();
}
