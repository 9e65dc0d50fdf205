import type Handlebars from "handlebars";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { crypto } from "../builtins.js";
import { UserError } from "../errors.js";
import type { JobModel } from "../model.js";
import { registerHelpers } from "./helpers.js";
import { memoized, partialKeys, templateReads, type TemplateReads } from "./memo.js";
import { TOKEN_START, unindentable, withSegments } from "./segments.js";
import { digest as bundledDigest, precompiled, runtime } from "./precompiled.js";

/** How every template is compiled, at run time or by the build (precompiled.ts). */
export const TEMPLATE_OPTIONS = { strict: true, noEscape: true } as const;

/** Where the bundled templates live: the first `templates/` above this module (src/ or dist/). */
export function bundledTemplatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "templates");
    if (existsSync(join(candidate, "run.sh.hbs"))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error("crjob: bundled templates/ not found");
    dir = up;
  }
}

/** All `*.hbs` under `dir`, keyed by partial name ("partials/lib", "tools/blcr/launch"). */
function listTemplates(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    // Entries with their types: no stat per file (start-up time of every render).
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(d, entry.name);
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(p, { throwIfNoEntry: false })?.isDirectory());
      if (isDir) walk(p);
      else if (entry.name.endsWith(".hbs")) out.set(relative(dir, p).split(sep).join("/").replace(/\.hbs$/, ""), p);
    }
  };
  walk(dir);
  return out;
}

export interface TemplateSet {
  /** name → source file path, user overrides already applied. */
  files: Map<string, string>;
}

/**
 * Bundled templates, with a user's or site's directory laid over them: a file there replaces the
 * bundled one of the same name. A name the bundle does not have is an error (a typo would
 * otherwise be silently ignored).
 */
export function loadTemplateSet(overrideDir?: string): TemplateSet {
  const files = listTemplates(bundledTemplatesDir());
  if (overrideDir) {
    if (!existsSync(overrideDir) || !statSync(overrideDir).isDirectory()) {
      throw new UserError(`${overrideDir}: template directory not found`);
    }
    for (const [name, path] of listTemplates(overrideDir)) {
      if (!files.has(name)) {
        const known = [...files.keys()].filter((k) => k !== "run.sh").join(", ");
        throw new UserError(`${path}: unknown template "${name}" (known: ${known})`);
      }
      files.set(name, path);
    }
  }
  return { files };
}

export function renderScript(job: JobModel, set: TemplateSet = loadTemplateSet()): string {
  return renderWith(job, set, (entry) => entry(job));
}

/**
 * renderScript in segment mode (segments.ts): the kept partials' outputs as tokens, for
 * `assemble`; null when a template holds a token's first character (then use renderScript).
 */
export function renderSegments(job: JobModel, set: TemplateSet = loadTemplateSet()): string | null {
  if (!compileSet(set).tokenFree) return null;
  return renderWith(job, set, (entry) => withSegments(() => entry(job)));
}

function renderWith(job: JobModel, set: TemplateSet, render: (entry: HandlebarsTemplateDelegate) => string): string {
  const { entry, sources } = compileSet(set);
  try {
    return render(entry);
  } catch (e) {
    // strict mode: a template naming a field the model lacks. Say which template file.
    const msg = e instanceof Error ? e.message : String(e);
    const m = /"(.+?)" not defined in/.exec(msg);
    const where = findTemplateOf(m?.[1], set, sources, msg);
    throw new UserError(`${where}template error: ${msg}`);
  }
}

interface CompiledSet {
  entry: HandlebarsTemplateDelegate;
  /** name → template text, as read when the set was compiled. */
  sources: Map<string, string>;
  /** sha256 of every name and text (fingerprint.ts), made on first use. */
  digest?: string;
  /** Exactly the bundled templates, each as the build precompiled it (then the build's digest is theirs). */
  bundled?: boolean;
  /** No template holds TOKEN_START: segment mode can tell tokens from text (segments.ts). */
  tokenFree: boolean;
}

/** A digest of the set's templates (names and texts), for the script's fingerprint. */
export function templateDigest(set: TemplateSet): string {
  const compiled = compileSet(set);
  if (!compiled.digest && compiled.bundled) compiled.digest = bundledDigest!; // the build hashed these very texts
  if (!compiled.digest) {
    const h = crypto().createHash("sha256");
    for (const [name, src] of compiled.sources) h.update(`${name}\u0000${Buffer.byteLength(src)}:`).update(src);
    compiled.digest = h.digest("hex");
  }
  return compiled.digest;
}

/** Compiled once per template set (the CLI keeps one set per override dir for a whole run)... */
const compiledSets = new WeakMap<TemplateSet, CompiledSet>();
/** ...and once per distinct set of texts, for callers that load a new set for each render. */
const compiledTexts = new Map<string, CompiledSet>();

function compileSet(set: TemplateSet): CompiledSet {
  let compiled = compiledSets.get(set);
  if (compiled) return compiled;
  const sources = new Map<string, string>();
  for (const [name, path] of set.files) sources.set(name, readFileSync(path, "utf8"));
  const key = [...sources].map(([name, src]) => `${name}\u0000${src}`).join("\u0000");
  compiled = compiledTexts.get(key);
  if (!compiled) {
    compiled = compileSources(sources);
    if (compiledTexts.size >= 16) compiledTexts.clear();
    compiledTexts.set(key, compiled);
  }
  compiledSets.set(set, compiled);
  return compiled;
}

/**
 * Templates the build precompiled are used as such while their file still holds the text they
 * were compiled from; any other (an override, or a template edited since the build) is compiled
 * here, lazily as before, by the full Handlebars compiler, which is then loaded on demand.
 */
function compileSources(sources: Map<string, string>): CompiledSet {
  const fresh = (name: string, src: string) => {
    const p = precompiled.get(name);
    return p && p.source === src ? p : undefined;
  };
  const allFresh = runtime !== undefined && [...sources].every(([name, src]) => fresh(name, src));
  const hb = (allFresh ? runtime! : fullHandlebars()).create();
  registerHelpers(hb);
  const load = (name: string, src: string) => {
    const p = fresh(name, src);
    return p ? hb.template(p.spec) : hb.compile(src, TEMPLATE_OPTIONS);
  };
  // What each partial reads (memo.ts): kept by those values, rendered once per distinct set.
  const reads = new Map<string, TemplateReads>();
  for (const [name, src] of sources) reads.set(name, fresh(name, src)?.reads ?? templateReads(fullHandlebars().parse(src) as never));
  const keys = partialKeys(reads, new Set(Object.keys(hb.helpers)));
  for (const [name, src] of sources) {
    if (name === "run.sh") continue;
    const fn = load(name, src);
    const paths = keys.get(name);
    const f = fn as (c: unknown, o?: unknown) => string;
    hb.registerPartial(name, (paths ? memoized(f, paths) : (c: unknown, o?: unknown) => unindentable(f(c, o), o)) as HandlebarsTemplateDelegate);
  }
  const entry = load("run.sh", sources.get("run.sh") ?? "");
  const names = [...sources.keys()];
  const bundled = allFresh && bundledDigest !== null && names.length === precompiled.size && [...precompiled.keys()].every((n, i) => n === names[i]);
  const tokenFree = [...sources.values()].every((src) => !src.includes(TOKEN_START));
  return { entry, sources, bundled, tokenFree };
}

let handlebars: typeof Handlebars | undefined;

/** The full Handlebars (parser and compiler), loaded only when a template needs compiling. */
function fullHandlebars(): typeof Handlebars {
  // node:module on demand: loading it sets up Node's ES module loader (start-up time of every render).
  return (handlebars ??= process.getBuiltinModule("node:module").createRequire(import.meta.url)("handlebars") as typeof Handlebars);
}

/**
 * The template file a strict-mode error comes from. Handlebars gives the line and column of the
 * expression (" - 3:4") but not the template, so: the template whose line has the field in an
 * expression at that column (an override before a bundled one); else the first line naming it.
 */
function findTemplateOf(field: string | undefined, set: TemplateSet, sources: Map<string, string>, msg = ""): string {
  if (!field) return "";
  const loc = / - (\d+):(\d+)\s*$/.exec(msg);
  if (loc) {
    const line = Number(loc[1]);
    const col = Number(loc[2]);
    const word = new RegExp("(^|\\W)" + field.replace(/[.*+?^$(){}|[\]\\]/g, "\\$&") + "(\\W|$)");
    const at: string[] = [];
    for (const [name, src] of sources) {
      const text = src.split("\n")[line - 1];
      if (text === undefined) continue;
      if (word.test(text.slice(col).split("}}")[0] ?? "")) at.push(set.files.get(name)!);
    }
    const bundled = bundledTemplatesDir();
    const best = at.find((f) => !f.startsWith(bundled)) ?? at[0];
    if (best) return `${best}:${line}: `;
  }
  for (const [name, src] of sources) {
    const lines = src.split("\n");
    const i = lines.findIndex((l) => l.includes(field));
    if (i >= 0) return `${set.files.get(name)}:${i + 1}: `;
  }
  return "";
}
