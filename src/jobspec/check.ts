// The checking phases in one place, for `render` (which stops on errors) and `validate` (which
// reports): YAML with positions, the schema, then the cross-field and site rules. Every problem in
// one pass (the rules tolerate invalid data).
import type { Diagnostic } from "../diagnostics.js";
import { loadSpec, type LoadedSpec } from "./load.js";
import { checkRules } from "./rules.js";
import type { LoadedSite } from "./site.js";
import { validateSpec } from "./validate.js";

export function checkSpec(source: string, file: string, site: LoadedSite | null): { loaded: LoadedSpec; diagnostics: Diagnostic[] } {
  const loaded = loadSpec(source, file);
  return { loaded, diagnostics: [...loaded.diagnostics, ...validateSpec(loaded), ...checkRules(loaded, site)] };
}
