// What the supervisor does on bkill / brequeue / bhostfail / bmig / bstop / bresume requests.
import type { Ack, ElementResult, Request } from "./ctl.js";
import { signalName, signalNumber } from "./signals.js";
import { FINISHED, type ElementState, type JobRecord, type JobState } from "./store.js";

const SIG = (n: string) => signalNumber(n)!;

/** What a request changes on a running element (supervisor.ts's Run has these and more). */
export interface RunFlags {
  force: boolean;
  killReason?: string;
  ownerSignalled: boolean;
  requeueAfter: boolean;
  hostFail: boolean;
}

/**
 * What handleRequest needs from the job's supervisor. Declared here, and met by supervisor.ts's
 * Supervisor, so that the import goes one way only (supervisor → requests).
 */
export interface RequestHost<R extends RunFlags> {
  readonly state: JobState;
  readonly runs: ReadonlyMap<number, R>;
  readonly job: JobRecord;
  latency(): number;
  log(el: ElementState, text: string): void;
  finalize(el: ElementState, stat: "DONE" | "EXIT", exitCode: number | undefined, reason: string | undefined, now: number, note?: string): void;
  deliver(run: R, sig: number): void;
  terminate(run: R, reason: string): void;
}

export function handleRequest<R extends RunFlags>(sup: RequestHost<R>, req: Exclude<Request, { op: "shutdown" }>): Ack {
  const results: ElementResult[] = [];
  const now = Date.now();
  for (const el of sup.state.elements.filter((e) => req.index === undefined || e.index === req.index)) {
    const run = sup.runs.get(el.index);
    const res = (ok: boolean, message?: string) => results.push({ index: el.index, ok, message });
    if (FINISHED.has(el.stat)) {
      if (req.op === "requeue") {
        Object.assign(el, { stat: "PEND", pendReason: "Requeued job is waiting for rescheduling", eligibleAt: now + sup.latency(), exitCode: undefined, exitReason: undefined, finishTime: undefined });
        el.requeueCount++;
        sup.log(el, "Requeued by owner");
        res(true);
      } else res(false, "Job has already finished");
      continue;
    }
    const pending = el.stat === "PEND" || el.stat === "PSUSP";
    switch (req.op) {
      case "kill": {
        const sig = req.signal;
        const terminating = sig === undefined || req.force || [SIG("KILL"), SIG("TERM"), SIG("INT")].includes(sig);
        if (pending || !run) {
          if (!terminating) {
            if (sig === SIG("STOP") || sig === SIG("TSTP")) el.stat = "PSUSP";
            else if (sig === SIG("CONT") && el.stat === "PSUSP") Object.assign(el, { stat: "PEND", eligibleAt: now + sup.latency() });
            else {
              res(false, "Job has not started yet");
              break;
            }
            res(true);
            break;
          }
          sup.finalize(el, "EXIT", undefined, req.force ? "TERM_FORCE_OWNER" : "TERM_OWNER", now, "Killed while pending");
          res(true);
          break;
        }
        if (req.force) {
          run.force = true;
          run.killReason = "TERM_FORCE_OWNER";
          sup.deliver(run, SIG("KILL"));
        } else if (sig === undefined) {
          sup.terminate(run, "TERM_OWNER");
        } else {
          run.ownerSignalled = true;
          sup.deliver(run, sig);
          sup.log(el, `Signal <${signalName(sig)}> requested by user or administrator`);
          if (sig === SIG("STOP") || sig === SIG("TSTP")) el.stat = "USUSP";
          if (sig === SIG("CONT") && el.stat === "USUSP") el.stat = "RUN";
        }
        res(true);
        break;
      }
      case "stop":
        if (pending) el.stat = "PSUSP";
        else if (run) {
          sup.deliver(run, SIG("STOP"));
          el.stat = "USUSP";
          sup.log(el, "Suspended by the user or administrator");
        }
        res(true);
        break;
      case "resume":
        if (el.stat === "PSUSP") Object.assign(el, { stat: "PEND", eligibleAt: now + sup.latency() });
        else if (run && (el.stat === "USUSP" || el.stat === "SSUSP")) {
          sup.deliver(run, SIG("CONT"));
          el.stat = "RUN";
          sup.log(el, "Resumed by the user or administrator");
        }
        res(true);
        break;
      case "requeue":
        if (pending || !run) {
          res(false, "Job has not started yet");
          break;
        }
        run.requeueAfter = true;
        sup.terminate(run, "TERM_REQUEUE_OWNER");
        res(true);
        break;
      case "hostfail":
        if (pending || !run) {
          res(false, "Job has not started yet");
          break;
        }
        if (req.migrate && !sup.job.rerunnable && !sup.job.checkpointDir) {
          res(false, "Job is not rerunnable or checkpointable; cannot migrate");
          break;
        }
        run.hostFail = true;
        run.killReason = "TERM_HOST";
        if (req.migrate) sup.job.rerunnable = true;
        sup.log(el, req.migrate ? "Migration requested" : "Execution host failed");
        sup.deliver(run, SIG("KILL"));
        res(true);
        break;
    }
  }
  return { results };
}
