// fastYaml at the edges of what it reads: each case is a document where a slip in the fast reader
// would answer with a value the yaml library does not give (a wrong spec, silently), so fastYaml
// must either answer exactly as the library does or leave the text to it (undefined).
import { isMap, parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { fastYaml } from "../../src/jobspec/fast-yaml.js";

/** The library's data for a clean mapping document, else undefined (load.ts reports the rest). */
function library(source: string): unknown {
  const doc = parseDocument(source, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length || doc.warnings.length || !isMap(doc.contents)) return undefined;
  return doc.toJS({ maxAliasCount: 1000 });
}

describe("fastYaml reads as the library does", () => {
  it.each<[string, string, unknown]>([
    ["more than one space after the colon", "a:  x\n", { a: "x" }],
    ["booleans in every case the core schema has", "a: True\nb: TRUE\nc: False\nd: FALSE\ne: true\n", { a: true, b: true, c: false, d: false, e: true }],
    ["words that only hold a boolean", "a: xtrue\nb: truex\n", { a: "xtrue", b: "truex" }],
    ["more than one space after a list's dash", "a:\n-   x\n", { a: ["x"] }],
    ["more than one space after a flow key's colon", "a: {b:  1}\n", { a: { b: 1 } }],
    ["spaces before a flow list's comma", "a: [x  , y]\n", { a: ["x", "y"] }],
    ["a value ending in #", "a: x#\n", { a: "x#" }],
  ])("%s", (_, text, want) => {
    expect(library(text)).toStrictEqual(want);
    expect(fastYaml(text)).toStrictEqual(want);
  });
});

describe("fastYaml leaves to the library", () => {
  it.each<[string, string, unknown]>([
    // Text after a flow collection or a quoted value: a comment needs a space before its "#".
    ["a comment right after a flow list", "a: [x]#c\n", undefined],
    ["a word after a flow list", "a: [x] y\n", undefined],
    ["a comment right after a quoted value", 'a: "x"# c\n', undefined],
    // Keys the core schema reads as null or a boolean: the library's data has "" or "true".
    ["a key Null", "Null: 1\n", { "": 1 }],
    ["a key NULL", "NULL: 1\n", { "": 1 }],
    ["a key True", "True: 1\n", { true: 1 }],
    ["a key TRUE", "TRUE: 1\n", { true: 1 }],
    ["a key False", "False: 1\n", { false: 1 }],
    ["a key FALSE", "FALSE: 1\n", { false: 1 }],
    // Numbers that are not plain integers.
    ["a signed float", "a: +1.5\n", { a: 1.5 }],
    ["a float with two decimals and no integer part", "a: .55\n", { a: 0.55 }],
    ["an exponent of two digits", "a: 1e10\n", { a: 1e10 }],
    ["a negative exponent", "a: 1E-3\n", { a: 0.001 }],
    ["a CRLF line end", "a: x\r\n", { a: "x" }],
    ["a key longer than 1024 characters", `${"k".repeat(1100)}: 1\n`, undefined],
    ["an empty flow list item", "a: [x,,y]\n", undefined],
    ["an explicit key as a value", "a: ? x\n", undefined],
    ["a list item as a value", "a: - x\n", undefined],
    ["a value ending in a colon", "a: x:\n", undefined],
    ["a flow indicator inside a flow item", "a: [a{b]\n", undefined],
    ["a word right after a quoted flow item", "a: ['x'yz]\n", undefined],
    ["a word right after a quoted flow value", "a: {b: 'x'cc: 1}\n", undefined],
    ["a flow key that starts with a dash", "a: {-ab: c}\n", { a: { "-ab": "c" } }],
    ["a space before a flow key's colon", "a: {b : 1}\n", { a: { b: 1 } }],
  ])("%s", (_, text, lib) => {
    expect(library(text)).toStrictEqual(lib);
    expect(fastYaml(text)).toBeUndefined();
  });
});
