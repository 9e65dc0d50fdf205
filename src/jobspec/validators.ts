// The schema validators, compiled by ajv at run time: what vitest and library users get.
// The CLI build (scripts/build.mjs) swaps this module for ajv standalone code generated from the
// same schemas with the same options, so the bundled CLI never loads or runs the ajv compiler.
// Both give validate functions that leave identical `errors` (validate.ts rephrases them).
import { Ajv, type ErrorObject, type Options } from "ajv";
import { siteSchema, specSchema } from "./schema.js";

/** What ajv's compile() (or its standalone output) gives: a predicate that leaves `errors`. */
export type SchemaValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/**
 * Options matter for the messages: allErrors, no defaults applied (the data stays as written;
 * normalize applies defaults), no type coercion. The build generates the standalone code with these.
 */
export const AJV_OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true } as const satisfies Options;

export function newAjv(extra: Options = {}): Ajv {
  return new Ajv({ ...AJV_OPTIONS, ...extra });
}

export function specValidator(): SchemaValidator {
  return newAjv().compile(specSchema);
}

export function siteValidator(): SchemaValidator {
  return newAjv().compile(siteSchema);
}

/** For the build: the schemas the standalone code is generated from. */
export { siteSchema, specSchema };
