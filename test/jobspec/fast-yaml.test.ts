// fastYaml must answer exactly as the yaml library does, or not at all (load.ts then uses the
// library): compared on every YAML file the project has and on many generated documents.
import fc from "fast-check";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { isMap, parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { specYaml } from "../../bench/specs.mjs";
import { fastYaml } from "../../src/jobspec/fast-yaml.js";
import { ROOT } from "../helpers.js";

/** What load.ts's full path gives: the data when the document is a clean mapping, else a reason. */
function library(source: string): { data: unknown } | { not: string } {
  const doc = parseDocument(source, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) return { not: `errors: ${doc.errors.map((e) => e.code).join(",")}` };
  if (doc.warnings.length) return { not: `warnings: ${doc.warnings.map((e) => e.code).join(",")}` };
  if (!isMap(doc.contents)) return { not: "not a mapping" };
  try {
    return { data: doc.toJS({ maxAliasCount: 1000 }) };
  } catch (e) {
    return { not: String(e) };
  }
}

/** Undefined when fastYaml agrees with the library (or declines), else what differs. */
function disagreement(source: string): string | undefined {
  const fast = fastYaml(source);
  if (fast === undefined) return undefined;
  const lib = library(source);
  if (!("data" in lib)) return `fastYaml answered, the library has ${lib.not}`;
  try {
    expect(fast).toStrictEqual(lib.data);
  } catch {
    return `fastYaml ${JSON.stringify(fast)} != library ${JSON.stringify(lib.data)}`;
  }
  return undefined;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(e) ? [p] : [];
  });
}

describe("fastYaml", () => {
  it("reads the examples and the bench's specs (so that bulk render gains), as the library does", () => {
    const examples = yamlFiles(join(ROOT, "examples"));
    expect(examples.length).toBeGreaterThan(3);
    for (const f of examples) {
      const text = readFileSync(f, "utf8");
      expect(fastYaml(text), f).toBeDefined();
      expect(disagreement(text), f).toBeUndefined();
    }
    for (let i = 0; i < 500; i++) {
      expect(fastYaml(specYaml(i)), `bench spec ${i}`).toBeDefined();
      expect(disagreement(specYaml(i)), `bench spec ${i}`).toBeUndefined();
    }
  });

  it("agrees with the library on every YAML file under test/ (or leaves it to the library)", () => {
    const files = yamlFiles(join(ROOT, "test"));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect(disagreement(readFileSync(f, "utf8")), f).toBeUndefined();
  });

  it.each([
    ["a plain mapping", "a: 1\nb: x\n", { a: 1, b: "x" }],
    ["nested blocks and a block list at the key's indent", "a:\n  b:\n  - x\n  - 'y'\nc: ~\n", { a: { b: ["x", "y"] }, c: null }],
    ["flow collections and comments", 'a: [x, "y z", 3] # c\nb: {k: v, n: 2}\n', { a: ["x", "y z", 3], b: { k: "v", n: 2 } }],
    ["core-schema scalars", "a: true\nb: NULL\nc: -5\nd: yes\ne: 12h\nf: 36:00\n", { a: true, b: null, c: -5, d: "yes", e: "12h", f: "36:00" }],
    ["quotes", "a: 'it''s'\nb: \"$HOME x\"\n", { a: "it's", b: "$HOME x" }],
  ])("reads %s", (_, text, want) => {
    expect(fastYaml(text)).toStrictEqual(want);
    expect(disagreement(text)).toBeUndefined();
  });

  it.each([
    ["a duplicate key", "a: 1\na: 2\n"],
    ["an anchor", "a: &x 1\nb: *x\n"],
    ["a block scalar", "a: |\n  x\n"],
    ["a multi-line plain scalar", "a: x\n  y\n"],
    ["an escape", 'a: "x\\ty"\n'],
    ["a tab", "a:\t1\n"],
    ["a float", "a: 1.5\n"],
    ["hex", "a: 0x1f\n"],
    ["a document marker", "---\na: 1\n"],
    ["a list of mappings", "a:\n  - b: 1\n"],
    ["an empty file", ""],
    ["a list at the top", "- a\n"],
    ["a colon in a plain value", "a: b: c\n"],
    ["a digit-first key", "1X: a\n"],
  ])("leaves %s to the library", (_, text) => {
    expect(fastYaml(text)).toBeUndefined();
  });

  it("agrees with the library on generated documents", () => {
    const plainish = fc.constantFrom("x", "./app", "-n", "a b", "a:b", "a#b", "yes", "0", "007", "-0", "+3", "12", "12h", "36:00", "$HOME/x", "~/x", "'it''s'", '"d q"', "[a, b]", "[]", "{a: 1}", "{}", "x  # c", "é", "~", "true");
    const tricky = fc.constantFrom(
      "x", "./app", "-n", "--label", "a b", "a:b", "a: b", "a #b", "a#b", "#x", "~", "null", "Null", "NULL", "true", "False",
      "yes", "no", "on", "0", "007", "-0", "+3", "12", "1e3", "1.5", ".5", "5.", ".inf", "-.Inf", ".nan", "0o17", "0x1F", "0x1G",
      "12h", "36:00", "1:30", "$HOME/x", "~/x", "'q'", "'it''s'", "''", '""', '"d q"', '"e\\n"', '"a # b"', "'a: b'", "[a, b]",
      "[a,b]", "[]", "[a, [b]]", "[a,]", "{a: 1}", "{a:1}", "{}", "{a: 1, a: 2}", "{true: 1}", "?x", "? x", "-", "- x", ":x",
      "@x", "`x", "%x", "&a x", "*a", "!t x", "!!str 1", "|", ">", "x ", "x  # c", "\"x\" # c", "\"x\"# c", "[a] x", "é", "a,b",
      "a]", "a}", "mem>1000 rusage[mem=1]", "__proto__", "toString",
    );
    const scalar = fc.oneof({ weight: 5, arbitrary: plainish }, { weight: 1, arbitrary: tricky });
    const key = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom("a", "b", "name", "app", "args", "x.y", "x-y", "_k", "toString", "yes") },
      { weight: 1, arbitrary: fc.constantFrom("1X", "true", "null", "__proto__", "\"q\"", "? k", "a b", "k ", "-k") },
    );
    const indent = fc.constantFrom("", " ", "  ", "    ");
    const line = fc.oneof(
      fc.tuple(indent, key, scalar).map(([i, k, v]) => `${i}${k}: ${v}`),
      fc.tuple(indent, key).map(([i, k]) => `${i}${k}:`),
      fc.tuple(indent, scalar).map(([i, v]) => `${i}- ${v}`),
      fc.tuple(indent, fc.constantFrom("# c", "", "-", "---", "...", "%YAML 1.2", "\t- x", "x")).map(([i, v]) => `${i}${v}`),
    );
    const noise = fc.array(line, { minLength: 1, maxLength: 8 }).map((ls) => ls.join("\n") + "\n");
    // Well-formed shapes (a mapping of scalars, nested mappings and lists), then and again with a
    // line of noise put in: most of these are documents fastYaml reads.
    const entry = fc.oneof(
      fc.tuple(key, scalar).map(([k, v]) => [`${k}: ${v}`]),
      fc.tuple(key, fc.array(fc.tuple(key, scalar), { maxLength: 3 }), indent).map(([k, kvs, i]) => [`${k}:`, ...kvs.map(([k2, v]) => `  ${i}${k2}: ${v}`)]),
      fc.tuple(key, fc.array(scalar, { maxLength: 3 }), fc.constantFrom("", "  ")).map(([k, vs, i]) => [`${k}:`, ...vs.map((v) => `${i}- ${v}`)]),
    );
    const shaped = fc
      .tuple(fc.array(entry, { minLength: 1, maxLength: 6 }), fc.option(fc.tuple(fc.nat(20), line), { freq: 4 }))
      .map(([es, extra]) => {
        const ls = es.flat();
        if (extra) ls.splice(extra[0] % (ls.length + 1), 0, extra[1]);
        return ls.join("\n") + "\n";
      });
    const doc = fc.oneof(noise, shaped);
    let answered = 0;
    fc.assert(
      fc.property(doc, (text) => {
        if (fastYaml(text) !== undefined) answered++;
        const d = disagreement(text);
        if (d) throw new Error(`${JSON.stringify(text)}: ${d}`);
      }),
      { numRuns: 6000, seed: 1212 },
    );
    expect(answered).toBeGreaterThan(300); // the generator does reach the documents it reads
  });
});
