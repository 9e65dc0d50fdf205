// `crjob init [NAME]`: a commented starter spec that validates as written.
import { existsSync, linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { UserError } from "../errors.js";
import { hasErrors } from "../diagnostics.js";
import { NAME_PATTERN } from "../spec/schema.js";
import { findSitePath, loadSite } from "../spec/site.js";

export interface InitOptions {
  name?: string;
  cwd: string;
}

export async function initCommand(opts: InitOptions): Promise<number> {
  // 1. The name: "stars" and "stars.yaml" both mean stars.yaml.
  const name = (opts.name ?? "job").replace(/\.ya?ml$/, "");
  if (!new RegExp(NAME_PATTERN).test(name)) {
    throw new UserError(
      `invalid job name ${JSON.stringify(name)}: use letters, digits, "_", "." and "-", starting with a letter or digit (${NAME_PATTERN})`,
    );
  }
  const target = path.join(opts.cwd, `${name}.yaml`);
  const shown = path.relative(process.cwd(), target) || target;
  if (existsSync(target)) throw new UserError(`${shown} already exists; not overwriting it (pick another name or remove the file)`);

  // 2. A queue the site profile knows, so the starter validates there too.
  const text = starterSpec({ name, ...pickQueue(opts.cwd) });

  // 3. Write atomically, and never over a file that appeared meanwhile (link fails on EEXIST).
  const tmp = path.join(opts.cwd, `.${name}.yaml.${process.pid}.tmp`);
  writeFileSync(tmp, text, { flag: "wx" });
  try {
    linkSync(tmp, target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new UserError(`${shown} already exists; not overwriting it`);
    if (existsSync(target)) throw new UserError(`${shown} already exists; not overwriting it`);
    renameSync(tmp, target); // a filesystem without hard links
  } finally {
    if (existsSync(tmp)) unlinkSync(tmp);
  }
  process.stdout.write(`Wrote ${shown}. Edit it, then: crjob validate ${shown}\n`);
  return 0;
}

function pickQueue(cwd: string): { queue: string; blcr: boolean; siteNote: string | null } {
  const fallback = { queue: "normal", blcr: true, siteNote: null };
  const sitePath = findSitePath({ env: process.env, specFile: path.join(cwd, "x.yaml"), exists: existsSync });
  if (sitePath === null || !existsSync(sitePath)) return fallback;
  let site;
  try {
    site = loadSite(readFileSync(sitePath, "utf8"), sitePath);
  } catch {
    return fallback;
  }
  const queues = Object.entries(site.data.queues ?? {});
  if (hasErrors(site.diagnostics) || queues.length === 0) return fallback;
  const withBlcr = queues.find(([, q]) => q.blcr);
  const [queue] = withBlcr ?? queues[0]!;
  return { queue, blcr: withBlcr !== undefined, siteNote: path.relative(cwd, sitePath) || sitePath };
}

/** YAML would read some names (123, true, null) as other types: quote those. */
function yamlString(s: string): string {
  return parse(s) === s ? s : JSON.stringify(s);
}

export function starterSpec(o: { name: string; queue: string; blcr: boolean; siteNote: string | null }): string {
  const n = o.name;
  const tool = o.blcr
    ? "  tool: blcr                   # blcr | dmtcp | app (the app writes its own checkpoints) | none\n  interval: 12h                # 90s, 30m, 12h, 1d, or auto; below 1m only for testing\n"
    : "  tool: none                   # blcr | dmtcp | app | none (no queue in the site profile has BLCR)\n  # interval: 12h              # 90s, 30m, 12h, 1d, or auto; not used with tool none\n";
  return `# crjob job spec. Check it:  crjob validate ${n}.yaml
# Then:  crjob render ${n}.yaml -o run.${n}  &&  bsub < run.${n}
# Commented-out fields show their defaults. Editor completion: crjob schema > crjob.schema.json
# and put "# yaml-language-server: $schema=crjob.schema.json" on the first line.

name: ${yamlString(n)}${" ".repeat(Math.max(1, 24 - yamlString(n).length))}# job name (#BSUB -J) and the key of its checkpoint state
queue: ${o.queue}${" ".repeat(Math.max(1, 23 - o.queue.length))}# LSF queue (#BSUB -q)${o.siteNote ? `, from ${o.siteNote}` : ""}
# slots: 1                     # #BSUB -n
# mode: auto                   # auto: restart from this job's checkpoint if there is one | fresh | restart
# array: "1-100%10"            # job array: indices, at most 10 running at once

app:
  command: ./myapp             # program to run in the work dir
  # args: []                   # each entry is exactly one argument, passed verbatim
  # output: ${n}.out${" ".repeat(Math.max(1, 14 - n.length))}# the app's stdout and stderr in the work dir, kept whole across restarts
  # env: {}                    # variables for the app, e.g. OMP_NUM_THREADS: "4"
  # restart_command: ./myapp   # tool app: run instead of command when resuming
  # restart_args: []           # tool app: used instead of args when resuming

# stage:
#   in: []                     # copied from the submit dir into the work dir before a fresh start
#   out: []                    # copied back to the submit dir when the job ends, e.g. [context, "results/*"]

checkpoint:
${tool}  # dir: $HOME/.crjob/${n}${" ".repeat(Math.max(1, 12 - n.length))}# checkpoints and job state (keep it off scratch)
  # keep: 2                    # checkpoint generations kept
  # keep_on_success: false     # keep the checkpoints after the app succeeds
  # restore_pid: auto          # blcr: auto | always | never
  # mtbf: 3d                   # interval auto: mean time between failures
  # files: []                  # tool app: the checkpoint files the app writes
  # signal: USR1               # tool app: signal that makes the app write them
  # ready: { marker: state.done, timeout: 10m }   # tool app: when they are complete

# scratch: /sanscratch         # the job runs in <scratch>/$LSB_JOBID (default: site profile)

# lsf:
#   output: ${n}.%J.out${" ".repeat(Math.max(1, 15 - n.length))}# #BSUB -o (%J job id, %I array index)
#   error: ${n}.%J.err${" ".repeat(Math.max(1, 16 - n.length))}# #BSUB -e
#   runlimit: 24h              # #BSUB -W; crjob checkpoints before it and requeues the job
#   resources: "rusage[mem=4000]"
#   extra: []                  # more bsub options, one per entry, e.g. ["-M 4000", "-P myproject"]
#   rerunnable: false          # #BSUB -r: rerun (and resume) when the host is lost
#   requeue: auto              # auto | exit | brequeue | none
#   requeue_exit: 99           # exit code that requeues the job at its run limit
#   max_requeues: 10           # stop requeueing after this many
#   warning: { signal: USR1, before: 10m }
`;
}
