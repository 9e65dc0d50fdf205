// Phase 1: YAML text → data, keeping every node's position so later phases can say line:col.
// Pure: the caller reads the file.
import type { Alias, Document, LineCounter, Node, Scalar, YAMLMap, YAMLSeq } from "yaml";
import type { Diagnostic } from "../diagnostics.js";
import { fastYaml } from "./fast-yaml.js";
import { yamlLib } from "./yaml-lib.js";

// The library's node tests, through the library loaded on first use (yaml-lib.ts).
const isMap = (node: unknown): node is YAMLMap => yamlLib().isMap(node);
const isSeq = (node: unknown): node is YAMLSeq => yamlLib().isSeq(node);
const isScalar = (node: unknown): node is Scalar => yamlLib().isScalar(node);
const isAlias = (node: unknown): node is Alias => yamlLib().isAlias(node);

export interface LoadedSpec {
  file: string;
  /** The YAML text, for pointing inside a scalar (rules). */
  source: string;
  /** The parsed document; `undefined` when the YAML was too broken to check further. */
  data: unknown;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  diagnostics: Diagnostic[];
}

export type PathSegment = string | number;
export interface Position {
  line: number;
  col: number;
}

/** Load a job spec. */
export function loadSpec(source: string, file: string): LoadedSpec {
  return loadYaml(source, file, "job spec");
}

/**
 * Parse one YAML document that must be a mapping. Duplicate keys are errors. After a syntax error
 * `data` is undefined (checking a half-parsed document only adds noise); after duplicate keys
 * alone it is kept (the last value wins), so the schema still reports everything else.
 */
export function loadYaml(source: string, file: string, what: string): LoadedSpec {
  // Plain YAML (nearly every spec) is read without positions; the document with positions is
  // parsed only if a later phase asks where something is (it has a diagnostic to place).
  const data = fastYaml(source);
  if (data !== undefined) return withLazyPositions(source, file, data);
  const { doc, lineCounter } = parseWithPositions(source);
  const loaded: LoadedSpec = { file, source, data: undefined, doc, lineCounter, diagnostics: [] };
  const at = (offset: number, severity: Diagnostic["severity"], message: string, path = "") => {
    const { line, col } = lineCounter.linePos(offset);
    loaded.diagnostics.push({ file, line, col, path, message, severity });
  };

  // 1. Syntax errors and warnings, each at its own position.
  let broken = false;
  for (const err of doc.errors) {
    if (err.code === "DUPLICATE_KEY") {
      const dup = describeDuplicate(doc, lineCounter, err.pos[0]);
      at(err.pos[0], "error", dup.message, dup.path);
      continue;
    }
    broken = true;
    at(err.pos[0], "error", `invalid YAML: ${yamlMessage(err.code, err.message)}`);
  }
  for (const warn of doc.warnings) at(warn.pos[0], "warning", `YAML: ${yamlMessage(warn.code, warn.message)}`);
  if (broken) return loaded;

  // 2. The document must be a mapping of fields.
  const contents = doc.contents as Node | null;
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    loaded.diagnostics.push({
      file, line: 1, col: 1, path: "", severity: "error",
      message: `the file is empty; a ${what} is a mapping of fields`,
      ...(what === "job spec" ? { hint: "crjob init writes a starter spec" } : {}),
    });
    return loaded;
  }
  if (!isMap(contents)) {
    at(contents.range?.[0] ?? 0, "error", `a ${what} must be a mapping of fields (key: value), got ${nodeKind(contents)}`);
    return loaded;
  }

  // 3. Plain data for the schema. toJS throws on an alias to a missing anchor or an alias bomb.
  try {
    loaded.data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    at(contents.range?.[0] ?? 0, "error", `invalid YAML: ${yamlMessage("", (e as Error).message)}`);
  }
  return loaded;
}

function parseWithPositions(source: string): { doc: Document.Parsed; lineCounter: LineCounter } {
  const { LineCounter, parseDocument } = yamlLib();
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false });
  return { doc, lineCounter };
}

/** A spec read by fastYaml: no diagnostics, and the positioned document made on first use. */
function withLazyPositions(source: string, file: string, data: unknown): LoadedSpec {
  let parsed: ReturnType<typeof parseWithPositions> | undefined;
  const positions = () => (parsed ??= parseWithPositions(source));
  return {
    file,
    source,
    data,
    diagnostics: [],
    get doc() {
      return positions().doc;
    },
    get lineCounter() {
      return positions().lineCounter;
    },
  };
}

/** What a document that is not a mapping holds: a list, an alias, or a scalar ("a string", "a number"…). */
function nodeKind(node: Node): string {
  if (isSeq(node)) return "a list";
  if (isAlias(node)) return "an alias";
  return `a ${typeof (node as Scalar).value}`;
}

function yamlMessage(code: string, message: string): string {
  if (code === "MULTIPLE_DOCS") return 'the file holds more than one document ("---"); a spec is one document';
  const text = message.split("\n")[0]!;
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** "checkpoint.interval: duplicate key (already set on line 7)" for the key at `offset`. */
function describeDuplicate(doc: Document.Parsed, lc: LineCounter, offset: number): { path: string; message: string } {
  const found = findKeyAt(doc.contents as Node | null, offset, []);
  if (!found) return { path: "", message: "duplicate key" };
  const first = found.firstOffset === undefined ? "" : ` (already set on line ${lc.linePos(found.firstOffset).line})`;
  return { path: formatPath(found.path), message: `duplicate key${first}` };
}

function findKeyAt(
  node: Node | null,
  offset: number,
  path: PathSegment[],
): { path: PathSegment[]; firstOffset?: number } | null {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      const name = isScalar(key) ? String(key.value) : "?";
      if (key?.range?.[0] === offset) {
        const first = node.items.find((p) => isScalar(p.key) && String(p.key.value) === name);
        const firstOffset = first && first !== pair ? (first.key as Node).range?.[0] : undefined;
        return { path: [...path, name], firstOffset };
      }
      const hit = findKeyAt(pair.value as Node | null, offset, [...path, name]);
      if (hit) return hit;
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const hit = findKeyAt(item as Node | null, offset, [...path, i]);
      if (hit) return hit;
    }
  }
  return null;
}

/** ["stage", "in", 2] → "stage.in[2]"; odd keys are quoted: app.env["1X"]. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/**
 * Where `path` is in the document. `at: "value"` (default) points at the value, `"key"` at its key
 * (for unknown or duplicate keys, and for empty values, which have no position of their own).
 * A path that does not exist falls back to the nearest existing parent's key.
 */
export function locate(
  loaded: Pick<LoadedSpec, "doc" | "lineCounter">,
  path: readonly PathSegment[],
  at: "value" | "key" = "value",
): Position {
  const pos = (offset: number): Position => loaded.lineCounter.linePos(offset);
  let node = loaded.doc.contents as Node | null;
  let keyOffset: number | undefined;
  for (const [i, seg] of path.entries()) {
    let next: Node | null | undefined;
    let nextKey: number | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair) {
        next = pair.value as Node | null;
        nextKey = (pair.key as Node).range?.[0];
      }
    } else if (isSeq(node) && typeof seg === "number") {
      next = node.items[seg] as Node | null | undefined;
      nextKey = next?.range?.[0];
    }
    if (nextKey === undefined) break; // missing: stay at the parent
    const last = i === path.length - 1;
    if (last && at === "key") return pos(nextKey);
    const empty = next == null || (isScalar(next) && next.value === null && next.range?.[0] === next.range?.[1]);
    if (last) return pos(empty || !next?.range ? nextKey : next.range[0]);
    node = next ?? null;
    keyOffset = nextKey;
  }
  if (keyOffset !== undefined) return pos(keyOffset);
  const root = loaded.doc.contents as Node | null;
  return root?.range ? pos(root.range[0]) : { line: 1, col: 1 };
}

/**
 * Where character `index` of the string value at `path` is, for a plain or quoted scalar written
 * on one line without escapes; otherwise where the value starts.
 */
export function locateInValue(
  loaded: Pick<LoadedSpec, "doc" | "lineCounter" | "source">,
  path: readonly PathSegment[],
  index: number,
): Position {
  const node = loaded.doc.getIn(path as PathSegment[], true);
  if (isScalar(node) && typeof node.value === "string" && node.range) {
    const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
    const start = node.range[0] + (quoted ? 1 : 0);
    if (loaded.source.slice(start, start + node.value.length) === node.value) {
      return loaded.lineCounter.linePos(start + index);
    }
  }
  return locate(loaded, path);
}
