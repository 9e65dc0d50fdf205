// yargs wiring only: argv → options object → lazy import of one command. The one try/catch.
// Plain `render`/`validate` command lines skip yargs (quick-argv.ts, which knows their options: keep
// it in step with them below); yargs is loaded only for everything else, and reports all errors.
import type { Argv } from "yargs";
import type { RenderCommandOptions } from "./commands/render.js";
import type { ValidateOptions } from "./commands/validate.js";
import { SpecError, UsageError, UserError } from "./errors.js";
import { formatDiagnostic } from "./diagnostics.js";
import { quickArgs } from "./quick-argv.js";
import { VERSION } from "./version.js";

const MODES = ["auto", "fresh", "restart"] as const;

async function render(opts: RenderCommandOptions): Promise<void> {
  const { renderCommand } = await import("./commands/render.js");
  process.exitCode = await renderCommand(opts);
}

async function validate(opts: ValidateOptions): Promise<void> {
  const { validateCommand } = await import("./commands/validate.js");
  process.exitCode = await validateCommand(opts);
}

async function commandLine(argv: string[]): Promise<Argv> {
  const { default: yargs } = await import("yargs");
  return yargs(argv)
    .scriptName("crjob")
    .usage("$0 <command> [options]\n\nCheckpointed LSF batch jobs from a validated YAML spec.")
    .command(
      "render <specs..>",
      "render job specs into bsub scripts",
      (y) =>
        y
          .positional("specs", { type: "string", array: true, demandOption: true, describe: "job spec files (YAML)" })
          .option("o", { alias: "output", type: "string", describe: "write the script to FILE (atomically, mode 0755)" })
          .option("outdir", { type: "string", describe: "write <name>.sh for each spec into DIR" })
          .option("mode", { choices: MODES, describe: "override the spec's mode" })
          .option("site", { type: "string", describe: "site profile (default: $CRJOB_SITE, else crjob.site.yaml above the spec)" })
          .option("templates", { type: "string", describe: "directory of template overrides" })
          .option("force", { type: "boolean", describe: "overwrite a file crjob did not generate" })
          .option("check", { type: "boolean", describe: "exit 1 naming scripts that are stale or hand-edited; write nothing" })
          .example("$0 render jobs/stars.yaml -o run.stars", "then: bsub < run.stars")
          .example("$0 render jobs/*.yaml --outdir scripts/", "one <name>.sh per spec")
          .example("$0 render --check jobs/*.yaml --outdir scripts/", "in CI or pre-commit"),
      (a) =>
        render({
          specs: a.specs as string[],
          output: a.o,
          outdir: a.outdir,
          mode: a.mode,
          site: a.site,
          templates: a.templates,
          force: a.force,
          check: a.check,
        }),
    )
    .command(
      "validate <specs..>",
      "check job specs; print every problem as file:line:col",
      (y) =>
        y
          .positional("specs", { type: "string", array: true, demandOption: true })
          .option("format", { choices: ["text", "json"] as const, default: "text" as const })
          .option("site", { type: "string", describe: "site profile" })
          .example("$0 validate jobs/*.yaml", "exit 1 if any spec has an error"),
      (a) => validate({ specs: a.specs as string[], format: a.format, site: a.site }),
    )
    .command(
      "init [name]",
      "write <name>.yaml, a commented starter spec",
      (y) => y.positional("name", { type: "string" }).example("$0 init stars", "writes stars.yaml"),
      async (a) => {
        const { initCommand } = await import("./commands/init.js");
        process.exitCode = await initCommand({ name: a.name, cwd: process.cwd() });
      },
    )
    .command(
      "schema",
      "print the spec's JSON Schema",
      (y) => y.example("$0 schema > crjob.schema.json", "then: # yaml-language-server: $schema=crjob.schema.json"),
      async () => {
        const { schemaCommand } = await import("./commands/schema.js");
        process.exitCode = await schemaCommand();
      },
    )
    .command(
      "submit <specs..>",
      "render job specs and submit them with bsub (as `bsub < script`), or sbatch on a Slurm site; print the job ids",
      (y) =>
        y
          .positional("specs", { type: "string", array: true, demandOption: true, describe: "job spec files (YAML)" })
          .option("dry-run", { type: "boolean", describe: "print the script and the bsub/sbatch command; submit nothing" })
          .option("mode", { choices: MODES, describe: "override the spec's mode" })
          .option("site", { type: "string", describe: "site profile (default: $CRJOB_SITE, else crjob.site.yaml above the spec)" })
          .option("templates", { type: "string", describe: "directory of template overrides" })
          .example("$0 submit jobs/stars.yaml", "prints the job id; `crjob status stars` follows it")
          .example("$0 submit jobs/stars.yaml -- -q short -P myproj", "bsub options after --; they win over #BSUB lines")
          .example("$0 submit --dry-run jobs/stars.yaml", "the script on stdout, the bsub command on stderr")
          .example("$0 submit jobs/stars.yaml --site slurm.yaml -- --account=proj", "flavour slurm: sbatch --parsable, its options after --"),
      async (a) => {
        const { submitCommand } = await import("./commands/submit.js");
        process.exitCode = await submitCommand({
          specs: a.specs as string[],
          dryRun: a["dry-run"],
          mode: a.mode,
          site: a.site,
          templates: a.templates,
          bsubArgs: ((a["--"] as unknown[] | undefined) ?? []).map(String),
        });
      },
    )
    .command(
      "status [jobs..]",
      "how jobs are doing, from their checkpoint state (and bjobs, or scontrol on Slurm)",
      (y) =>
        y
          .positional("jobs", { type: "string", array: true, describe: "job spec files or job names (default: every job with state)" })
          .option("format", { choices: ["text", "json"] as const, default: "text" as const, describe: "a table for people, or JSON: one object per job (array element)" })
          .option("site", { type: "string", describe: "site profile (its state_root)" })
          .example("$0 status stars", "state, job id, generations, lost-work bound, what the next bsub does")
          .example("$0 status jobs/stars.yaml --format json", "the same for scripts (fields: docs/workflow.md)"),
      async (a) => {
        const { statusCommand } = await import("./commands/status.js");
        process.exitCode = await statusCommand({ targets: (a.jobs as string[] | undefined) ?? [], format: a.format, site: a.site });
      },
    )
    .command(
      "run <spec>",
      "try a job here through an LSF emulator (--local; LSF only: for Slurm, scripts/slurm-cluster.sh runs a real one-host Slurm): fresh, checkpoint, kill, resume, done",
      (y) =>
        y
          .positional("spec", { type: "string", demandOption: true, describe: "job spec file" })
          .option("local", { type: "boolean", describe: "run here, through the LSF emulator (required)" })
          .option("interval", { type: "string", describe: "checkpoint interval for the try-run", default: "5s" })
          .option("kill-after", { type: "string", describe: "bkill the job this long after it starts, then submit it again" })
          .option("limit", { type: "string", describe: "run limit, emulated (LSF minutes scaled to fit)" })
          .option("flavour", { choices: ["ibm", "openlava"] as const, describe: "LSF to emulate (default: the site profile's)" })
          .option("checkpoint", { type: "boolean", default: true, describe: "--no-checkpoint: run with checkpoint.tool none when the checkpointer is not installed here" })
          .option("site", { type: "string", describe: "site profile" })
          .option("keep", { type: "boolean", describe: "keep the temp dir (emulator home, LSF logs, state, scratch)" })
          .option("timeout", { type: "string", default: "1h", describe: "give up (and kill the job) after this long" })
          .example("$0 run --local stars.yaml --kill-after 10s", "fresh → checkpoints → bkill → resubmit → resume → done")
          .example("$0 run --local stars.yaml --limit 30s", "run limit → final checkpoint → requeue → resume"),
      async (a) => {
        const { runLocalCommand } = await import("./commands/run-local.js");
        process.exitCode = await runLocalCommand({
          spec: a.spec as string,
          local: !!a.local,
          interval: a.interval,
          killAfter: a["kill-after"],
          limit: a.limit,
          flavour: a.flavour,
          checkpoint: a.checkpoint,
          site: a.site,
          keep: a.keep,
          timeout: a.timeout,
        });
      },
    )
    .command(
      "clean <job>",
      "remove a job's checkpoint state after confirmation",
      (y) =>
        y
          .positional("job", { type: "string", demandOption: true, describe: "job name or spec file" })
          .option("yes", { alias: "y", type: "boolean", describe: "do not ask (needed without a terminal)" })
          .option("site", { type: "string", describe: "site profile (its state_root)" })
          .example("$0 clean stars", "asks, then removes ~/.crjob/stars (refused while the job runs)")
          .example("$0 clean jobs/stars.yaml --yes", "in scripts"),
      async (a) => {
        const { cleanCommand } = await import("./commands/clean.js");
        process.exitCode = await cleanCommand({ target: a.job as string, yes: a.yes, site: a.site });
      },
    )
    .demandCommand(1, "name a command")
    // `crjob submit SPEC -- -q short`: the words after -- are bsub's (argv["--"]).
    .parserConfiguration({ "populate--": true })
    .strict()
    .version(VERSION)
    .help()
    .alias("h", "help")
    .wrap(Math.min(100, process.stdout.columns || 100))
    .epilogue("Exit codes: 0 ok, 1 invalid spec or other error, 2 wrong command line.")
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
}

export async function main(argv: string[]): Promise<void> {
  try {
    const quick = quickArgs(argv);
    if (quick?.command === "render") await render(quick.options);
    else if (quick?.command === "validate") await validate(quick.options);
    else await (await commandLine(argv)).parseAsync();
  } catch (e) {
    if (e instanceof SpecError) {
      for (const d of e.diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
      process.exitCode = e.exitCode;
    } else if (e instanceof UserError) {
      process.stderr.write(`crjob: ${e.message}\n`);
      if (e instanceof UsageError) process.stderr.write("Run 'crjob --help' for usage.\n");
      process.exitCode = e.exitCode;
    } else {
      process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
      process.stderr.write("crjob: internal error; this is a bug. Please report it with the command line and the spec.\n");
      process.exitCode = 70;
    }
  }
}

// As yargs' hideBin() for node (not a bundled Electron app): the words after the script.
// Not a top-level await: the build bundles this as one script (compiled code cached, see scripts/build.mjs).
void main(process.argv.slice(2));
