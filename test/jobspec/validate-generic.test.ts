// validateWith is generic: it rephrases any ajv error for any schema, not only the keywords the
// spec schema uses today. These small schemas reach the branches the spec and site schemas do not
// (anyOf/oneOf/not/if wrappers, exclusive limits, longer minimums, keywords without their own
// wording), so a schema change that starts using one of them gets a tested message.
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/diagnostics.js";
import { loadYaml } from "../../src/jobspec/load.js";
import { didYouMean, editDistance, kindOf, validateWith } from "../../src/jobspec/validate.js";
import { AJV_OPTIONS } from "../../src/jobspec/validators.js";
import { lines, spec } from "./helpers.js";

function check(schema: object, source: string): string[] {
  const validator = new Ajv({ ...AJV_OPTIONS, strictRequired: false }).compile(schema);
  return validateWith(loadYaml(source, "t.yaml", "test file"), validator, schema).map(formatDiagnostic);
}

const obj = (properties: Record<string, object>, extra: object = {}) => ({ type: "object", additionalProperties: false, properties, ...extra });

describe("validateWith: keywords the spec schema does not use yet", () => {
  const cases: [string, { schema: object; given: string; want: string[] }][] = [
    ["exclusiveMinimum says the smallest allowed whole number", {
      schema: obj({ n: { type: "integer", exclusiveMinimum: 5 } }), given: "n: 5\n",
      want: ["t.yaml:1:4 error n: must be at least 6, got 5"],
    }],
    ["exclusiveMaximum says the largest allowed whole number", {
      schema: obj({ n: { type: "integer", exclusiveMaximum: 5 } }), given: "n: 5\n",
      want: ["t.yaml:1:4 error n: must be at most 4, got 5"],
    }],
    ["minimum and maximum say the limit itself", {
      schema: obj({ a: { type: "integer", minimum: 5 }, b: { type: "integer", maximum: 5 } }), given: "a: 4\nb: 6\n",
      want: ["t.yaml:1:4 error a: must be at least 5, got 4", "t.yaml:2:4 error b: must be at most 5, got 6"],
    }],
    ["minLength above 1", {
      schema: obj({ s: { type: "string", minLength: 3 } }), given: "s: ab\n",
      want: ["t.yaml:1:4 error s: must be at least 3 characters long"],
    }],
    ["minLength 1", {
      schema: obj({ s: { type: "string", minLength: 1 } }), given: "s: ''\n",
      want: ["t.yaml:1:4 error s: must not be empty"],
    }],
    ["minItems above 1", {
      schema: obj({ l: { type: "array", minItems: 2 } }), given: "l: [a]\n",
      want: ["t.yaml:1:4 error l: must have at least 2 entries"],
    }],
    ["minItems 1", {
      schema: obj({ l: { type: "array", minItems: 1 } }), given: "l: []\n",
      want: ["t.yaml:1:4 error l: must not be an empty list"],
    }],
    ["a keyword without its own wording keeps ajv's", {
      schema: obj({ c: { const: "x" } }), given: "c: y\n",
      want: ["t.yaml:1:4 error c: must be equal to constant"],
    }],
    ["a pattern without help shows the pattern", {
      schema: obj({ p: { type: "string", pattern: "^x+$" } }), given: "p: y\n",
      want: ['t.yaml:1:4 error p: must be text matching ^x+$, got "y"'],
    }],
    ["an enum value far from every choice gets no suggestion", {
      schema: obj({ e: { enum: ["alpha", "beta"] } }), given: "e: zzzzz\n",
      want: ['t.yaml:1:4 error e: must be one of "alpha", "beta", got "zzzzz"'],
    }],
    ["an enum of numbers: no suggestion for a number", {
      schema: obj({ e: { enum: [1, 2] } }), given: "e: 3\n",
      want: ["t.yaml:1:4 error e: must be one of 1, 2, got 3"],
    }],
    ["a mapping where a value goes is shown by its kind", {
      schema: obj({ n: { type: "integer", minimum: 1 } }), given: "n: { a: 1 }\n",
      want: ["t.yaml:1:4 error n: expected a whole number, got a mapping"],
    }],
    ["a string where a boolean goes, not a YAML 1.1 word", {
      schema: obj({ b: { type: "boolean" } }), given: "b: maybe\n",
      want: ["t.yaml:1:4 error b: expected true or false, got a string"],
    }],
    ["YAML 1.1 words in any case", {
      schema: obj({ a: { type: "boolean" }, b: { type: "boolean" }, c: { type: "boolean" }, d: { type: "boolean" } }), given: "a: Yes\nb: NO\nc: On\nd: y\n",
      want: [
        't.yaml:1:4 error a: expected true or false, got a string (write true; "Yes" is text in YAML 1.2)',
        't.yaml:2:4 error b: expected true or false, got a string (write false; "NO" is text in YAML 1.2)',
        't.yaml:3:4 error c: expected true or false, got a string (write true; "On" is text in YAML 1.2)',
        't.yaml:4:4 error d: expected true or false, got a string (write true; "y" is text in YAML 1.2)',
      ],
    }],
    ["the YAML 1.1 words for false", {
      schema: obj({ b: { type: "boolean" }, c: { type: "boolean" } }), given: "b: n\nc: off\n",
      want: [
        't.yaml:1:4 error b: expected true or false, got a string (write false; "n" is text in YAML 1.2)',
        't.yaml:2:4 error c: expected true or false, got a string (write false; "off" is text in YAML 1.2)',
      ],
    }],
    ["values that are not choices are shown as written, or by their kind", {
      schema: obj({ a: { enum: ["x"] }, b: { enum: ["x"] }, c: { enum: ["x"] } }), given: "a: { k: 1 }\nb: true\nc: [1]\n",
      want: [
        't.yaml:1:4 error a: must be one of "x", got a mapping',
        't.yaml:2:4 error b: must be one of "x", got true',
        't.yaml:3:4 error c: must be one of "x", got a list',
      ],
    }],
    ["errors in document order, whatever the schema's order", {
      schema: obj({ a: { type: "string" }, b: { type: "string" } }), given: "b: 1\na: 1\n",
      want: ['t.yaml:1:4 error b: expected a string, got a number (quote it: "1")', 't.yaml:2:4 error a: expected a string, got a number (quote it: "1")'],
    }],
    ["on one line, by column", {
      schema: obj({ a: { type: "string" }, b: { type: "string" } }), given: "{ b: 1, a: 1 }\n",
      want: ['t.yaml:1:6 error b: expected a string, got a number (quote it: "1")', 't.yaml:1:12 error a: expected a string, got a number (quote it: "1")'],
    }],
    ["a boolean where only a number goes is not quotable", {
      schema: obj({ n: { type: "number" } }), given: "n: true\n",
      want: ["t.yaml:1:4 error n: expected a number, got a boolean"],
    }],
    ["type names", {
      schema: obj({ a: { type: "null" }, b: { type: "object" }, c: { type: "array" } }), given: "a: 1\nb: 2\nc: 3\n",
      want: [
        "t.yaml:1:4 error a: expected nothing, got a number",
        "t.yaml:2:4 error b: expected a mapping, got a number",
        "t.yaml:3:4 error c: expected a list, got a number",
      ],
    }],
  ];
  it.each(cases)("%s", (_, { schema, given, want }) => expect(check(schema, given)).toEqual(want));
});

describe("validateWith: combinators report their cause, once", () => {
  const cases: [string, { schema: object; given: string; want: string[] }][] = [
    ["anyOf: the branches' errors, not the wrapper", {
      schema: obj({ v: { anyOf: [{ type: "integer" }, { type: "boolean" }] } }), given: "v: x\n",
      want: ["t.yaml:1:4 error v: expected a whole number, got a string", "t.yaml:1:4 error v: expected true or false, got a string"],
    }],
    ["oneOf matching both: only the wrapper can say it", {
      schema: obj({ v: { oneOf: [{ type: "integer" }, { type: "number" }] } }), given: "v: 1\n",
      want: ["t.yaml:1:4 error v: must match exactly one schema in oneOf"],
    }],
    ["not: the wrapper is the only error", {
      schema: obj({ v: { not: { type: "integer" } } }), given: "v: 1\n",
      want: ["t.yaml:1:4 error v: must NOT be valid"],
    }],
    ["if/then: the then-branch error, not the wrapper", {
      schema: obj({ a: { type: "string" }, b: { type: "integer" } }, { if: { required: ["a"] }, then: { required: ["b"] } }), given: "a: x\n",
      want: ['t.yaml:1:1 error missing required field "b"'],
    }],
    ["an error elsewhere does not silence a wrapper", {
      schema: obj({ v: { not: { type: "integer" } }, w: { type: "string" } }), given: "w: 1\nv: 1\n",
      want: ['t.yaml:1:4 error w: expected a string, got a number (quote it: "1")', "t.yaml:2:4 error v: must NOT be valid"],
    }],
    ["oneOf matching neither: the branches' errors, not the wrapper", {
      schema: obj({ v: { oneOf: [{ type: "integer" }, { type: "boolean" }] } }), given: "v: x\n",
      want: ["t.yaml:1:4 error v: expected a whole number, got a string", "t.yaml:1:4 error v: expected true or false, got a string"],
    }],
    ["not beside a real error at the same place: the real error only", {
      schema: obj({ v: { type: "string", not: { const: 1 } } }), given: "v: 1\n",
      want: ['t.yaml:1:4 error v: expected a string, got a number (quote it: "1")'],
    }],
    ["wrappers under wrappers: a wrapper does not silence another", {
      schema: obj({ v: { anyOf: [{ not: { type: "integer" } }, { not: { type: "number" } }] } }), given: "v: 1\n",
      want: ["t.yaml:1:4 error v: must NOT be valid", "t.yaml:1:4 error v: must match a schema in anyOf"],
    }],
    ["a wrapper is silenced by errors deeper inside the value", {
      schema: obj({ v: { anyOf: [{ type: "object", properties: { a: { type: "string" } } }, { type: "object", properties: { a: { type: "integer", minimum: 5 } } }] } }),
      given: "v: { a: 1 }\n",
      want: ['t.yaml:1:9 error v.a: expected a string, got a number (quote it: "1")', "t.yaml:1:9 error v.a: must be at least 5, got 1"],
    }],
    ["a oneOf wrapper is a wrapper too: it silences no other wrapper", {
      schema: obj({ v: { anyOf: [{ oneOf: [{ type: "integer" }, { type: "number" }] }, { not: { type: "integer" } }] } }), given: "v: 1\n",
      want: ["t.yaml:1:4 error v: must match exactly one schema in oneOf", "t.yaml:1:4 error v: must NOT be valid", "t.yaml:1:4 error v: must match a schema in anyOf"],
    }],
    ["the same message twice at one place is said once", {
      schema: obj({ v: { anyOf: [{ type: "integer", minimum: 5 }, { type: "integer", minimum: 5, maximum: 9 }] } }), given: "v: 1\n",
      want: ["t.yaml:1:4 error v: must be at least 5, got 1"],
    }],
  ];
  it.each(cases)("%s", (_, { schema, given, want }) => expect(check(schema, given)).toEqual(want));
});

describe("validateWith: unknown keys", () => {
  it("lists the known fields when nothing is close and the key has no home elsewhere", () => {
    expect(check(obj({ alpha: { type: "string" }, beta: { type: "string" } }), "zzz: 1\n")).toEqual([
      "t.yaml:1:1 error zzz: unknown property (known fields here: alpha, beta)",
    ]);
  });

  it("says nothing more where no field is allowed", () => {
    expect(check(obj({}), "zzz: 1\n")).toEqual(["t.yaml:1:1 error zzz: unknown property"]);
  });

  it("does not send a key home to where it already is", () => {
    // "zeta" exists under a and under b: two homes, so the known fields are listed instead.
    const schema = obj({ a: obj({ zeta: { type: "string" } }), b: obj({ zeta: { type: "string" } }), c: obj({ omega: { type: "string" } }) });
    expect(check(schema, "c:\n  zeta: 1\n")).toEqual(["t.yaml:2:3 error c.zeta: unknown property (known fields here: omega)"]);
    expect(check(obj({ a: obj({ zeta: { type: "string" } }), c: obj({}) }), "c:\n  zeta: 1\n")).toEqual([
      't.yaml:2:3 error c.zeta: unknown property ("zeta" belongs under "a")',
    ]);
    // Declared where it is written, but refused there by a closed allOf branch: its home elsewhere
    // is the one other place, not the place it is already in.
    const closed = {
      type: "object",
      properties: { zeta: { type: "string" } },
      allOf: [{ type: "object", additionalProperties: false, properties: { omega: { type: "string" } } }],
    };
    expect(check(obj({ a: obj({ zeta: { type: "string" } }), c: closed }), "c:\n  zeta: x\n")).toEqual([
      't.yaml:2:3 error c.zeta: unknown property ("zeta" belongs under "a")',
    ]);
  });

  it("finds the known fields of a mapping inside a mapping's values", () => {
    const schema = { type: "object", additionalProperties: { type: "object", properties: { inner: obj({ x: { type: "string" } }) } } };
    expect(check(schema, "k:\n  inner:\n    y: 1\n")).toEqual(['t.yaml:3:5 error k.inner.y: unknown property (did you mean "x"?)']);
  });

  it("sends a key home three levels deep", () => {
    expect(lines(spec({ top: "before: 10m\nmarker: x" }))).toEqual([
      'job.yaml:3:1 error before: unknown property ("before" belongs under "lsf.warning")',
      'job.yaml:4:1 error marker: unknown property ("marker" belongs under "checkpoint.ready")',
    ]);
  });

  it("keeps a missing field that is not the typo's target", () => {
    const schema = obj({ command: { type: "string" }, name: { type: "string" } }, { required: ["command", "name"] });
    expect(check(schema, "comand: x\n")).toEqual([
      't.yaml:1:1 error missing required field "name" (e.g. name: stars)',
      't.yaml:1:1 error comand: unknown property (did you mean "command"?)',
    ]);
  });

  it("reports an odd key's path with escapes in its JSON pointer", () => {
    expect(check(obj({ m: { type: "object", additionalProperties: { type: "string" } } }), 'm:\n  "a/b~c": 1\n')).toEqual([
      't.yaml:2:12 error m["a/b~c"]: expected a string, got a number (quote it: "1")',
    ]);
  });
});

describe("validateWith: nothing to check", () => {
  it("gives nothing after a load error (no data)", () => {
    const validator = new Ajv({ ...AJV_OPTIONS, strictRequired: false }).compile({ type: "object", required: ["a"] });
    expect(validateWith(loadYaml("a: [\n", "t.yaml", "test file"), validator, {})).toEqual([]);
  });
});

describe("didYouMean: how close is close", () => {
  // Allowed distance: a third of the longer word, at least 1, at most 3.
  const cases: [string, string[], string | undefined][] = [
    ["kep", ["keep", "kept"], "keep"], // a tie goes to the first candidate
    ["kep", ["kept", "keep"], "kept"],
    ["ABC", ["abc", "abd"], "abc"], // case alone is distance 0
    ["ab", ["ax"], "ax"], // short words still get 1
    ["ab", ["xy"], undefined],
    ["abcdef", ["abcdyz"], "abcdyz"], // 6 letters: 2
    ["abcdef", ["abcxyz"], undefined],
    ["abcdefghi", ["abcdefxyz"], "abcdefxyz"], // 9 letters: 3
    ["abcdefghi", ["abcdewxyz"], undefined],
    ["abcdefghijkl", ["abcdefghixyz"], "abcdefghixyz"], // never more than 3
    ["abcdefghijkl", ["abcdefghiwxyz"], undefined],
    ["abcde", ["abcdefg"], "abcdefg"], // the longer of the two words counts
    ["a", ["abcdef"], undefined],
    ["abc", [], undefined],
  ];
  it.each(cases)("%s in %j → %s", (word, candidates, want) => expect(didYouMean(word, candidates)).toBe(want));
});

describe("editDistance (optimal string alignment)", () => {
  const cases: [string, string, number][] = [
    ["ab", "ba", 1], ["abc", "acb", 1], ["abcd", "badc", 2], ["ca", "abc", 3], ["a", "b", 1], ["", "", 0], ["abc", "", 3], ["ab", "b", 1], ["b", "ab", 1],
  ];
  it.each(cases)("%j → %j: %i", (a, b, want) => expect(editDistance(a, b)).toBe(want));
});

describe("kindOf: how a value looks in YAML terms", () => {
  const cases: [unknown, string][] = [[undefined, "an empty value"], [null, "an empty value"], [[], "a list"], [{}, "a mapping"], [1, "a number"], [1.5, "a fraction (1.5)"], [true, "a boolean"], ["s", "a string"]];
  it.each(cases)("%j is %s", (v, want) => expect(kindOf(v)).toBe(want));
});
