// Library API: spec text in, script text out. Pure: no filesystem, environment or stdout here
// except reading the bundled/override templates.
import { hasErrors, type Diagnostic } from "./diagnostics.js";
import { SpecError } from "./errors.js";
import type { JobModel } from "./model.js";
import { loadTemplateSet, renderScript, renderSegments, templateDigest, type TemplateSet } from "./render/engine.js";
import {
  inputsDigest,
  inputsDigestChecked,
  withFingerprint,
  withFingerprintAssembled,
  type FingerprintInputs,
} from "./render/fingerprint.js";
import { checkSpec } from "./jobspec/check.js";
import { normalizeSpec } from "./jobspec/normalize.js";
import type { LoadedSite } from "./jobspec/site.js";
import type { Mode, Spec } from "./jobspec/types.js";

export interface RenderOptions {
  site?: LoadedSite | null;
  mode?: Mode;
  templates?: TemplateSet;
  /** Name of the spec shown in the script's header (default: `file`). */
  displayName?: string;
}

export interface RenderResult {
  script: string;
  /**
   * The script in UTF-8, as written to a file: a view of a buffer that the next render in this
   * thread reuses (withFingerprint), so use it at once or copy it.
   */
  bytes: Buffer;
  job: JobModel;
  diagnostics: Diagnostic[];
}

/** Load, validate and normalize a spec: every diagnostic, or the job model. */
export function compileJob(
  source: string,
  file: string,
  opts: RenderOptions = {},
): { job: JobModel; diagnostics: Diagnostic[]; data: unknown } {
  // 1. YAML with positions, schema, rules: every diagnostic, as `crjob validate` reports them.
  const { loaded, diagnostics } = checkSpec(source, file, opts.site ?? null);
  if (hasErrors(diagnostics)) throw new SpecError(diagnostics);
  // 2. Every default applied once.
  const job = normalizeSpec(loaded.data as Spec, {
    specFile: opts.displayName ?? file,
    site: opts.site?.data ?? null,
    mode: opts.mode,
  });
  return { job, diagnostics, data: loaded.data };
}

export function renderJob(source: string, file: string, opts: RenderOptions = {}): RenderResult {
  return renderCompiled(compileJob(source, file, opts), file, opts);
}

/** Steps 3 and 4 of renderJob, for a spec compileJob has compiled with the same options. */
export function renderCompiled(
  { job, diagnostics, data }: ReturnType<typeof compileJob>,
  file: string,
  opts: RenderOptions = {},
): RenderResult {
  // 3. Templates see only the model.
  const templates = opts.templates ?? loadTemplateSet();
  const body = renderScript(job, templates);
  // 4. The last line: what it was rendered from, and the script itself (render --check).
  const { text: script, bytes } = withFingerprint(body, renderInputs(data, file, { ...opts, templates }));
  return { script, bytes, job, diagnostics };
}

/**
 * renderCompiled's bytes alone, as a bulk render writes or compares them (a view of the buffer the
 * next render reuses), the kept partials' bytes copied rather than rendered into one string and
 * encoded (segments.ts). The same bytes as renderCompiled gives.
 */
export function renderCompiledBytes({ job, data }: ReturnType<typeof compileJob>, file: string, opts: RenderOptions = {}): Buffer {
  const templates = opts.templates ?? loadTemplateSet();
  const { digest, tokenFree } = inputsDigestChecked(fingerprintInputs(data, file, { ...opts, templates }));
  const raw = tokenFree ? renderSegments(job, templates) : null;
  return raw === null ? withFingerprint(renderScript(job, templates), digest).bytes : withFingerprintAssembled(raw, digest);
}

/** The digest of a render's inputs (fingerprint.ts), given the spec's parsed data. */
export function renderInputs(data: unknown, file: string, opts: RenderOptions = {}): string {
  return inputsDigest(fingerprintInputs(data, file, opts));
}

function fingerprintInputs(data: unknown, file: string, opts: RenderOptions): FingerprintInputs {
  return {
    templates: templateDigest(opts.templates ?? loadTemplateSet()),
    site: opts.site?.data ?? null,
    mode: opts.mode,
    displayName: opts.displayName ?? file,
    data,
  };
}

export { formatDiagnostic } from "./diagnostics.js";
export type { Diagnostic } from "./diagnostics.js";
export type { JobModel } from "./model.js";
export type { Spec, SiteProfile } from "./jobspec/types.js";
