// The site profile: where it is found, and loading it with the same line:col diagnostics as specs.
import * as path from "node:path";
import type { Diagnostic } from "../diagnostics.js";
import { loadYaml, type LoadedSpec } from "./load.js";
import type { SiteProfile } from "./types.js";
import { compileSiteValidator, validateWith } from "./validate.js";
import { siteSchema } from "./schema.js";

export const SITE_FILE_NAME = "crjob.site.yaml";

export interface LoadedSite extends Omit<LoadedSpec, "data"> {
  /** The profile as written ({} when it is not a mapping); check `diagnostics` before trusting it. */
  data: SiteProfile;
}

export interface FindSiteOptions {
  /** --site FILE */
  explicit?: string;
  env: NodeJS.ProcessEnv;
  specFile: string;
  exists(p: string): boolean;
}

/**
 * --site FILE, else $CRJOB_SITE, else crjob.site.yaml in the spec's directory or a parent.
 * An explicit or $CRJOB_SITE path is returned even when it does not exist: reading it then
 * reports the missing file, rather than silently validating without the profile.
 */
export function findSitePath(opts: FindSiteOptions): string | null {
  if (opts.explicit) return opts.explicit;
  const fromEnv = opts.env.CRJOB_SITE;
  if (fromEnv) return fromEnv;
  let dir = path.dirname(path.resolve(opts.specFile));
  for (;;) {
    const candidate = path.join(dir, SITE_FILE_NAME);
    if (opts.exists(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Parse and schema-check a site profile. */
export function loadSite(source: string, file: string): LoadedSite {
  const loaded = loadYaml(source, file, "site profile");
  const diagnostics: Diagnostic[] = [...loaded.diagnostics, ...validateWith(loaded, compileSiteValidator(), siteSchema)];
  // Completed in place, not spread into a new object: spreading would read `doc`, which a profile
  // read by fastYaml parses (with positions) only when a diagnostic needs it.
  const site = loaded as LoadedSite;
  site.data = isRecord(loaded.data) ? (loaded.data as SiteProfile) : {};
  site.diagnostics = diagnostics;
  return site;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
