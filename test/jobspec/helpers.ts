// Shared by the spec-phase tests: run the pipeline's checking phases on YAML text.
import { formatDiagnostic, type Diagnostic } from "../../src/diagnostics.js";
import { loadSpec } from "../../src/jobspec/load.js";
import { checkRules } from "../../src/jobspec/rules.js";
import { loadSite, type LoadedSite } from "../../src/jobspec/site.js";
import { validateSpec } from "../../src/jobspec/validate.js";

/** Every diagnostic for `source`, in document order. */
export function diagnose(source: string, site: LoadedSite | null = null, file = "job.yaml"): Diagnostic[] {
  const spec = loadSpec(source, file);
  return [...spec.diagnostics, ...validateSpec(spec), ...checkRules(spec, site)].sort(
    (a, b) => a.line - b.line || a.col - b.col,
  );
}

/** The lines `crjob validate` prints for `source`. */
export function lines(source: string, site: LoadedSite | null = null): string[] {
  return diagnose(source, site).map(formatDiagnostic);
}

export function site(source: string): LoadedSite {
  const loaded = loadSite(source, "site.yaml");
  if (loaded.diagnostics.length) throw new Error(loaded.diagnostics.map(formatDiagnostic).join("\n"));
  return loaded;
}

/** A valid spec to start from: `spec({ lsf: "  runlimit: 24h" })` appends sections. */
export function spec(extra: { top?: string; app?: string; checkpoint?: string; lsf?: string } = {}): string {
  return [
    "name: stars",
    "queue: mw256",
    ...(extra.top ? [extra.top] : []),
    "app:",
    "  command: ./t-20001030-01",
    ...(extra.app ? [extra.app] : []),
    "checkpoint:",
    extra.checkpoint ?? "  interval: 12h",
    ...(extra.lsf ? ["lsf:", extra.lsf] : []),
    "",
  ].join("\n");
}

/** A Slurm site profile with the queues the test specs use. */
export const SLURM_SITE = site(`
flavour: slurm
queues:
  mw256: { blcr: /share/apps/blcr/0.8.5/mw256 }
  short: {}
`);
