// Every command and option of the command line, declared once. Two readers: quick-argv.ts parses
// the plain command lines from it without loading yargs (start-up time: crjob runs in save hooks,
// pre-commit and scripts), and cli-yargs.ts builds the yargs commands from it (help, and every
// error). A new option goes here, and its command's handler in cli.ts reads it by its long name.

/** `crjob run` without --local: a usage error, said before the try-run's code is loaded (cli.ts). */
export const RUN_NEEDS_LOCAL =
  "crjob run needs --local (it runs the job here, through an LSF emulator); to run on the cluster: crjob submit";

export interface OptionSpec {
  /** Long name, without "--"; the key the handler reads ("kill-after"). */
  name: string;
  /** One-letter alias, without "-". */
  alias?: string;
  type: "string" | "boolean";
  choices?: readonly string[];
  default?: string | boolean;
  describe?: string;
}

export interface PositionalSpec {
  name: string;
  /** `<specs..>`: one or more words (with `required`), or `[jobs..]`: any number. */
  array?: boolean;
  required?: boolean;
  describe?: string;
}

export interface CommandSpec {
  name: string;
  describe: string;
  positional?: PositionalSpec;
  options: readonly OptionSpec[];
  examples: readonly (readonly [string, string])[];
  /** Words after `--` go to the command (as args["--"]), e.g. bsub options for submit. */
  passThrough?: boolean;
}

/** What a command's handler gets: positional and options by long name, `--` words under "--". */
export type CommandArgs = Record<string, unknown>;

export const MODES = ["auto", "fresh", "restart"] as const;
export const FORMATS = ["text", "json"] as const;
export const FLAVOURS = ["ibm", "openlava"] as const;

const SPECS: PositionalSpec = { name: "specs", array: true, required: true, describe: "job spec files (YAML)" };
const SITE = "site profile (default: $CRJOB_SITE, else crjob.site.yaml above the spec)";
const mode: OptionSpec = { name: "mode", type: "string", choices: MODES, describe: "override the spec's mode" };
const templates: OptionSpec = { name: "templates", type: "string", describe: "directory of template overrides" };

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "render",
    describe: "render job specs into bsub scripts",
    positional: SPECS,
    options: [
      { name: "output", alias: "o", type: "string", describe: "write the script to FILE (atomically, mode 0755)" },
      { name: "outdir", type: "string", describe: "write <name>.sh for each spec into DIR" },
      mode,
      { name: "site", type: "string", describe: SITE },
      templates,
      { name: "force", type: "boolean", describe: "overwrite a file crjob did not generate" },
      { name: "check", type: "boolean", describe: "exit 1 naming scripts that are stale or hand-edited; write nothing" },
    ],
    examples: [
      ["$0 render jobs/stars.yaml -o run.stars", "then: bsub < run.stars"],
      ["$0 render jobs/*.yaml --outdir scripts/", "one <name>.sh per spec"],
      ["$0 render --check jobs/*.yaml --outdir scripts/", "in CI or pre-commit"],
    ],
  },
  {
    name: "validate",
    describe: "check job specs; print every problem as file:line:col",
    positional: { name: "specs", array: true, required: true },
    options: [
      { name: "format", type: "string", choices: FORMATS, default: "text" },
      { name: "site", type: "string", describe: "site profile" },
    ],
    examples: [["$0 validate jobs/*.yaml", "exit 1 if any spec has an error"]],
  },
  {
    name: "init",
    describe: "write <name>.yaml, a commented starter spec",
    positional: { name: "name" },
    options: [],
    examples: [["$0 init stars", "writes stars.yaml"]],
  },
  {
    name: "schema",
    describe: "print the spec's JSON Schema",
    options: [],
    examples: [["$0 schema > crjob.schema.json", "then: # yaml-language-server: $schema=crjob.schema.json"]],
  },
  {
    name: "submit",
    describe: "render job specs and submit them with bsub (as `bsub < script`), or sbatch on a Slurm site; print the job ids",
    positional: SPECS,
    passThrough: true,
    options: [
      { name: "dry-run", type: "boolean", describe: "print the script and the bsub/sbatch command; submit nothing" },
      mode,
      { name: "site", type: "string", describe: SITE },
      templates,
    ],
    examples: [
      ["$0 submit jobs/stars.yaml", "prints the job id; `crjob status stars` follows it"],
      ["$0 submit jobs/stars.yaml -- -q short -P myproj", "bsub options after --; they win over #BSUB lines"],
      ["$0 submit jobs/stars.yaml --site slurm.yaml -- --account=proj", "flavour slurm: sbatch --parsable, its options after --"],
      ["$0 submit --dry-run jobs/stars.yaml", "the script on stdout, the bsub command on stderr"],
    ],
  },
  {
    name: "status",
    describe: "how jobs are doing, from their checkpoint state (and bjobs, or scontrol on Slurm)",
    positional: { name: "jobs", array: true, describe: "job spec files or job names (default: every job with state)" },
    options: [
      { name: "format", type: "string", choices: FORMATS, default: "text", describe: "a table for people, or JSON: one object per job (array element)" },
      { name: "site", type: "string", describe: "site profile (its state_root)" },
    ],
    examples: [
      ["$0 status stars", "state, job id, generations, lost-work bound, what the next bsub does"],
      ["$0 status jobs/stars.yaml --format json", "the same for scripts (fields: docs/workflow.md)"],
    ],
  },
  {
    name: "run",
    describe: "try a job here through an LSF emulator (--local; LSF only: for Slurm, scripts/slurm-cluster.sh runs a real one-host Slurm): fresh, checkpoint, kill, resume, done",
    positional: { name: "spec", required: true, describe: "job spec file" },
    options: [
      { name: "local", type: "boolean", describe: "run here, through the LSF emulator (required)" },
      { name: "interval", type: "string", default: "5s", describe: "checkpoint interval for the try-run" },
      { name: "kill-after", type: "string", describe: "bkill the job this long after it starts, then submit it again" },
      { name: "limit", type: "string", describe: "run limit, emulated (LSF minutes scaled to fit)" },
      { name: "flavour", type: "string", choices: FLAVOURS, describe: "LSF to emulate (default: the site profile's)" },
      { name: "checkpoint", type: "boolean", default: true, describe: "--no-checkpoint: run with checkpoint.tool none when the checkpointer is not installed here" },
      { name: "site", type: "string", describe: "site profile" },
      { name: "keep", type: "boolean", describe: "keep the temp dir (emulator home, LSF logs, state, scratch)" },
      { name: "timeout", type: "string", default: "1h", describe: "give up (and kill the job) after this long" },
    ],
    examples: [
      ["$0 run --local stars.yaml --kill-after 10s", "fresh → checkpoints → bkill → resubmit → resume → done"],
      ["$0 run --local stars.yaml --limit 30s", "run limit → final checkpoint → requeue → resume"],
    ],
  },
  {
    name: "clean",
    describe: "remove a job's checkpoint state after confirmation",
    positional: { name: "job", required: true, describe: "job name or spec file" },
    options: [
      { name: "yes", alias: "y", type: "boolean", describe: "do not ask (needed without a terminal)" },
      { name: "site", type: "string", describe: "site profile (its state_root)" },
    ],
    examples: [
      ["$0 clean stars", "asks, then removes ~/.crjob/stars (refused while the job runs)"],
      ["$0 clean jobs/stars.yaml --yes", "in scripts"],
    ],
  },
];

/** yargs' command string: "render <specs..>", "init [name]", "schema". */
export function commandString(c: CommandSpec): string {
  const p = c.positional;
  if (!p) return c.name;
  const word = `${p.name}${p.array ? ".." : ""}`;
  return `${c.name} ${p.required ? `<${word}>` : `[${word}]`}`;
}
