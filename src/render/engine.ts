import Handlebars from "handlebars";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../errors.js";
import type { JobModel } from "../model.js";
import { registerHelpers } from "./helpers.js";

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
    for (const entry of readdirSync(d).sort()) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (entry.endsWith(".hbs")) out.set(relative(dir, p).split(sep).join("/").replace(/\.hbs$/, ""), p);
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
  const hb = Handlebars.create();
  registerHelpers(hb);
  const sources = new Map<string, string>();
  for (const [name, path] of set.files) sources.set(name, readFileSync(path, "utf8"));
  for (const [name, src] of sources) {
    if (name !== "run.sh") hb.registerPartial(name, hb.compile(src, { strict: true, noEscape: true }));
  }
  const entry = hb.compile(sources.get("run.sh") ?? "", { strict: true, noEscape: true });
  try {
    return entry(job);
  } catch (e) {
    // strict mode: a template naming a field the model lacks. Say which template file.
    const msg = e instanceof Error ? e.message : String(e);
    const m = /"(.+?)" not defined in/.exec(msg);
    const where = findTemplateOf(m?.[1], set, sources);
    throw new UserError(`${where}template error: ${msg}`);
  }
}

function findTemplateOf(field: string | undefined, set: TemplateSet, sources: Map<string, string>): string {
  if (!field) return "";
  for (const [name, src] of sources) {
    const lines = src.split("\n");
    const i = lines.findIndex((l) => l.includes(field));
    if (i >= 0) return `${set.files.get(name)}:${i + 1}: `;
  }
  return "";
}
