// What a job's state says about it: the record `crjob status` prints (and `--format json` emits).
// Pure: the caller reads the files (store.ts) and asks LSF (lsf.ts); this only interprets them.
import type { GenerationMeta, HistoryEvent, LockOwner, Submission } from "./parse.js";

/** Everything read from one state dir (a job, or one element of a job array). */
export interface StateSnapshot {
  dir: string;
  exists: boolean;
  /** Complete generations, newest first. */
  generations: GenerationMeta[];
  /** Generations being written (.gen.N.tmp.PID). */
  partial: number[];
  history: HistoryEvent[];
  origin: string | null;
  requeues: { job: string | null; count: number } | null;
  lock: LockOwner | null;
  /** From `crjob submit` (kept in the job's state root, shared by array elements). */
  submissions: Submission[];
}

export type JobState =
  | "none" // no state at all
  | "submitted" // crjob submit recorded a job that has not started (LSF not asked)
  | "pending" // bjobs: PEND
  | "running"
  | "suspended" // bjobs: PSUSP/USUSP/SSUSP
  | "requeued" // ended with a requeue: LSF reruns it (same job id)
  | "done"
  | "failed"
  | "killed" // bkill/scancel: ended after its final checkpoint, or stopped for good before its end; the next submission resumes
  | "crashed" // no end recorded and its lock owner is gone (node lost, kill -9)
  | "idle" // state but no job on record (e.g. generations copied in)
  | "unknown"; // bjobs says UNKWN

export interface GenerationStatus {
  gen: number;
  /** ISO time it was written, or null. */
  time: string | null;
  ageSeconds: number | null;
  sizeKb: number | null;
  durationSeconds: number | null;
  job: string | null;
  host: string | null;
  origin: string | null;
}

export interface NextSubmission {
  action: "fresh" | "restart" | "error";
  generation: number | null;
  /** Job that holds the state now: a submission now would refuse to share it. */
  blockedBy: string | null;
  text: string;
}

export interface StateStatus {
  state: JobState;
  /** A few words on how the state was decided ("bjobs RUN", "lock owner alive", ...). */
  reason: string;
  jobId: string | null;
  /** STAT from bjobs, or null when bjobs was not asked (not on PATH, no job id). */
  lsfStat: string | null;
  /** ISO time of the last history event. */
  since: string | null;
  lastEvent: string | null;
  generations: GenerationStatus[];
  inProgress: number[];
  lastCheckpoint: GenerationStatus | null;
  /** Counted in history since the last fresh start. */
  checkpoints: number;
  checkpointFailures: number;
  restarts: number;
  requeues: number;
  /** Work lost if the job failed now: seconds since its last checkpoint (or start); null when not running. */
  lostWorkSeconds: number | null;
  next: NextSubmission;
  lock: LockOwner | null;
  lastSubmission: { time: string | null; jobId: string; spec: string | null } | null;
}

export interface Observations {
  /** Epoch ms. */
  now: number;
  /** The spec's mode (auto when only a name is known). */
  mode: "auto" | "fresh" | "restart";
  /** bjobs STAT of `jobId` (the job asked about), "" when bjobs does not know it, null when not asked. */
  lsfStat: string | null;
  /** Whether the lock's owner is alive: true, false, or null when it cannot be told. */
  lockLive: boolean | null;
}

/** The job this state is about now: the newest of the last submission and the last history event. */
export function currentJobId(s: StateSnapshot): string | null {
  const lastEvent = s.history[s.history.length - 1];
  const lastSub = s.submissions[s.submissions.length - 1];
  if (lastSub && (!lastEvent || (lastSub.time ?? 0) >= (lastEvent.time ?? 0) || lastSub.jobId === lastEvent.job)) return lastSub.jobId;
  if (s.lock) return s.lock.job;
  return lastEvent?.job ?? lastSub?.jobId ?? null;
}

/** An event as the history line has it, without time, job and host: "end killed signal=INT ...". */
function eventText(e: HistoryEvent): string {
  return [e.kind, ...e.words, ...Object.entries(e.fields).map(([k, v]) => `${k}=${v}`)].join(" ");
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function generationStatus(g: GenerationMeta, now: number): GenerationStatus {
  return {
    gen: g.gen,
    time: g.time === null ? null : iso(g.time * 1000),
    ageSeconds: g.time === null ? null : Math.max(0, Math.round(now / 1000 - g.time)),
    sizeKb: g.sizeKb,
    durationSeconds: g.duration,
    job: g.job,
    host: g.host,
    origin: g.origin,
  };
}

/** An event after which the run is over: `end ...`, or `requeue ... via=brequeue` (no end follows). */
function isEnd(e: HistoryEvent | null): boolean {
  return !!e && (e.kind === "end" || e.kind === "requeue");
}

/** The state as an end event names it. */
function endState(e: HistoryEvent): JobState {
  if (e.kind === "requeue") return "requeued";
  const what = e.words[0] ?? "";
  if (what === "done") return "done";
  if (what === "killed") return "killed";
  if (what === "requeue") return "requeued";
  return "failed"; // failed, requeue-cap, restart-failed, stage-in-failed, launch-failed, ...
}

/**
 * The stop signal (INT, TERM, QUIT) the job recorded in its last run when that run has no end: a
 * job killed by the scheduler's last word (bkill's KILL after JOB_TERMINATE_INTERVAL, scancel's
 * after KillWait) before its final checkpoint and its end were written. Null otherwise.
 */
function unendedStop(events: HistoryEvent[]): string | null {
  let first: string | null = null; // the script stops on the first of them, as here
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (isEnd(e)) return null;
    if (e.kind === "start") break;
    if (e.kind === "signal" && (e.words[0] === "INT" || e.words[0] === "TERM" || e.words[0] === "QUIT")) first = e.words[0];
  }
  return first;
}

const LIVE_STATS = new Set(["RUN", "PEND", "PSUSP", "USUSP", "SSUSP", "WAIT", "PROV"]);

export function summarizeState(s: StateSnapshot, obs: Observations): StateStatus {
  const now = obs.now;
  const history = s.history;
  const jobId = currentJobId(s);
  const lastEvent = history[history.length - 1] ?? null;
  const jobEvents = jobId === null ? [] : history.filter((e) => e.job === jobId);
  const lastJobEvent = jobEvents[jobEvents.length - 1] ?? null;

  // 1. Counts since the last fresh start (the current lineage).
  let fresh = -1;
  for (let i = history.length - 1; i >= 0; i--) {
    if (history[i].kind === "start" && history[i].words[0] === "fresh") {
      fresh = i;
      break;
    }
  }
  const lineage = history.slice(fresh + 1);
  const count = (pred: (e: HistoryEvent) => boolean) => lineage.filter(pred).length;
  const checkpoints = count((e) => e.kind === "checkpoint");
  const checkpointFailures = count((e) => e.kind === "checkpoint-failed");
  const restarts = count((e) => e.kind === "start" && e.words[0] === "restart");
  // The exit path records `end requeue n=N`; the brequeue path `requeue n=N via=brequeue` (no end).
  const requeues = count((e) => e.kind === "requeue" || (e.kind === "end" && e.words[0] === "requeue"));

  // 2. Running, pending, ended: bjobs first, then the lock and the history.
  let state: JobState;
  let reason: string;
  const stat = obs.lsfStat;
  if (!s.exists) {
    state = "none";
    reason = "no state dir";
  } else if (stat && stat !== "") {
    reason = `bjobs ${stat}`;
    if (stat === "RUN") state = "running";
    else if (stat === "PEND") state = lastJobEvent && isEnd(lastJobEvent) && endState(lastJobEvent) === "requeued" ? "requeued" : "pending";
    else if (stat === "PSUSP" || stat === "USUSP" || stat === "SSUSP") state = "suspended";
    else if (stat === "DONE") state = "done";
    else if (stat === "EXIT") {
      const stop = isEnd(lastJobEvent) ? null : unendedStop(jobEvents);
      state = isEnd(lastJobEvent) ? endState(lastJobEvent!) : stop ? "killed" : "failed";
      if (stop) reason += `; SIG${stop} came and the job was stopped before it recorded its end (its final checkpoint outlasted the scheduler's grace)`;
    }
    else state = "unknown";
  } else if (s.lock && obs.lockLive !== false) {
    state = "running";
    reason = obs.lockLive ? "lock owner alive" : "lock held (owner not verifiable here)";
  } else if (lastEvent && !isEnd(lastEvent) && (!jobId || lastEvent.job === jobId || jobEvents.length > 0)) {
    // Started and never ended: the job died without its EXIT trap (node lost, kill -9), or was
    // stopped for good after a stop signal.
    const stop = unendedStop(jobEvents.length > 0 ? jobEvents : history);
    state = stop ? "killed" : "crashed";
    reason = s.lock ? `lock owner ${s.lock.job} on ${s.lock.host} is gone` : "no end recorded";
    if (stop) reason += ` after SIG${stop}`;
  } else if (jobId && jobEvents.length === 0 && s.submissions.some((x) => x.jobId === jobId)) {
    state = stat === "" ? "unknown" : "submitted";
    reason = stat === "" ? `bjobs does not know job ${jobId}, and it never started` : "submitted, not started yet";
  } else if (lastEvent && isEnd(lastEvent)) {
    state = endState(lastEvent);
    reason = `history: ${eventText(lastEvent)}`;
  } else {
    state = "idle";
    reason = "no job on record";
  }

  // 3. Generations, the last checkpoint, and what is at risk.
  const generations = s.generations.map((g) => generationStatus(g, now));
  const lastCheckpoint = generations[0] ?? null;
  let lostWorkSeconds: number | null = null;
  if (state === "running") {
    let lastStart: number | null = null;
    for (let i = history.length - 1; i >= 0; i--) {
      if (history[i].kind === "start") {
        lastStart = history[i].time;
        break;
      }
    }
    const ckpt = s.generations[0]?.time != null ? s.generations[0].time! * 1000 : null;
    const since = Math.max(lastStart ?? -Infinity, ckpt ?? -Infinity);
    if (Number.isFinite(since)) lostWorkSeconds = Math.max(0, Math.round((now - since) / 1000));
  }

  // 4. What `bsub` of the script would do now (the script decides the same way; see main.hbs).
  const live = state === "running" || state === "pending" || state === "suspended" || state === "requeued" || state === "submitted";
  const blockedBy = live ? (s.lock?.job ?? jobId) : null;
  const newest = s.generations[0]?.gen ?? null;
  let next: NextSubmission;
  if (obs.mode === "fresh") {
    next = { action: "fresh", generation: null, blockedBy, text: "fresh start (mode fresh; older generations are removed after its first checkpoint)" };
  } else if (newest !== null) {
    next = { action: "restart", generation: newest, blockedBy, text: `restart from generation ${newest}` };
  } else if (obs.mode === "restart") {
    next = { action: "error", generation: null, blockedBy, text: "fails: mode restart, but there is no checkpoint" };
  } else {
    next = { action: "fresh", generation: null, blockedBy, text: "fresh start" };
  }
  if (blockedBy) next.text += ` — but job ${blockedBy} holds this state now (a second job refuses to run)`;

  const sub = s.submissions[s.submissions.length - 1];
  return {
    state,
    reason,
    jobId,
    lsfStat: stat === "" ? null : stat,
    since: iso(lastEvent?.time ?? null),
    lastEvent: lastEvent ? eventText(lastEvent) : null,
    generations,
    inProgress: s.partial,
    lastCheckpoint,
    checkpoints,
    checkpointFailures,
    restarts,
    requeues,
    lostWorkSeconds,
    next,
    lock: s.lock,
    lastSubmission: sub ? { time: iso(sub.time), jobId: sub.jobId, spec: sub.spec } : null,
  };
}

/** bjobs STATs that mean the job is still in LSF's hands. */
export function isLiveStat(stat: string | null): boolean {
  return stat !== null && LIVE_STATS.has(stat);
}

/** The story of a run from its history, e.g. "fresh → checkpoint 1 → killed (INT) → restart gen 2 → done". */
export function storyOf(events: readonly HistoryEvent[]): string {
  const parts: string[] = [];
  for (const e of events) {
    if (e.kind === "start") parts.push(e.words[0] === "restart" ? `resume from gen ${e.fields.gen ?? "?"} (job ${e.job})` : `fresh start (job ${e.job})`);
    else if (e.kind === "checkpoint") parts.push(`checkpoint ${e.fields.gen ?? "?"}`);
    else if (e.kind === "checkpoint-failed") parts.push(`checkpoint ${e.fields.gen ?? "?"} failed`);
    else if (e.kind === "requeue") parts.push(`requeue ${e.fields.n ?? "?"} (brequeue)`);
    else if (e.kind === "end") {
      const what = e.words[0] ?? "?";
      if (what === "killed") parts.push(`killed (SIG${e.fields.signal ?? "?"}, gen ${e.fields.gen ?? "?"})`);
      else if (what === "requeue") parts.push(`requeue ${e.fields.n ?? "?"} (exit ${e.fields.status ?? "?"})`);
      else parts.push(`${what} (exit ${e.fields.status ?? "?"})`);
    }
  }
  // Runs of checkpoints read better folded: "checkpoints 1–4".
  const folded: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const m = /^checkpoint (\d+)$/.exec(parts[i]);
    if (!m) {
      folded.push(parts[i]);
      continue;
    }
    let j = i;
    while (j + 1 < parts.length && /^checkpoint \d+$/.test(parts[j + 1])) j++;
    folded.push(j > i ? `checkpoints ${m[1]}–${parts[j].split(" ")[1]}` : parts[i]);
    i = j;
  }
  return folded.join(" → ");
}
