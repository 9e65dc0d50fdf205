// `crjob validate SPEC... [--format text|json] [--site FILE]`: every diagnostic of every file.
import { existsSync } from "node:fs";
import { hasErrors, type Diagnostic } from "../diagnostics.js";
import { checkSpec } from "../jobspec/check.js";
import { findSitePath, loadSite, type LoadedSite } from "../jobspec/site.js";
import { intervalWarnings, marginWarnings } from "../state/advice.js";
import { readText } from "./io.js";
import { out, printDiagnostics } from "../output.js";

export interface ValidateOptions {
  specs: string[];
  format: "text" | "json";
  site?: string;
}

/** Exit code: 0 when there are warnings at most, 1 on any error. */
export async function validateCommand(opts: ValidateOptions): Promise<number> {
  const all: Diagnostic[] = [];
  const sites = new Map<string, LoadedSite | null>();

  for (const file of opts.specs) {
    // 1. Read the spec; an unreadable file is a diagnostic like any other.
    const source = readText(file, "job spec");
    if (typeof source !== "string") {
      all.push(source);
      continue;
    }
    // 2. The site profile that applies to it (each reported once, however many specs use it).
    const sitePath = findSitePath({ explicit: opts.site, env: process.env, specFile: file, exists: existsSync });
    let site: LoadedSite | null = null;
    if (sitePath !== null) {
      if (!sites.has(sitePath)) {
        const loaded = readSite(sitePath, opts.site ? "--site" : process.env.CRJOB_SITE ? "$CRJOB_SITE" : null);
        all.push(...loaded.diagnostics);
        // A broken profile would only add follow-up errors to every spec.
        sites.set(sitePath, "data" in loaded && !hasErrors(loaded.diagnostics) ? loaded : null);
      }
      site = sites.get(sitePath) ?? null;
    }
    // 3. Load, schema, rules.
    const { loaded: spec, diagnostics } = checkSpec(source, file, site);
    // 4. Advice from the job's own state: a fixed interval far from the optimum for its measured
    //    checkpoint cost, and a declared lsf.warning.before shorter than that cost (only for a valid
    //    spec, whose state dir is known).
    if (!hasErrors(diagnostics)) diagnostics.push(...intervalWarnings(spec, site), ...marginWarnings(spec, site));
    all.push(...diagnostics.sort((a, b) => a.line - b.line || a.col - b.col));
  }

  // 5. Report.
  if (opts.format === "json") {
    const rows = all.map(({ file, line, col, path, severity, message, hint }) => ({
      file, line, col, path, severity, message, hint: hint ?? null,
    }));
    out(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    printDiagnostics(all);
  }
  return hasErrors(all) ? 1 : 0;
}

/** The file's text, or a diagnostic naming the file: missing, a directory, unreadable. */

function readSite(file: string, via: string | null): LoadedSite | { diagnostics: Diagnostic[] } {
  const source = readText(file, "site profile", via);
  return typeof source === "string" ? loadSite(source, file) : { diagnostics: [source] };
}
