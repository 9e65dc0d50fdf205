// The everyday command lines, read without yargs: loading yargs and having it parse (it also lays out
// the help text, to cache it) takes longer than rendering a spec, and crjob runs in save hooks and
// pre-commit over many specs. Every command's options come from cli-options.ts, the table yargs is
// built from too (cli-yargs.ts), so the two cannot drift apart. Only plain forms are taken: a
// command, its positional words, its own options each at most once and each value as its own word,
// `--no-X` for a boolean, and `--` where the command takes it. Everything else (help, version
// flags after a command, `--opt=value`, short-option bundles, unknown or repeated options, values
// that start with "-", bad choices, "true"/"false" after a flag...) is left to yargs, which also
// reports every error.
import { COMMANDS, type CommandArgs, type OptionSpec } from "./cli-options.js";

export interface QuickCommand {
  command: string;
  args: CommandArgs;
}

/** The command and its arguments, as yargs would give them (by long name), or null: let yargs parse this one. */
export function quickArgs(argv: readonly string[]): QuickCommand | null {
  const [name, ...rest] = argv;
  const spec = COMMANDS.find((c) => c.name === name);
  if (!spec) return null;
  const byWord = new Map<string, { opt: OptionSpec; value: boolean | null }>();
  for (const opt of spec.options) {
    byWord.set(`--${opt.name}`, { opt, value: null });
    if (opt.alias) byWord.set(`-${opt.alias}`, { opt, value: null });
    if (opt.type === "boolean") byWord.set(`--no-${opt.name}`, { opt, value: false });
  }
  const args: CommandArgs = {};
  const words: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === "--") {
      if (!spec.passThrough) return null;
      args["--"] = rest.slice(i + 1);
      break;
    }
    // yargs reads "true"/"false" after a flag as its value; "" and "-..." words have their own rules.
    if (word === "" || word === "true" || word === "false") return null;
    if (!word.startsWith("-")) {
      words.push(word);
      continue;
    }
    const hit = byWord.get(word);
    if (!hit || hit.opt.name in args) return null;
    const { opt } = hit;
    if (opt.type === "boolean") {
      args[opt.name] = hit.value ?? true;
      continue;
    }
    const value = rest[++i];
    if (value === undefined || value === "" || value.startsWith("-")) return null;
    if (opt.choices && !opt.choices.includes(value)) return null;
    args[opt.name] = value;
  }
  const p = spec.positional;
  if (words.length > 0 && !p) return null;
  if (p) {
    if (p.required && words.length === 0) return null;
    if (!p.array && words.length > 1) return null;
    args[p.name] = p.array ? words : words[0];
  }
  for (const opt of spec.options) if (!(opt.name in args) && opt.default !== undefined) args[opt.name] = opt.default;
  return { command: spec.name, args };
}
