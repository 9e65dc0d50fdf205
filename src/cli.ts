// The command line: argv → (quick-argv.ts, or yargs via cli-yargs.ts) → one command's handler,
// loaded lazily. Both parsers read the commands and options from cli-options.ts and give the
// handlers the same arguments, by long name. The one try/catch.
import { RUN_NEEDS_LOCAL, type CommandArgs } from "./cli-options.js";
import type { Mode } from "./jobspec/types.js";
import { SpecError, UsageError, UserError } from "./errors.js";
import { quickArgs } from "./quick-argv.js";
import { VERSION } from "./version.js";
import { err, out, printDiagnostics } from "./output.js";

const str = (a: CommandArgs, key: string) => a[key] as string | undefined;
const flag = (a: CommandArgs, key: string) => a[key] as boolean | undefined;
const words = (a: CommandArgs, key: string) => (a[key] as string[] | undefined) ?? [];

/** Each command: its arguments → its options object → its exit code. */
const HANDLERS: Record<string, (a: CommandArgs) => Promise<number>> = {
  async render(a) {
    const { renderCommand } = await import("./commands/render.js");
    return renderCommand({
      specs: words(a, "specs"),
      output: str(a, "output"),
      outdir: str(a, "outdir"),
      mode: str(a, "mode") as Mode | undefined,
      site: str(a, "site"),
      templates: str(a, "templates"),
      force: flag(a, "force"),
      check: flag(a, "check"),
    });
  },
  async validate(a) {
    const { validateCommand } = await import("./commands/validate.js");
    return validateCommand({ specs: words(a, "specs"), format: str(a, "format") as "text" | "json", site: str(a, "site") });
  },
  async init(a) {
    const { initCommand } = await import("./commands/init.js");
    return initCommand({ name: str(a, "name"), cwd: process.cwd() });
  },
  async schema() {
    const { schemaCommand } = await import("./commands/schema.js");
    return schemaCommand();
  },
  async submit(a) {
    const { submitCommand } = await import("./commands/submit.js");
    return submitCommand({
      specs: words(a, "specs"),
      dryRun: flag(a, "dry-run"),
      mode: str(a, "mode") as Mode | undefined,
      site: str(a, "site"),
      templates: str(a, "templates"),
      bsubArgs: words(a, "--"),
    });
  },
  async status(a) {
    const { statusCommand } = await import("./commands/status.js");
    return statusCommand({ targets: words(a, "jobs"), format: str(a, "format") as "text" | "json", site: str(a, "site") });
  },
  async run(a) {
    if (!flag(a, "local")) throw new UsageError(RUN_NEEDS_LOCAL);
    const { runLocalCommand } = await import("./commands/run-local.js");
    return runLocalCommand({
      spec: str(a, "spec")!,
      interval: str(a, "interval"),
      killAfter: str(a, "kill-after"),
      limit: str(a, "limit"),
      flavour: str(a, "flavour") as "ibm" | "openlava" | undefined,
      checkpoint: flag(a, "checkpoint"),
      site: str(a, "site"),
      keep: flag(a, "keep"),
      timeout: str(a, "timeout"),
    });
  },
  async clean(a) {
    const { cleanCommand } = await import("./commands/clean.js");
    return cleanCommand({ target: str(a, "job")!, yes: flag(a, "yes"), site: str(a, "site") });
  },
};

async function dispatch(command: string, args: CommandArgs): Promise<void> {
  process.exitCode = await HANDLERS[command]!(args);
}

export async function main(argv: string[]): Promise<void> {
  try {
    // `crjob --version` as yargs prints it, without loading yargs (start-up time).
    if (argv.length === 1 && argv[0] === "--version") {
      out(`${VERSION}\n`);
      return;
    }
    const quick = quickArgs(argv);
    if (quick) {
      await dispatch(quick.command, quick.args);
    } else {
      const { commandLine } = await import("./cli-yargs.js");
      await (await commandLine(argv, dispatch)).parseAsync();
    }
  } catch (e) {
    if (e instanceof SpecError) {
      printDiagnostics(e.diagnostics);
      process.exitCode = e.exitCode;
    } else if (e instanceof UserError) {
      err(`crjob: ${e.message}\n`);
      if (e instanceof UsageError) err("Run 'crjob --help' for usage.\n");
      process.exitCode = e.exitCode;
    } else {
      err(`${(e as Error)?.stack ?? String(e)}\n`);
      err("crjob: internal error; this is a bug. Please report it with the command line and the spec.\n");
      process.exitCode = 70;
    }
  }
}

// As yargs' hideBin() for node (not a bundled Electron app): the words after the script.
// Not a top-level await: the build bundles this as one script (compiled code cached, see scripts/build.mjs).
void main(process.argv.slice(2));
