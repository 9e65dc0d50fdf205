// The everyday command lines, read without yargs: loading yargs and having it parse (it also lays out
// the help text, to cache it) takes longer than rendering a spec, and crjob runs in save hooks and
// pre-commit over many specs. Only plain forms are taken: `render`/`validate`, spec files, and the
// commands' own options, each at most once and each value as its own word. Everything else (help,
// version, `--opt=value`, short-option bundles, unknown or repeated options, values that start
// with "-", bad choices, "true"/"false" after a flag...) is left to yargs, which also reports errors.
import type { RenderCommandOptions } from "./commands/render.js";
import type { ValidateOptions } from "./commands/validate.js";

export type QuickCommand =
  | { command: "render"; options: RenderCommandOptions }
  | { command: "validate"; options: ValidateOptions };

const MODES = ["auto", "fresh", "restart"];
const FORMATS = ["text", "json"];

/** The options each command takes: option word → key in its options object (and whether it has a value). */
const RENDER_OPTIONS: Record<string, { key: string; value: boolean; choices?: string[] }> = {
  "-o": { key: "output", value: true },
  "--output": { key: "output", value: true },
  "--outdir": { key: "outdir", value: true },
  "--mode": { key: "mode", value: true, choices: MODES },
  "--site": { key: "site", value: true },
  "--templates": { key: "templates", value: true },
  "--force": { key: "force", value: false },
  "--check": { key: "check", value: false },
};
const VALIDATE_OPTIONS: typeof RENDER_OPTIONS = {
  "--format": { key: "format", value: true, choices: FORMATS },
  "--site": { key: "site", value: true },
};

/** The command and its options, as yargs would give them, or null: let yargs parse this one. */
export function quickArgs(argv: readonly string[]): QuickCommand | null {
  const [command, ...rest] = argv;
  if (command !== "render" && command !== "validate") return null;
  const known = command === "render" ? RENDER_OPTIONS : VALIDATE_OPTIONS;
  const specs: string[] = [];
  const options: Record<string, unknown> = {};
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    // yargs reads "true"/"false" after a flag as its value; "" and "-..." words have their own rules.
    if (word === "" || word === "true" || word === "false") return null;
    if (!word.startsWith("-")) {
      specs.push(word);
      continue;
    }
    const opt = Object.hasOwn(known, word) ? known[word] : undefined;
    if (!opt || opt.key in options) return null;
    if (!opt.value) {
      options[opt.key] = true;
      continue;
    }
    const value = rest[++i];
    if (value === undefined || value === "" || value.startsWith("-")) return null;
    if (opt.choices && !opt.choices.includes(value)) return null;
    options[opt.key] = value;
  }
  if (specs.length === 0) return null;
  if (command === "render") {
    const { output, outdir, mode, site, templates, force, check } = options as Partial<RenderCommandOptions>;
    return { command, options: { specs, output, outdir, mode, site, templates, force, check } };
  }
  const { format, site } = options as Partial<ValidateOptions>;
  return { command, options: { specs, format: format ?? "text", site } };
}
