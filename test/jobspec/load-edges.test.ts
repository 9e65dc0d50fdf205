// loadSpec and the position helpers at the edges load.test.ts does not reach: every kind of
// document that is not a mapping, duplicate keys in lists and under odd names, alias limits, and
// values whose text cannot be pointed into (escapes, block scalars), where the position falls back
// to the value's start.
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/diagnostics.js";
import { loadSpec, loadYaml, locate, locateInValue, type PathSegment } from "../../src/jobspec/load.js";

const EMPTY = "j.yaml:1:1 error the file is empty; a job spec is a mapping of fields (crjob init writes a starter spec)";
const notAMapping = (kind: string) => `j.yaml:1:1 error a job spec must be a mapping of fields (key: value), got ${kind}`;

describe("loadSpec: edges", () => {
  const cases: [string, { given: string; want: string[]; data?: unknown }][] = [
    ["an alias", { given: "*a\n", want: [notAMapping("an alias")] }],
    ["a number", { given: "42\n", want: [notAMapping("a number")] }],
    ["a fraction", { given: "1.5\n", want: [notAMapping("a number")] }],
    ["a boolean", { given: "true\n", want: [notAMapping("a boolean")] }],
    ["null is empty", { given: "null\n", want: [EMPTY] }],
    ["~ is empty", { given: "~\n", want: [EMPTY] }],
    ["a duplicate in a list item", { given: "l:\n  - a: 1\n    a: 2\n", want: ["j.yaml:3:5 error l[0].a: duplicate key (already set on line 2)"], data: { l: [{ a: 2 }] } }],
    ["a duplicate in the second list item", { given: "l:\n  - a: 1\n  - b: 1\n    b: 2\n", want: ["j.yaml:4:5 error l[1].b: duplicate key (already set on line 3)"], data: { l: [{ a: 1 }, { b: 2 }] } }],
    ["a duplicate after an empty key", { given: ": 1\na: 1\na: 2\n", want: ["j.yaml:3:1 error a: duplicate key (already set on line 2)"], data: { "": 1, a: 2 } }],
    ["a duplicate under a list used as a key: the key shows as ?", { given: "? [k]\n: { b: 1, b: 2 }\n", want: ['j.yaml:2:11 error ["?"].b: duplicate key (already set on line 2)'], data: { "[ k ]": { b: 2 } } }],
    ["a duplicate two lines later: the last value wins", { given: "a: 1\nb: 2\na: 3\n", want: ["j.yaml:3:1 error a: duplicate key (already set on line 1)"], data: { a: 3, b: 2 } }],
    ["a duplicate odd key", { given: "'a b': 1\n'a b': 2\n", want: ['j.yaml:2:1 error ["a b"]: duplicate key (already set on line 1)'], data: { "a b": 2 } }],
    ["~ and null are the same key", { given: "~: a\nnull: b\n", want: ["j.yaml:2:1 error null: duplicate key (already set on line 1)"], data: { "": "b" } }],
    ["a duplicate beside a syntax error: both, no data", { given: "a: 1\na: 2\nb: [\n", want: [
      "j.yaml:2:1 error a: duplicate key (already set on line 1)",
      "j.yaml:4:1 error invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]",
    ] }],
    ["an error and a warning, each at its place", { given: "a: !foo x\nb: 'x\n", want: [
      "j.yaml:3:1 error invalid YAML: missing closing 'quote",
      "j.yaml:1:4 warning YAML: unresolved tag: !foo",
    ] }],
    ["a bad escape", { given: 'a: "\\q"\n', want: ["j.yaml:1:5 error invalid YAML: invalid escape sequence \\q"] }],
    ["200 aliases are fine", { given: `a: &x 1\nb: [${Array(200).fill("*x").join(", ")}]\n`, want: [], data: { a: 1, b: Array(200).fill(1) } }],
    ["an alias bomb is refused", {
      given: "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
      want: ["j.yaml:1:1 error invalid YAML: excessive alias count indicates a resource exhaustion attack"],
    }],
    ["a YAML directive is fine", { given: "%YAML 1.1\n---\na: 1\n", want: [], data: { a: 1 } }],
  ];
  it.each(cases)("%s", (_, { given, want, data }) => {
    const loaded = loadSpec(given, "j.yaml");
    expect(loaded.diagnostics.map(formatDiagnostic)).toEqual(want);
    expect(loaded.data).toEqual(data);
  });

  it("names what it loads; only a job spec gets the starter hint", () => {
    expect(loadYaml("", "s.yaml", "site profile").diagnostics).toEqual([
      { file: "s.yaml", line: 1, col: 1, path: "", severity: "error", message: "the file is empty; a site profile is a mapping of fields" },
    ]);
    expect(loadYaml("[1]\n", "s.yaml", "site profile").diagnostics.map(formatDiagnostic)).toEqual([
      "s.yaml:1:1 error a site profile must be a mapping of fields (key: value), got a list",
    ]);
  });

  it("keeps the source and file", () => {
    const loaded = loadSpec("a: 1\n", "x/j.yaml");
    expect(loaded).toMatchObject({ file: "x/j.yaml", source: "a: 1\n" });
  });
});

describe("locate and locateInValue: edges", () => {
  const loaded = loadSpec(`a:
  tab: "x\\ty"
  esc: "x\\"y"
  sq: 'it''s'
  block: |
    hello
  nul: ~
  empty:
  list:
    - one
    - k: v
  flow: { f: 1 }
`, "j.yaml");
  const at = (p: { line: number; col: number }) => `${p.line}:${p.col}`;

  const inValue: [string, PathSegment[], string][] = [
    ["an escape in double quotes: the value's start", ["a", "tab"], "2:8"],
    ["an escaped quote: the value's start", ["a", "esc"], "3:8"],
    ["a doubled single quote: the value's start", ["a", "sq"], "4:7"],
    ["a block scalar: its indicator", ["a", "block"], "5:10"],
    ["a missing value: the parent's key", ["a", "missing"], "1:1"],
  ];
  it.each(inValue)("locateInValue: %s", (_, path, want) => expect(at(locateInValue(loaded, path, 3))).toBe(want));

  const cases: [string, PathSegment[], "key" | "value", string][] = [
    ["an explicit ~ points at itself", ["a", "nul"], "value", "7:8"],
    ["an empty value points at its key", ["a", "empty"], "value", "8:3"],
    ["a list item's key is the item", ["a", "list", 0], "key", "10:7"],
    ["a value in a mapping in a list", ["a", "list", 1, "k"], "value", "11:10"],
    ["a name where a list is: the list's key", ["a", "list", "x"], "value", "9:3"],
    ["a flow mapping's key", ["a", "flow", "f"], "key", "12:11"],
    ["a flow mapping's value", ["a", "flow", "f"], "value", "12:14"],
  ];
  it.each(cases)("locate: %s", (_, path, how, want) => expect(at(locate(loaded, path, how))).toBe(want));

  it("an empty or comment-only document: 1:1", () => {
    expect(locate(loadSpec("", "e.yaml"), ["x"])).toEqual({ line: 1, col: 1 });
    expect(locate(loadSpec("# c\n", "e.yaml"), [])).toEqual({ line: 1, col: 1 });
  });

  it("a missing index at the top: where the document starts", () => {
    expect(locate(loadSpec("\n\n- a\n", "e.yaml"), [5])).toEqual({ line: 3, col: 1 });
  });
});
