// `crjob init [NAME]`: a commented starter spec that validates as written.
import { existsSync, linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { UserError } from "../errors.js";
import { hasErrors } from "../diagnostics.js";
import { DEFAULTS, defaultLsfOutput } from "../jobspec/defaults.js";
import { DEFAULT_STATE_ROOT } from "../jobspec/paths.js";
import { NAME_PATTERN } from "../jobspec/schema.js";
import { findSitePath, loadSite } from "../jobspec/site.js";
import { out } from "../output.js";

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
  out(`Wrote ${shown}. Edit it, then: crjob validate ${shown}\n`);
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

const COMMENT_COLUMN = 31;

/** "text   # comment", comments aligned. */
function line(text: string, comment?: string): string {
  return comment === undefined ? text : `${text.padEnd(COMMENT_COLUMN - 1)} # ${comment}`;
}

export function starterSpec(o: { name: string; queue: string; blcr: boolean; siteNote: string | null }): string {
  const n = o.name;
  const tool = o.blcr
    ? [
        line("  tool: blcr", "blcr | dmtcp | app (the app writes its own checkpoints) | none"),
        line("  interval: 12h", "90s, 30m, 12h, 1d, or auto; below 1m only for testing"),
      ]
    : [
        line("  tool: none", "blcr | dmtcp | app | none (no queue in the site profile has BLCR)"),
        line("  # interval: 12h", "90s, 30m, 12h, 1d, or auto; not used with tool none"),
      ];
  return [
    `# crjob job spec. Check it:  crjob validate ${n}.yaml`,
    `# Then:  crjob render ${n}.yaml -o run.${n}  &&  bsub < run.${n}`,
    "# Commented-out fields show their defaults. Editor completion: crjob schema > crjob.schema.json",
    '# and put "# yaml-language-server: $schema=crjob.schema.json" on the first line.',
    "",
    line(`name: ${yamlString(n)}`, "job name (#BSUB -J) and the key of its checkpoint state"),
    line(`queue: ${o.queue}`, `LSF queue (#BSUB -q)${o.siteNote ? `, from ${o.siteNote}` : ""}`),
    line(`# slots: ${DEFAULTS.slots}`, "#BSUB -n"),
    line(`# mode: ${DEFAULTS.mode}`, "auto: restart from this job's checkpoint if there is one | fresh | restart"),
    line('# array: "1-100%10"', "job array: indices, at most 10 running at once"),
    "",
    "app:",
    line("  command: ./myapp", "program to run in the work dir"),
    line("  # args: []", "each entry is exactly one argument, passed verbatim"),
    line(`  # output: ${n}.out`, "the app's stdout and stderr in the work dir, kept whole across restarts"),
    line("  # env: {}", 'variables for the app, e.g. OMP_NUM_THREADS: "4"'),
    line("  # restart_command: ./myapp", "tool app: run instead of command when resuming"),
    line("  # restart_args: []", "tool app: used instead of args when resuming"),
    "",
    "# stage:",
    line("#   in: []", "copied from the submit dir into the work dir before a fresh start"),
    line("#   out: []", 'copied back to the submit dir when the job ends, e.g. [context, "results/*"]'),
    "",
    "checkpoint:",
    ...tool,
    line(`  # dir: ${DEFAULT_STATE_ROOT}/${n}`, "checkpoints and job state (keep it off scratch)"),
    line(`  # keep: ${DEFAULTS.keep}`, "checkpoint generations kept"),
    line(`  # keep_on_success: ${DEFAULTS.keepOnSuccess}`, "keep the checkpoints after the app succeeds"),
    line(`  # restore_pid: ${DEFAULTS.restorePid}`, "blcr: auto | always | never"),
    line("  # mtbf: 3d", "interval auto: mean time between failures"),
    line("  # files: []", "tool app: the checkpoint files the app writes"),
    line("  # signal: USR1", "tool app: signal that makes the app write them"),
    line("  # ready:", "tool app: when the files are complete"),
    line("  #   marker: state.done", "a file the app creates when it has written them, or"),
    line("  #   stable: 10s", "their sizes unchanged this long"),
    line(`  #   timeout: ${DEFAULTS.readyTimeout}`, "then give up and keep the previous generation"),
    "",
    line(`# scratch: ${DEFAULTS.scratch}`, "the job runs in <scratch>/$LSB_JOBID (default: site profile)"),
    "",
    "# lsf:",
    line(`#   output: ${defaultLsfOutput(n, false)}`, "#BSUB -o (%J job id, %I array index)"),
    line(`#   error: ${n}.%J.err`, "#BSUB -e"),
    line("#   runlimit: 24h", "#BSUB -W; crjob checkpoints before it and requeues the job"),
    line('#   resources: "rusage[mem=4000]"', "#BSUB -R"),
    line("#   extra: []", 'more bsub options, one per entry, e.g. ["-M 4000", "-P myproject"]'),
    line(`#   rerunnable: ${DEFAULTS.rerunnable}`, "#BSUB -r: rerun (and resume) when the host is lost"),
    line(`#   requeue: ${DEFAULTS.requeue}`, "auto | exit | brequeue | none (Slurm: auto = scontrol requeue)"),
    line(`#   requeue_exit: ${DEFAULTS.requeueExit}`, "exit code that requeues the job at its run limit"),
    line(`#   max_requeues: ${DEFAULTS.maxRequeues}`, "stop requeueing after this many"),
    line("#   warning:", "before the run limit (IBM LSF: -wa/-wt; OpenLava: crjob's own timer)"),
    line("#     signal: USR1"),
    line("#     before: 10m"),
    "# slurm:",
    line('#   extra: ["--mem=4000"]', "sbatch options (flavour slurm; LSF ignores them), instead of resources/extra above"),
    "",
  ].join("\n");
}
