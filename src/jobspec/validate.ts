// Phase 2: the JSON Schema, with every ajv error rephrased for people and placed at line:col.
import type { ErrorObject } from "ajv";
import type { Diagnostic } from "../diagnostics.js";
import { formatPath, locate, type LoadedSpec, type PathSegment } from "./load.js";
import { patternHelp, specSchema } from "./schema.js";
import { siteValidator as newSiteValidator, specValidator as newSpecValidator, type SchemaValidator } from "./validators.js";

export type { SchemaValidator };

let specValidator: SchemaValidator | undefined;
let siteValidator: SchemaValidator | undefined;

/**
 * The validators, made once. They come from validators.ts (the one place ajv is constructed),
 * which the CLI build swaps for ajv standalone code generated from the same schemas and options
 * (start-up time); the errors, and so the messages below, are the same either way.
 */
export function compileSpecValidator(): SchemaValidator {
  return (specValidator ??= newSpecValidator());
}

export function compileSiteValidator(): SchemaValidator {
  return (siteValidator ??= newSiteValidator());
}

/** Schema diagnostics for a loaded spec (none when loading already failed). */
export function validateSpec(loaded: LoadedSpec): Diagnostic[] {
  return validateWith(loaded, compileSpecValidator(), specSchema);
}

/** Run `validator` on `loaded.data` and rephrase its errors; `schema` supplies the allowed keys. */
export function validateWith(loaded: LoadedSpec, validator: SchemaValidator, schema: object): Diagnostic[] {
  if (loaded.data === undefined) return [];
  if (validator(loaded.data)) return [];
  const errors = validator.errors ?? [];
  const out: Diagnostic[] = [];
  const misspelt = misspeltFields(errors, schema);
  const seen = new Set<string>();
  for (const err of errors) {
    if (isNoise(err, errors)) continue;
    // "app.comand: unknown property (did you mean "command"?)" says it all; skip "missing command".
    if (err.keyword === "required" && misspelt.has(`${err.instancePath}/${String(err.params.missingProperty)}`)) continue;
    const d = describe(err, loaded, schema);
    const key = `${d.path}\u0000${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}

/** "<instancePath>/<field>" for every unknown key that looks like a typo of `field`. */
function misspeltFields(errors: readonly ErrorObject[], schema: object): Set<string> {
  const out = new Set<string>();
  for (const err of errors) {
    if (err.keyword !== "additionalProperties") continue;
    const near = didYouMean(String(err.params.additionalProperty), allowedKeys(err, schema));
    if (near) out.add(`${err.instancePath}/${near}`);
  }
  return out;
}

function allowedKeys(err: ErrorObject, schema: object): string[] {
  const parent = resolvePointer(schema, err.schemaPath.replace(/\/additionalProperties$/, ""));
  return Object.keys((parent?.properties as object | undefined) ?? {});
}

/** Wrappers whose real cause is reported by another error (propertyNames, oneOf/anyOf fan-out). */
function isNoise(err: ErrorObject, all: readonly ErrorObject[]): boolean {
  if (err.keyword === "propertyNames") return all.some((e) => e !== err && e.propertyName !== undefined);
  if (["oneOf", "anyOf", "if", "not"].includes(err.keyword)) {
    return all.some((e) => e !== err && e.instancePath.startsWith(err.instancePath) && !isCombinator(e));
  }
  return false;
}
const isCombinator = (e: ErrorObject) => ["oneOf", "anyOf", "if", "not"].includes(e.keyword);

function describe(err: ErrorObject, loaded: LoadedSpec, schema: object): Diagnostic {
  const path = dataPath(loaded.data, err.instancePath);
  const value = valueAt(loaded.data, path);
  const diag = (p: PathSegment[], at: "key" | "value", message: string, hint?: string): Diagnostic => ({
    file: loaded.file,
    ...locate(loaded, p, at),
    path: formatPath(p),
    message,
    severity: "error",
    ...(hint ? { hint } : {}),
  });
  /** Most errors are about the value at the error's own path. */
  const atValue = (message: string, hint?: string): Diagnostic => diag(path, "value", message, hint);
  const params = err.params as Record<string, unknown>;

  switch (err.keyword) {
    case "required": {
      const field = String(params.missingProperty);
      return diag(path, "key", `missing required field "${field}"`, EXAMPLES[field]);
    }
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      const allowed = allowedKeys(err, schema);
      return diag([...path, key], "key", "unknown property", unknownKeyHint(key, allowed, path, schema));
    }
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      const suggestion = typeof value === "string" ? didYouMean(value, params.allowedValues as string[]) : undefined;
      return atValue(`must be one of ${allowed.join(", ")}, got ${show(value)}`, suggestion && `did you mean "${suggestion}"?`);
    }
    case "type": {
      const expected = ([] as string[]).concat(params.type as string | string[]);
      const wantsString = expected.includes("string");
      const quotable = wantsString && (typeof value === "number" || typeof value === "boolean");
      const message = `expected ${expected.map(typeName).join(" or ")}, got ${kindOf(value)}`;
      if (quotable) return atValue(message, `quote it: "${String(value)}"`);
      // YAML 1.2 reads yes/no/on/off as text, unlike YAML 1.1 (which many people learnt).
      const yes = typeof value === "string" && expected.includes("boolean") ? YAML11_BOOLS[value.toLowerCase()] : undefined;
      return atValue(message, yes === undefined ? undefined : `write ${String(yes)}; "${String(value)}" is text in YAML 1.2`);
    }
    case "pattern": {
      const help = patternHelp[String(params.pattern)] ?? `text matching ${String(params.pattern)}`;
      if (err.propertyName !== undefined) {
        return diag([...path, err.propertyName], "key", `invalid name ${JSON.stringify(err.propertyName)}: must be ${help}`);
      }
      return atValue(`must be ${help}, got ${show(value)}`);
    }
    case "minimum":
    case "exclusiveMinimum":
      return atValue(`must be at least ${limit(err)}, got ${show(value)}`);
    case "maximum":
    case "exclusiveMaximum":
      return atValue(`must be at most ${limit(err)}, got ${show(value)}`);
    case "minLength":
      return atValue(params.limit === 1 ? "must not be empty" : `must be at least ${String(params.limit)} characters long`);
    case "minItems":
      return atValue(params.limit === 1 ? "must not be an empty list" : `must have at least ${String(params.limit)} entries`);
    default:
      return atValue(err.message ?? `fails the schema's "${err.keyword}" check`);
  }
}

function limit(err: ErrorObject): string {
  const { limit: n, comparison } = err.params as { limit: number; comparison: string };
  return String(comparison === ">" ? n + 1 : comparison === "<" ? n - 1 : n);
}

const YAML11_BOOLS: Record<string, boolean> = { yes: true, no: false, on: true, off: false, y: true, n: false };

const EXAMPLES: Record<string, string> = {
  name: "e.g. name: stars",
  queue: "e.g. queue: normal",
  app: "e.g. app: { command: ./myapp }",
  command: "e.g. command: ./myapp",
};

/** "did you mean …" at this level, else the field's home elsewhere, else the allowed keys. */
function unknownKeyHint(key: string, allowed: string[], path: PathSegment[], schema: object): string | undefined {
  const near = didYouMean(key, allowed);
  if (near) return `did you mean "${near}"?`;
  const home = findField(schema, key, []).filter((p) => p.join(".") !== [...path, key].join("."));
  if (home.length === 1) return `"${key}" belongs under "${home[0]!.slice(0, -1).join(".")}"`;
  return allowed.length ? `known fields here: ${allowed.join(", ")}` : undefined;
}

/** Paths of every property named `key` in the schema (a fixed tree: no $ref). */
function findField(schema: unknown, key: string, at: string[]): string[][] {
  const props = (schema as { properties?: Record<string, unknown> } | null)?.properties;
  if (!props) return [];
  return Object.entries(props).flatMap(([k, sub]) => [
    ...(k === key ? [[...at, k]] : []),
    ...findField(sub, key, [...at, k]),
  ]);
}

// --- small helpers ------------------------------------------------------------------------------

/** A JSON pointer's segments, unescaped (all strings: "1" may be a list index or a mapping key). */
function pointerToPath(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The pointer as a path into `data`: a number in a list, a string in a mapping ("1": x stays "1"). */
function dataPath(data: unknown, pointer: string): PathSegment[] {
  let v = data;
  return pointerToPath(pointer).map((seg) => {
    const s = Array.isArray(v) ? Number(seg) : seg;
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[s] : undefined;
    return s;
  });
}

function resolvePointer(root: unknown, schemaPath: string): Record<string, unknown> | undefined {
  let node = root as Record<string, unknown> | undefined;
  for (const seg of pointerToPath(schemaPath.replace(/^#/, ""))) node = node?.[seg] as Record<string, unknown> | undefined;
  return node;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v = data;
  for (const seg of path) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

function typeName(t: string): string {
  const names: Record<string, string> = {
    string: "a string", integer: "a whole number", number: "a number", boolean: "true or false",
    array: "a list", object: "a mapping", null: "nothing",
  };
  return names[t] ?? t;
}

/** How the value the user wrote looks, in YAML terms. */
export function kindOf(v: unknown): string {
  if (v === null || v === undefined) return "an empty value";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "number") return Number.isInteger(v) ? "a number" : `a fraction (${v})`;
  return `a ${typeof v}`;
}

function show(v: unknown): string {
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return JSON.stringify(v);
  return kindOf(v);
}

/** The closest candidate within a small edit distance (typos, swapped letters, case), if any. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) [best, bestDist] = [c, d];
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(Math.max(word.length, best?.length ?? 0) / 3)));
  // Without candidates bestDist stays Infinity: nothing is close.
  return bestDist <= allowed ? best : undefined;
}

/** Damerau–Levenshtein (optimal string alignment): a swap of two letters counts once. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
