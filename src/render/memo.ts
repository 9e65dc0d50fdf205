// Partials rendered once per distinct input, not once per spec (issue 12: bulk render).
//
// Most of a script (the lifecycle library, the checkpointer's functions, the main loop) comes from
// partials that read a handful of fields (`scheduler`, `tool`, `warningSignal`, ...), the same for
// thousands of specs. Each partial's output is a function of the fields it reads, so it is kept by
// their values: the next spec with the same values gets the same text without running the template.
//
// What a partial reads is found in its syntax tree, once per template set (by the build for the
// bundled templates): every field path it names, and those of the partials it calls. A partial
// whose reads cannot be pinned down (`this` or `@root` at its top, `../` above itself, a block
// helper other than if/unless/each/with, partial blocks, decorators) is simply not kept. Helpers
// must be pure functions of their arguments (they are: quoting and formatting, helpers.ts).
import { canonical } from "./fingerprint.js";
import { expand, give, indented, register, release, segmentMode, unindentable } from "./segments.js";

/** What one template reads, from its syntax tree alone (JSON: the build embeds it). */
export interface TemplateReads {
  /** Field paths read at the template's own context ("app.args"); null: cannot be kept. */
  paths: string[] | null;
  /** Names read in a helper's place (`{{name}}`, `{{#name}}`): a field unless a helper has the name. */
  callees: string[];
  /** The partials it calls at its own context: a name, or a RegExp source for a computed name. */
  partials: { name?: string; pattern?: string }[];
}

// The parts of Handlebars' syntax tree (hbs.AST) read here.
interface Node {
  type: string;
  [key: string]: unknown;
}
interface PathNode extends Node {
  data: boolean;
  depth: number;
  parts: string[];
  original: string;
}

const CONTEXT_BLOCKS = new Set(["each", "with"]);
const SAME_CONTEXT_BLOCKS = new Set(["if", "unless"]);
const ITERATION_DATA = new Set(["index", "key", "first", "last"]);

/** What `ast` (a Handlebars Program) reads; see TemplateReads. */
export function templateReads(ast: Node): TemplateReads {
  const paths = new Set<string>();
  const callees = new Set<string>();
  const partials: { name?: string; pattern?: string }[] = [];
  let keepable = true;

  /** A path used as a value at block depth `depth` (0: the template's own context). */
  const value = (p: Node | undefined, depth: number) => {
    if (!p) return;
    if (p.type === "SubExpression") return call(p, depth);
    if (p.type !== "PathExpression") return; // a literal
    const path = p as PathNode;
    if (path.data) {
      if (!(depth > 0 && ITERATION_DATA.has(path.parts[0] ?? ""))) keepable = false; // @root, @partial-block, ...
      return;
    }
    const level = depth - path.depth; // how many blocks in from the template's context
    if (level < 0) keepable = false; // ../ above the template
    else if (level === 0) {
      if (path.parts.length === 0) keepable = false; // `this`: the whole context
      else paths.add(path.parts.join("."));
    } // else: inside a block over a value that is itself read whole
  };
  const hash = (h: Node | undefined, depth: number) => {
    for (const pair of ((h as { pairs?: { value: Node }[] } | undefined)?.pairs ?? [])) value(pair.value, depth);
  };
  /** A mustache, block or subexpression: `path` is a helper or a field. */
  const call = (n: Node, depth: number) => {
    const path = n.path as PathNode;
    const params = (n.params as Node[]) ?? [];
    if (path.type === "PathExpression" && !path.data && path.depth === 0 && path.parts.length === 1 && depth === 0) {
      callees.add(path.parts[0]!);
    } else {
      value(path, depth);
    }
    for (const p of params) value(p, depth);
    hash(n.hash as Node | undefined, depth);
  };
  const program = (p: Node | undefined, depth: number) => {
    for (const s of ((p?.body as Node[] | undefined) ?? [])) statement(s, depth);
  };
  const statement = (s: Node, depth: number) => {
    switch (s.type) {
      case "ContentStatement":
      case "CommentStatement":
        return;
      case "MustacheStatement":
        return call(s, depth);
      case "BlockStatement": {
        const path = s.path as PathNode;
        const name = path.type === "PathExpression" && path.parts.length === 1 && !path.data && path.depth === 0 ? path.parts[0]! : "";
        const params = (s.params as Node[]) ?? [];
        if (SAME_CONTEXT_BLOCKS.has(name)) {
          for (const p of params) value(p, depth);
          hash(s.hash as Node | undefined, depth);
          program(s.program as Node, depth);
          program(s.inverse as Node | undefined, depth);
        } else if (CONTEXT_BLOCKS.has(name) && params.length === 1 && !s.hash && !(s.program as Node).blockParams) {
          value(params[0], depth); // read whole: the block's own paths are parts of it
          program(s.program as Node, depth + 1);
          program(s.inverse as Node | undefined, depth); // {{else}}: the outer context
        } else {
          keepable = false; // a section ({{#field}}) or another block helper: not followed
        }
        return;
      }
      case "PartialStatement": {
        const params = (s.params as Node[]) ?? [];
        const name = s.name as Node;
        if (params.length > 0 || depth > 0) {
          // Another context for the partial: read whole here (its own reads are within it).
          for (const p of params) value(p, depth);
          if (params.length === 0) value({ type: "PathExpression", data: false, depth: 0, parts: [], original: "this" } as PathNode, depth);
        }
        hash(s.hash as Node | undefined, depth);
        if (name.type === "PathExpression" || name.type === "StringLiteral") {
          const n = name.type === "StringLiteral" ? String(name.value) : (name as PathNode).original;
          if (params.length === 0 && depth === 0) partials.push({ name: n });
        } else if (name.type === "SubExpression") {
          call(name, depth);
          if (params.length === 0 && depth === 0) partials.push({ pattern: namePattern(name) });
        } else {
          keepable = false;
        }
        return;
      }
      default:
        keepable = false; // partial blocks, decorators, ...
    }
  };
  program(ast, 0);
  return { paths: keepable ? [...paths].sort() : null, callees: [...callees].sort(), partials };
}

/** The names a computed partial name can take: `(concat "a/" x "/b")` → ^a/.*\/b$; else any. */
function namePattern(sub: Node): string {
  const path = sub.path as PathNode;
  if (path.type !== "PathExpression" || path.original !== "concat") return "^[^]*$";
  const parts = ((sub.params as Node[]) ?? []).map((p) =>
    p.type === "StringLiteral" ? String(p.value).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&") : "[^]*",
  );
  return `^${parts.join("")}$`;
}

/**
 * The fields each partial's output depends on, its own and those of the partials it calls (null:
 * not kept). `helpers`: the names that are helpers (everything else a callee names is a field).
 */
export function partialKeys(reads: Map<string, TemplateReads>, helpers: ReadonlySet<string>): Map<string, string[] | null> {
  const out = new Map<string, string[] | null>();
  const visiting = new Set<string>();
  const keys = (name: string): string[] | null => {
    if (out.has(name)) return out.get(name)!;
    const r = reads.get(name);
    if (!r || !r.paths || visiting.has(name)) return null; // unknown partial, or a cycle
    visiting.add(name);
    const all = new Set(r.paths);
    for (const c of r.callees) if (!helpers.has(c)) all.add(c);
    let ok = true;
    for (const call of r.partials) {
      const re = call.pattern === undefined ? null : new RegExp(call.pattern);
      const callees = call.name !== undefined ? [call.name] : [...reads.keys()].filter((n) => n !== "run.sh" && re!.test(n));
      for (const c of callees) {
        const k = keys(c);
        if (k === null) ok = false;
        else for (const p of k) all.add(p);
      }
    }
    visiting.delete(name);
    const result = ok ? [...all].sort() : null;
    out.set(name, result);
    return result;
  };
  for (const name of reads.keys()) keys(name);
  return out;
}

/** Calls after which a partial that was hit less than a quarter of the time stops being kept. */
const TRIAL = 64;
/** Outputs kept per partial at most (then the oldest half goes). */
const LIMIT = 256;

type TemplateFn = (context: unknown, options?: unknown) => string;

/** `fn` (a compiled partial) kept by the values of `paths` in its context. */
export function memoized(fn: TemplateFn, paths: readonly string[]): TemplateFn {
  const split = paths.map((p) => p.split("."));
  /** Output by key; in segment mode (segments.ts) also the token that stands for it. */
  const kept = new Map<string, { text: string; id?: number; token?: string }>();
  const drop = (entry: { id?: number }) => {
    if (entry.id !== undefined) release(entry.id);
  };
  let calls = 0;
  let hits = 0;
  let on = true;
  return (context, options) => {
    if (!on) return unindentable(fn(context, options), options);
    let key = "";
    for (const parts of split) {
      let v: unknown = context;
      let missing = false; // a missing field (strict mode throws) is not a field that holds null
      for (const part of parts) {
        if (v !== null && typeof v === "object" && part in v) v = (v as Record<string, unknown>)[part];
        else {
          missing = true;
          break;
        }
      }
      key += (missing ? "!" : canonical(v)) + "\u0000";
    }
    calls++;
    let entry = kept.get(key);
    if (entry !== undefined) {
      hits++;
    } else if (calls >= TRIAL && hits * 4 < calls) {
      on = false; // a per-spec partial (the header, the settings): keeping costs more than it saves
      for (const e of kept.values()) drop(e);
      kept.clear();
      return unindentable(fn(context, options), options);
    } else {
      entry = { text: expand(fn(context, options)) };
      if (kept.size >= LIMIT) {
        for (const k of [...kept.keys()].slice(0, LIMIT / 2)) {
          drop(kept.get(k)!);
          kept.delete(k);
        }
      }
      kept.set(key, entry);
    }
    if (!segmentMode() || indented(options)) return entry.text;
    if (entry.token === undefined) ({ id: entry.id, token: entry.token } = register(entry.text));
    return give(entry.id!, entry.token);
  };
}
