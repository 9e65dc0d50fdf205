// `crjob clean NAME|SPEC [--yes]`: remove a job's state dir (its checkpoints, history, lock) after
// confirmation. Refuses while a live job holds the state, and anything that is not a crjob state.
import { readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { readline } from "../builtins.js";
import { UserError } from "../errors.js";
import { bjobsStat, lockOwnerLive } from "../state/lsf.js";
import { elementIndexes, looksLikeState, readSnapshot, userHome } from "../state/store.js";
import { currentJobId, isLiveStat } from "../state/summary.js";
import { resolveTarget } from "../state/target.js";
import { formatSize } from "./status.js";
import { err } from "../output.js";

export interface CleanOptions {
  target: string;
  yes?: boolean;
  site?: string;
}

function duKb(path: string): number {
  let total = 0;
  const walk = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    total += st.blocks !== undefined ? st.blocks / 2 : st.size / 1024;
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(path);
  return Math.round(total);
}

async function ask(question: string): Promise<boolean> {
  const rl = readline().createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((res) => {
      rl.question(question, res);
      rl.once("close", () => res(""));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export async function cleanCommand(opts: CleanOptions): Promise<number> {
  const t = resolveTarget(opts.target, { site: opts.site });
  const root = t.root;
  let exists = false;
  try {
    exists = statSync(root).isDirectory();
  } catch {
    exists = false;
  }
  if (!exists) {
    err(`crjob: ${t.name}: no state in ${root}; nothing to clean\n`);
    return 0;
  }
  // 1. Only ever a crjob state dir: checkpoint.dir could be a typo for a directory that matters.
  const home = resolve(userHome());
  if (root === "/" || root === home || resolve(root) === dirname(home) || !looksLikeState(root)) {
    throw new UserError(`${root} does not look like the state dir of a crjob job (no history, generations or lock); not removing it`);
  }

  // 2. Not while a job uses it: a lock owned by a live job, or the last submission still in LSF.
  // The dir itself and, for a job array, each element's dir (each has its own lock).
  const dirs = [root, ...elementIndexes(root).map((i) => join(root, String(i)))];
  let generations = 0;
  for (const dir of dirs) {
    const index = dir === root ? null : Number(dir.slice(root.length + 1));
    const snap = readSnapshot(dir, root);
    generations += snap.generations.length;
    if (snap.lock) {
      const live = lockOwnerLive(snap.lock, process.env, index);
      if (live !== false) {
        const who = `job ${snap.lock.job} on ${snap.lock.host}${snap.lock.pid ? ` (pid ${snap.lock.pid})` : ""}`;
        throw new UserError(
          live
            ? `${t.name}: ${who} holds its state (${dir}); not removing it while the job runs (bkill it first)`
            : `${t.name}: ${who} holds its state (${dir}) and crjob cannot tell from here whether it still runs; check with bjobs, then remove ${join(dir, "lock")} if it is gone`,
        );
      }
    }
    const jobId = currentJobId(snap);
    if (jobId !== null) {
      const stat = bjobsStat(index === null ? jobId : `${jobId}[${index}]`);
      if (isLiveStat(stat)) throw new UserError(`${t.name}: job ${jobId} is ${stat} in LSF; not removing its state (bkill it first)`);
    }
  }

  // 3. Confirm: --yes, or y on a terminal; never by default.
  const what = `${root} (${generations} generation(s), ${formatSize(duKb(root))})`;
  if (!opts.yes) {
    if (!process.stdin.isTTY) {
      throw new UserError(`not removing ${what} without confirmation: not a terminal; use --yes`);
    }
    if (!(await ask(`Remove the state of job ${t.name}: ${what}? [y/N] `))) {
      err("crjob: nothing removed\n");
      return 1;
    }
  }

  // 4. Out of the way in one rename (a half-removed state is never taken for a job's), then removed.
  const trash = `${root}.crjob-clean-${process.pid}`;
  renameSync(root, trash);
  rmSync(trash, { recursive: true, force: true });
  err(`crjob: removed ${what}\n`);
  return 0;
}
