// The plain YAML that job specs are written in, read ~20× faster than the yaml library does it
// (which builds a full document with every node's position): block mappings and lists, one-line
// flow lists and mappings, plain, single- and double-quoted one-line scalars, comments. Anything
// else (anchors, tags, block scalars, multi-line scalars, escapes, tabs, duplicate keys, odd keys,
// floats...) returns undefined, and load.ts parses the text with the yaml library as before.
//
// Where it answers, it answers as `parseDocument(text).toJS()` does under the YAML 1.2 core
// schema (test/jobspec/fast-yaml.test.ts compares the two on every spec the project has and on
// generated ones), with no errors or warnings to report: a spec read this way that passes the
// checks needs no positions at all.

type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

/** Not handled here: let the yaml library read it. */
class Bail extends Error {}
const BAIL = new Bail();

interface Line {
  indent: number;
  /** The line without its indentation; never blank, never a comment-only line. */
  text: string;
}

// Keys: an identifier-like plain word that resolves to itself as a string (not null/true/false).
const KEY = /^([A-Za-z_][A-Za-z0-9_.-]*):(?: +|$)/;
const NOT_STRING_KEYS = new Set(["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"]);
// The core schema's tags (yaml/dist/schema/core): what a plain scalar resolves to.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
// Octal, hex and floats are left to the library (rare in a spec; their details are its own).
const OTHER_NUMBER = /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/;

/** The data of a spec written in plain YAML, or undefined: read it with the yaml library. */
export function fastYaml(source: string): Record<string, Value> | undefined {
  // Tabs, CR, BOM, NUL and other control characters have rules of their own.
  if (/[\t\r\uFEFF\0-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(source)) return undefined;
  const lines: Line[] = [];
  for (const raw of source.split("\n")) {
    let indent = 0;
    while (raw.charCodeAt(indent) === 32) indent++;
    if (indent === raw.length || raw.charCodeAt(indent) === 35 /* # */) continue;
    // Directives, document markers and the like: the library's business.
    if (indent === 0 && /^(?:%|---|\.\.\.)/.test(raw)) return undefined;
    lines.push({ indent, text: raw.slice(indent) });
  }
  if (lines.length === 0 || lines[0]!.indent !== 0) return undefined;
  try {
    const at = { i: 0 };
    const data = blockMap(lines, at, 0);
    return at.i === lines.length ? data : undefined;
  } catch (e) {
    if (e instanceof Bail) return undefined;
    throw e;
  }
}

/** A block mapping whose keys are at `indent`, from lines[at.i] on. */
function blockMap(lines: Line[], at: { i: number }, indent: number): Record<string, Value> {
  const map: Record<string, Value> = {};
  const seen = new Set<string>();
  while (at.i < lines.length && lines[at.i]!.indent === indent) {
    const { text } = lines[at.i]!;
    const m = KEY.exec(text);
    if (!m || text.startsWith("- ") || text === "-") throw BAIL;
    const key = m[1]!;
    // Duplicates are errors with positions; a long key is the library's error; __proto__ is special.
    if (seen.has(key) || NOT_STRING_KEYS.has(key) || key === "__proto__" || key.length > 1000) throw BAIL;
    seen.add(key);
    const rest = text.slice(m[0].length);
    at.i++;
    if (rest === "" || rest.startsWith("#")) {
      map[key] = nested(lines, at, indent);
    } else {
      map[key] = inlineValue(rest);
      if (at.i < lines.length && lines[at.i]!.indent > indent) throw BAIL; // a multi-line value
    }
  }
  if (at.i < lines.length && lines[at.i]!.indent > indent) throw BAIL;
  return map;
}

/** The value of `key:` with nothing after it: a block below it, or null. */
function nested(lines: Line[], at: { i: number }, indent: number): Value {
  const next = lines[at.i];
  if (next === undefined) return null;
  const isItem = next.text.startsWith("- ") || next.text === "-";
  if (next.indent > indent) return isItem ? blockSeq(lines, at, next.indent) : blockMap(lines, at, next.indent);
  if (next.indent === indent && isItem) return blockSeq(lines, at, indent);
  return null;
}

/** A block list of scalars and one-line flow collections, its "-" at `indent`. */
function blockSeq(lines: Line[], at: { i: number }, indent: number): Value[] {
  const items: Value[] = [];
  while (at.i < lines.length && lines[at.i]!.indent === indent && lines[at.i]!.text.startsWith("- ")) {
    const rest = lines[at.i]!.text.slice(2).replace(/^ +/, "");
    // "- key: value" (a list of mappings) and "-" alone (null, or a nested block): the library's.
    if (rest === "" || rest.startsWith("#") || KEY.test(rest) || rest.startsWith("- ")) throw BAIL;
    items.push(inlineValue(rest));
    at.i++;
    if (at.i < lines.length && lines[at.i]!.indent > indent) throw BAIL;
  }
  if (at.i < lines.length && lines[at.i]!.indent === indent && lines[at.i]!.text === "-") throw BAIL;
  return items;
}

/** A value written on the line after "key: " or "- ": scalar, or a one-line flow collection. */
function inlineValue(text: string): Value {
  const c = text[0]!;
  if (c === "[" || c === "{") {
    const p = { s: text, i: 0 };
    const v = c === "[" ? flowSeq(p) : flowMap(p);
    endOfLine(text.slice(p.i));
    return v;
  }
  if (c === '"' || c === "'") {
    const { value, end } = quoted(text, 0);
    endOfLine(text.slice(end));
    return value;
  }
  // A plain scalar runs to " #" (a comment) or the end of the line.
  const hash = text.indexOf(" #");
  const plain = (hash === -1 ? text : text.slice(0, hash)).replace(/ +$/, "");
  return plainScalar(plain, false);
}

/** After a value: only spaces, and a comment after at least one of them. */
function endOfLine(rest: string): void {
  const t = rest.replace(/^ +/, "");
  if (t === "" || (t.startsWith("#") && t.length < rest.length)) return;
  throw BAIL;
}

/** A plain scalar's value under the core schema; in flow context `flow` is true. */
function plainScalar(s: string, flow: boolean): Value {
  if (s === "") throw BAIL;
  const c = s[0]!;
  // Indicators that cannot start a plain scalar, or start one only when followed by a non-space.
  if ("[]{},#&*!|>'\"%@`".includes(c)) throw BAIL;
  if ((c === "-" || c === "?" || c === ":") && (s.length === 1 || s[1] === " ")) throw BAIL;
  if (s.includes(": ") || s.endsWith(":") || s.includes(" #")) throw BAIL;
  if (flow && (/[[\]{},:]/.test(s) || c === "?")) throw BAIL;
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return c === "t" || c === "T";
  if (INT.test(s)) return parseInt(s, 10);
  if (OTHER_NUMBER.test(s)) throw BAIL;
  return s;
}

/** A quoted scalar starting at s[i] on one line, without escapes: its value and where it ends. */
function quoted(s: string, i: number): { value: string; end: number } {
  const q = s[i]!;
  if (q === '"') {
    const end = s.indexOf('"', i + 1);
    if (end === -1) throw BAIL;
    const value = s.slice(i + 1, end);
    if (value.includes("\\")) throw BAIL;
    return { value, end: end + 1 };
  }
  let value = "";
  let j = i + 1;
  for (;;) {
    const end = s.indexOf("'", j);
    if (end === -1) throw BAIL;
    value += s.slice(j, end);
    if (s[end + 1] === "'") {
      value += "'";
      j = end + 2;
    } else {
      return { value, end: end + 1 };
    }
  }
}

interface Cursor {
  s: string;
  i: number;
}

const skipSpaces = (p: Cursor) => {
  while (p.s[p.i] === " ") p.i++;
};

/** "[a, 'b', "c d"]": scalars only. */
function flowSeq(p: Cursor): Value[] {
  p.i++; // [
  const items: Value[] = [];
  skipSpaces(p);
  if (p.s[p.i] === "]") {
    p.i++;
    return items;
  }
  for (;;) {
    skipSpaces(p);
    items.push(flowScalar(p));
    skipSpaces(p);
    const c = p.s[p.i];
    p.i++;
    if (c === "]") return items;
    if (c !== ",") throw BAIL;
    skipSpaces(p);
    if (p.s[p.i] === "]") throw BAIL; // a trailing comma: let the library decide
  }
}

/** "{a: 1, b: "x"}": plain keys, scalar values. */
function flowMap(p: Cursor): Record<string, Value> {
  p.i++; // {
  const map: Record<string, Value> = {};
  skipSpaces(p);
  if (p.s[p.i] === "}") {
    p.i++;
    return map;
  }
  for (;;) {
    skipSpaces(p);
    const m = /^([A-Za-z_][A-Za-z0-9_.-]*): +/.exec(p.s.slice(p.i));
    if (!m) throw BAIL;
    const key = m[1]!;
    if (key in map || NOT_STRING_KEYS.has(key) || key === "__proto__") throw BAIL;
    p.i += m[0].length;
    map[key] = flowScalar(p);
    skipSpaces(p);
    const c = p.s[p.i];
    p.i++;
    if (c === "}") return map;
    if (c !== ",") throw BAIL;
  }
}

/** A scalar inside a flow collection: quoted, or plain up to "," "]" "}". */
function flowScalar(p: Cursor): Value {
  const c = p.s[p.i];
  if (c === '"' || c === "'") {
    const { value, end } = quoted(p.s, p.i);
    p.i = end;
    return value;
  }
  let j = p.i;
  while (j < p.s.length && !",]}".includes(p.s[j]!)) j++;
  const plain = p.s.slice(p.i, j).replace(/ +$/, "");
  p.i = j;
  return plainScalar(plain, true);
}
