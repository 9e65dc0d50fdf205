import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/diagnostics.js";
import { formatPath, loadSpec, locate, locateInValue, type PathSegment } from "../../src/jobspec/load.js";

const SOURCE = `# comment
name: stars
app:
  command: ./a.out
  args: [-n, "100"]
  env:
    A:
lsf:
  extra:
    - -M 4000
    - "-P astro"
`;

describe("loadSpec", () => {
  it("keeps the data and no diagnostics for valid YAML", () => {
    const loaded = loadSpec(SOURCE, "job.yaml");
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.data).toMatchObject({ name: "stars", app: { args: ["-n", "100"], env: { A: null } } });
    expect(loaded.file).toBe("job.yaml");
  });

  const cases: [string, { given: string; want: string[]; data: "kept" | "dropped" }][] = [
    ["empty file", { given: "", want: ["job.yaml:1:1 error the file is empty; a job spec is a mapping of fields (crjob init writes a starter spec)"], data: "dropped" }],
    ["only whitespace", { given: "\n  \n", want: ["job.yaml:1:1 error the file is empty; a job spec is a mapping of fields (crjob init writes a starter spec)"], data: "dropped" }],
    ["a scalar", { given: "hello\n", want: ["job.yaml:1:1 error a job spec must be a mapping of fields (key: value), got a string"], data: "dropped" }],
    ["a list", { given: "\n- a\n", want: ["job.yaml:2:1 error a job spec must be a mapping of fields (key: value), got a list"], data: "dropped" }],
    ["duplicate key keeps data", { given: "a: 1\nb:\n  c: 1\n  c: 2\n", want: ["job.yaml:4:3 error b.c: duplicate key (already set on line 3)"], data: "kept" }],
    ["unclosed quote", { given: "a: 'x\n", want: ["job.yaml:2:1 error invalid YAML: missing closing 'quote"], data: "dropped" }],
    ["bad indentation", { given: "a: 1\n  b: 2\n", want: [
      "job.yaml:1:4 error invalid YAML: nested mappings are not allowed in compact mappings",
      "job.yaml:1:4 error invalid YAML: implicit keys need to be on a single line",
    ], data: "dropped" }],
    ["two documents", { given: "a: 1\n---\nb: 2\n", want: ['job.yaml:2:1 error invalid YAML: the file holds more than one document ("---"); a spec is one document'], data: "dropped" }],
    ["alias to a missing anchor", { given: "a: *x\n", want: ["job.yaml:1:1 error invalid YAML: unresolved alias (the anchor must be set before the alias): x"], data: "dropped" }],
    ["unknown tag is a warning", { given: "a: !foo x\n", want: ["job.yaml:1:4 warning YAML: unresolved tag: !foo"], data: "kept" }],
  ];
  it.each(cases)("%s", (_, { given, want, data }) => {
    const loaded = loadSpec(given, "job.yaml");
    expect(loaded.diagnostics.map(formatDiagnostic)).toEqual(want);
    expect(loaded.data === undefined).toBe(data === "dropped");
  });
});

describe("locate", () => {
  const loaded = loadSpec(SOURCE, "job.yaml");
  const cases: [string, { path: PathSegment[]; at?: "key" | "value"; want: string }][] = [
    ["root", { path: [], want: "2:1" }],
    ["a value", { path: ["name"], want: "2:7" }],
    ["a key", { path: ["name"], at: "key", want: "2:1" }],
    ["a nested value", { path: ["app", "command"], want: "4:12" }],
    ["a list item", { path: ["app", "args", 1], want: "5:14" }],
    ["a block list item", { path: ["lsf", "extra", 1], want: "11:7" }],
    ["an empty value points at its key", { path: ["app", "env", "A"], want: "7:5" }],
    ["a missing key falls back to its parent's key", { path: ["app", "output"], want: "3:1" }],
    ["a missing deep path falls back to the nearest parent", { path: ["app", "env", "B", "C"], want: "6:3" }],
    ["a missing top-level key falls back to the root", { path: ["checkpoint", "interval"], want: "2:1" }],
    ["an index past the end", { path: ["app", "args", 5], want: "5:3" }],
  ];
  it.each(cases)("%s", (_, { path, at, want }) => {
    const { line, col } = locate(loaded, path, at);
    expect(`${line}:${col}`).toBe(want);
  });

  it("points inside plain and quoted scalars", () => {
    expect(locateInValue(loaded, ["lsf", "extra", 0], 3)).toEqual({ line: 10, col: 10 });
    expect(locateInValue(loaded, ["lsf", "extra", 1], 3)).toEqual({ line: 11, col: 11 });
    expect(locateInValue(loaded, ["app", "args"], 3)).toEqual({ line: 5, col: 9 }); // not a string: its start
  });
});

describe("formatPath", () => {
  const cases: [PathSegment[], string][] = [
    [[], ""],
    [["checkpoint", "interval"], "checkpoint.interval"],
    [["stage", "in", 2], "stage.in[2]"],
    [["app", "env", "1X"], 'app.env["1X"]'],
    [["queues", "mw256", "blcr"], "queues.mw256.blcr"],
    [["queues", "a.b"], 'queues["a.b"]'],
  ];
  it.each(cases)("%j → %s", (path, want) => expect(formatPath(path)).toBe(want));
});
