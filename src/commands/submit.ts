// `crjob submit SPEC... [--dry-run] [--site F] [--mode M] [-- bsub/sbatch options...]`: render each
// spec in memory and pipe the script into bsub (as `bsub < script`), or on a Slurm site (flavour
// slurm) into `sbatch --parsable`, print the job id, record it in the job's state dir for `crjob status`.
import { relative, resolve } from "node:path";
import { childProcess } from "../builtins.js";
import type { Diagnostic } from "../diagnostics.js";
import { SpecError, UserError } from "../errors.js";
import { renderJob } from "../index.js";
import type { JobModel } from "../model.js";
import { shellQuote } from "../render/quote.js";
import type { Mode } from "../jobspec/types.js";
import { findOnPath } from "../state/lsf.js";
import { expandStateDir, recordSubmission, userHome } from "../state/store.js";
import { resolveSite, resolveTemplates } from "./context.js";
import { readInput } from "./io.js";
import { err, out, printDiagnostics } from "../output.js";

export interface SubmitOptions {
  specs: string[];
  dryRun?: boolean;
  site?: string;
  mode?: Mode;
  templates?: string;
  /** Options for bsub (after `--`); they win over the script's #BSUB lines. */
  bsubArgs?: string[];
}

interface Prepared {
  spec: string;
  script: string;
  job: JobModel;
  stateDir: string;
}

/** `Job <1234> is submitted to queue <normal>.` → "1234" */
export function parseJobId(stdout: string): string | null {
  return /Job <(\d+)> is submitted/.exec(stdout)?.[1] ?? null;
}

/** `sbatch --parsable` prints "1234" or "1234;cluster" → "1234" */
export function parseSbatchJobId(stdout: string): string | null {
  return /^(\d+)(?:;\S*)?\s*$/m.exec(stdout.trim())?.[1] ?? null;
}

/** The command line as a user would type it. */
export function bsubCommandLine(args: readonly string[], spec: string, command: "bsub" | "sbatch" = "bsub"): string {
  const words = command === "sbatch" ? ["sbatch", "--parsable", ...args] : ["bsub", ...args];
  return [words[0], ...words.slice(1).map(shellQuote)].join(" ") + ` < <script of ${spec}>`;
}

export async function submitCommand(opts: SubmitOptions): Promise<number> {
  const bsubArgs = opts.bsubArgs ?? [];
  const cwd = process.cwd();

  // 1. Render every spec first: one invalid spec, and nothing is submitted.
  const diagnostics: Diagnostic[] = [];
  const prepared: Prepared[] = [];
  for (const spec of opts.specs) {
    try {
      const source = readInput(spec);
      const site = resolveSite(spec, opts.site);
      const { script, job, diagnostics: ds } = renderJob(source, spec, {
        site,
        mode: opts.mode,
        templates: resolveTemplates(opts.templates, site),
        displayName: relative(cwd, resolve(spec)) || spec,
      });
      diagnostics.push(...ds);
      prepared.push({ spec, script, job, stateDir: expandStateDir(job.stateDir, userHome(), cwd) });
    } catch (e) {
      if (e instanceof SpecError) diagnostics.push(...e.diagnostics);
      else throw e;
    }
  }
  printDiagnostics(diagnostics);
  if (diagnostics.some((d) => d.severity === "error")) return 1;

  // 2. --dry-run: the scripts on stdout, the commands on stderr; nothing submitted or recorded.
  if (opts.dryRun) {
    for (const p of prepared) {
      out(p.script);
      err(`crjob: dry run, not submitted: ${bsubCommandLine(bsubArgs, p.spec, p.job.submitCommand)} (in ${cwd}; state ${p.stateDir})\n`);
    }
    return 0;
  }

  // 3. Submit, one after the other; stop at the first refusal (a bad queue fails them all alike).
  for (const command of new Set(prepared.map((p) => p.job.submitCommand))) {
    if (findOnPath(command)) continue;
    throw new UserError(
      command === "sbatch"
        ? "sbatch not found on PATH: is Slurm set up here (the site profile says flavour slurm)? `crjob submit --dry-run` shows the script without submitting"
        : "bsub not found on PATH: is LSF set up here (source its profile.lsf)? `crjob submit --dry-run` shows the script without submitting",
    );
  }
  for (const p of prepared) {
    const command = p.job.submitCommand;
    const args = command === "sbatch" ? ["--parsable", ...bsubArgs] : bsubArgs;
    const r = childProcess().spawnSync(command, args, { input: p.script, encoding: "utf8", cwd, env: process.env });
    if (r.error) throw new UserError(`${p.spec}: cannot run ${command}: ${r.error.message}`);
    const said = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
    const jobId = r.status === 0 ? (command === "sbatch" ? parseSbatchJobId(r.stdout ?? "") : parseJobId(r.stdout ?? "")) : null;
    if (jobId === null) {
      const why = r.status === 0 ? `${command} printed no job id` : `${command} exited ${r.status ?? `on signal ${r.signal}`}`;
      const hint = command === "bsub" && /illegal option/.test(said)
        ? `\n(the script was rendered for LSF flavour ${p.job.flavour}; if this cluster runs the other one, set flavour in the site profile)`
        : "";
      throw new UserError(`${p.spec}: not submitted (${why}): ${said || "(no message)"}${hint}`);
    }
    try {
      recordSubmission(p.stateDir, { time: Date.now(), jobId, spec: resolve(p.spec) });
    } catch (e) {
      err(`crjob: warning: job ${jobId} is submitted, but it could not be recorded in ${p.stateDir}: ${(e as Error).message}\n`);
    }
    out(`${jobId}\n`);
    const told = command === "sbatch" ? `Submitted batch job ${jobId}` : said.split("\n").pop();
    err(`crjob: ${p.spec}: ${told} (job ${p.job.name}; state ${p.stateDir})\n`);
  }
  return 0;
}
