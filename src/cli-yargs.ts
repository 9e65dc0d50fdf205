// The yargs command line, built from the table in cli-options.ts: help, usage and every error.
// Loaded only for what quick-argv.ts leaves (yargs costs more start-up time than a render).
import type { Argv } from "yargs";
import { COMMANDS, commandString, type CommandArgs } from "./cli-options.js";
import { UsageError } from "./errors.js";
import { VERSION } from "./version.js";

/** Runs a command with its arguments (the same dispatcher quick-argv's results go to). */
export type Dispatch = (command: string, args: CommandArgs) => Promise<void>;

export async function commandLine(argv: string[], dispatch: Dispatch): Promise<Argv> {
  const { default: yargs } = await import("yargs");
  let y = yargs(argv)
    .scriptName("crjob")
    .usage("$0 <command> [options]\n\nCheckpointed LSF batch jobs from a validated YAML spec.");
  for (const c of COMMANDS) {
    y = y.command(
      commandString(c),
      c.describe,
      (b) => {
        const p = c.positional;
        if (p) b.positional(p.name, defined({ type: "string", array: p.array, demandOption: p.required, describe: p.describe }));
        for (const o of c.options) {
          // A choice is typed by its choices (as the help has always shown it: no "[string]").
          const type = o.choices ? undefined : o.type;
          b.option(o.name, defined({ alias: o.alias, type, choices: o.choices, default: o.default, describe: o.describe }));
        }
        for (const [cmd, what] of c.examples) b.example(cmd, what);
        return b;
      },
      async (a) => {
        // By long name only (yargs adds aliases and camelCase copies), as quick-argv gives them.
        const args: CommandArgs = {};
        if (c.positional && a[c.positional.name] !== undefined) args[c.positional.name] = a[c.positional.name];
        for (const o of c.options) if (a[o.name] !== undefined) args[o.name] = a[o.name];
        if (c.passThrough && a["--"] !== undefined) args["--"] = (a["--"] as unknown[]).map(String);
        await dispatch(c.name, args);
      },
    );
  }
  return y
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

/** The keys that have a value: yargs reads a key set to undefined as set (e.g. "[default: undefined]"). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
