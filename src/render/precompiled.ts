// Precompiled bundled templates. Empty here: run from src/ (vitest, library) every template is
// compiled at run time. The CLI build (scripts/build.mjs) swaps this module for one generated from
// templates/**/*.hbs with Handlebars.precompile and TEMPLATE_OPTIONS, plus `handlebars/runtime`.
import type Handlebars from "handlebars";
import type { TemplateReads } from "./memo.js";

export interface PrecompiledTemplate {
  /** The template text it was compiled from: used only while the file on disk still reads so. */
  source: string;
  spec: TemplateSpecification;
  /** What it reads (memo.ts), found by the build from its syntax tree. */
  reads: TemplateReads;
}

/** Bundled templates by name ("run.sh", "partials/lib"). */
export const precompiled: ReadonlyMap<string, PrecompiledTemplate> = new Map();

/**
 * templateDigest (engine.ts) of exactly these templates, in this order, made by the build (null
 * here): a render with the bundled templates unchanged need not hash their 90 KB of text.
 */
export const digest: string | null = null;

/** `handlebars/runtime` (no compiler) when the precompiled templates are bundled. */
export const runtime: typeof Handlebars | undefined = undefined;
