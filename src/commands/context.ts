// What commands share: finding and loading the site profile, and the template set.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { hasErrors } from "../diagnostics.js";
import { SpecError } from "../errors.js";
import { loadTemplateSet, type TemplateSet } from "../render/engine.js";
import { findSitePath, loadSite, type LoadedSite } from "../jobspec/site.js";
import { readInput } from "./io.js";

const siteCache = new Map<string, LoadedSite>();

/** The site profile for a spec (--site, $CRJOB_SITE, crjob.site.yaml above it), or null. */
export function resolveSite(specFile: string, explicit?: string): LoadedSite | null {
  const path = sitePathFor(specFile, explicit);
  if (!path) return null;
  const key = resolve(path);
  let site = siteCache.get(key);
  if (!site) {
    site = loadSite(readInput(path, "site profile"), path);
    siteCache.set(key, site);
  }
  if (hasErrors(site.diagnostics)) throw new SpecError(site.diagnostics);
  return site;
}

/** crjob.site.yaml above each spec directory, looked up once per directory (many specs share one). */
const sitePathByDir = new Map<string, string | null>();

function sitePathFor(specFile: string, explicit?: string): string | null {
  const find = () => findSitePath({ explicit, env: process.env, specFile, exists: existsSync });
  if (explicit || process.env.CRJOB_SITE) return find();
  const dir = dirname(resolve(specFile));
  let path = sitePathByDir.get(dir);
  if (path === undefined) {
    path = find();
    sitePathByDir.set(dir, path);
  }
  return path;
}

const templateCache = new Map<string, TemplateSet>();

/** Bundled templates, overlaid with --templates DIR or the site profile's `templates:`. */
export function resolveTemplates(explicit: string | undefined, site: LoadedSite | null): TemplateSet {
  let dir = explicit;
  if (!dir && site?.data.templates) dir = resolve(dirname(site.file), site.data.templates);
  const key = dir ?? "";
  let set = templateCache.get(key);
  if (!set) {
    set = loadTemplateSet(dir);
    templateCache.set(key, set);
  }
  return set;
}
