import { describe, expect, it } from "vitest";
import { siteSchema, specSchema } from "../../src/jobspec/schema.js";
import { compileSiteValidator, compileSpecValidator, didYouMean, editDistance } from "../../src/jobspec/validate.js";
import { lines, spec } from "./helpers.js";

describe("validateSpec: ajv errors rephrased for people", () => {
  const cases: [string, { given: string; want: string[] }][] = [
    ["a valid spec", { given: spec(), want: [] }],
    ["every field set", {
      given: `name: stars.v2_x
queue: mw256
slots: 2
mode: fresh
array: "1-10"
app:
  command: ./md
  args: [-c, "1"]
  output: md.log
  env: { OMP_NUM_THREADS: "2", _X: "" }
stage: { in: [md], out: ["results/*"] }
checkpoint:
  tool: blcr
  interval: 1h30m
  dir: ~/.crjob/stars
  keep: 3
  keep_on_success: true
  restore_pid: never
scratch: /scratch
lsf:
  output: o.%J.%I
  error: e.%J.%I
  runlimit: 120
  resources: "rusage[mem=4000]"
  extra: ["-M 4000", "-P 'my project'"]
  rerunnable: true
  requeue_exit: 98
  max_requeues: 0
  requeue: brequeue
  warning: { signal: SIGUSR1, before: 10m }
`, want: [] }],
    ["missing fields at the root", { given: "slots: 1\n", want: [
      'job.yaml:1:1 error missing required field "name" (e.g. name: stars)',
      'job.yaml:1:1 error missing required field "queue" (e.g. queue: normal)',
      'job.yaml:1:1 error missing required field "app" (e.g. app: { command: ./myapp })',
      'job.yaml:1:1 error missing required field "checkpoint.interval" (needed unless checkpoint.tool is "none"; e.g. interval: 12h)',
    ] }],
    ["unknown key, different case", { given: spec({ checkpoint: "  Interval: 12h" }), want: [
      'job.yaml:6:3 error checkpoint.Interval: unknown property (did you mean "interval"?)',
    ] }],
    ["unknown key, swapped letters", { given: spec({ top: "sltos: 2" }), want: [
      'job.yaml:3:1 error sltos: unknown property (did you mean "slots"?)',
    ] }],
    ["unknown key, nothing close", { given: spec({ top: "owner: me" }), want: [
      "job.yaml:3:1 error owner: unknown property (known fields here: name, queue, slots, mode, array, app, stage, checkpoint, scratch, lsf, slurm)",
    ] }],
    ["a nested field at the top", { given: spec({ top: "runlimit: 12h" }), want: [
      'job.yaml:3:1 error runlimit: unknown property ("runlimit" belongs under "lsf")',
    ] }],
    ["enum", { given: spec({ checkpoint: "  interval: 1h\n  restore_pid: sometimes" }), want: [
      'job.yaml:7:16 error checkpoint.restore_pid: must be one of "auto", "always", "never", got "sometimes"',
    ] }],
    ["empty value", { given: "name:\nqueue: q\napp: { command: x }\ncheckpoint: { interval: 1h }\n", want: [
      "job.yaml:1:1 error name: expected a string, got an empty value",
    ] }],
    ["a number where a string goes", { given: "name: 2024\nqueue: q\napp: { command: x }\ncheckpoint: { interval: 1h }\n", want: [
      'job.yaml:1:7 error name: expected a string, got a number (quote it: "2024")',
    ] }],
    ["a fraction where a whole number goes", { given: spec({ top: "slots: 1.5" }), want: [
      "job.yaml:3:8 error slots: expected a whole number, got a fraction (1.5)",
    ] }],
    ["a mapping where a list goes", { given: spec({ app: "  args: { a: 1 }" }), want: [
      "job.yaml:5:9 error app.args: expected a list, got a mapping",
    ] }],
    ["YAML 1.1 booleans", { given: spec({ lsf: "  rerunnable: off" }), want: [
      'job.yaml:8:15 error lsf.rerunnable: expected true or false, got a string (write false; "off" is text in YAML 1.2)',
    ] }],
    ["runlimit of the wrong type", { given: spec({ lsf: "  runlimit: [1]" }), want: [
      "job.yaml:8:13 error lsf.runlimit: expected a string or a whole number, got a list",
    ] }],
    ["runlimit 0 minutes", { given: spec({ lsf: "  runlimit: 0" }), want: [
      "job.yaml:8:13 error lsf.runlimit: must be at least 1, got 0",
    ] }],
    ["empty command", { given: spec({ app: '  args: [""]' }).replace("./t-20001030-01", '""'), want: [
      "job.yaml:4:12 error app.command: must not be empty",
    ] }],
    ["bad signal", { given: spec({ lsf: "  runlimit: 1d\n  warning: { signal: usr1 }" }), want: [
      "job.yaml:9:22 error lsf.warning.signal: must be a signal name like USR1 or SIGUSR1, got \"usr1\"",
    ] }],
    ["relative scratch", { given: spec({ top: "scratch: scratch" }), want: [
      'job.yaml:3:10 error scratch: must be an absolute path, or one starting with "~" or "$HOME", got "scratch"',
    ] }],
    ["a misspelt required field is one line, not two", { given: "name: a\nqueue: q\napp:\n  comand: x\ncheckpoint: { interval: 1h }\n", want: [
      'job.yaml:4:3 error app.comand: unknown property (did you mean "command"?)',
    ] }],
  ];
  it.each(cases)("%s", (_, { given, want }) => expect(lines(given)).toEqual(want));
});

describe("didYouMean", () => {
  const keys = ["interval", "tool", "dir", "keep", "keep_on_success", "restore_pid", "mtbf"];
  const cases: [string, string | undefined][] = [
    ["intervall", "interval"],
    ["intreval", "interval"],
    ["Interval", "interval"],
    ["tol", "tool"],
    ["keep-on-success", "keep_on_success"],
    ["directory", undefined],
    ["x", undefined],
    ["restore", undefined],
  ];
  it.each(cases)("%s → %s", (word, want) => expect(didYouMean(word, keys)).toBe(want));

  it("counts a swap of two letters once", () => {
    expect(editDistance("blrc", "blcr")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });
});

describe("the schemas", () => {
  type S = Record<string, unknown>;
  /** Every object schema closes its properties; every property says what it is for. */
  function walk(schema: S, at: string, problems: string[]): void {
    const props = schema.properties as Record<string, S> | undefined;
    if (schema.type === "object" && props && schema.additionalProperties !== false) problems.push(`${at}: additionalProperties`);
    for (const [k, sub] of Object.entries(props ?? {})) {
      if (typeof sub.description !== "string" || sub.description.length < 10) problems.push(`${at}.${k}: description`);
      walk(sub, `${at}.${k}`, problems);
    }
    if (typeof schema.additionalProperties === "object") walk(schema.additionalProperties as S, `${at}.*`, problems);
  }
  it.each([["spec", specSchema], ["site", siteSchema]] as const)("%s schema: closed, described", (_, schema) => {
    const problems: string[] = [];
    walk(schema as unknown as S, "", problems);
    expect(problems).toEqual([]);
    expect(schema).toMatchObject({ $schema: expect.any(String), $id: expect.any(String), title: expect.any(String) });
  });

  it("compiles once (a precompiled validator can replace it)", () => {
    expect(compileSpecValidator()).toBe(compileSpecValidator());
    expect(compileSiteValidator()).toBe(compileSiteValidator());
  });

  it("documents the defaults", () => {
    expect(specSchema.properties.slots.default).toBe(1);
    const checkpoint = specSchema.properties.checkpoint as { properties: Record<string, { default?: unknown }> };
    expect(checkpoint.properties.keep!.default).toBe(2);
    expect(checkpoint.properties.tool!.default).toBe("blcr");
  });
});

describe("odd keys", () => {
  it("keeps a digit-only key a name, not an index", () => {
    expect(lines('name: a\nqueue: q\napp: { command: x, env: { "1": y } }\ncheckpoint: { interval: 1h }\n')).toEqual([
      'job.yaml:3:27 error app.env["1"]: invalid name "1": must be a variable name of letters, digits and "_" that does not start with a digit',
    ]);
    expect(lines("name: a\nqueue: q\napp: { command: x }\ncheckpoint: { interval: 1h }\n7: x\n")).toEqual([
      'job.yaml:5:1 error ["7"]: unknown property (known fields here: name, queue, slots, mode, array, app, stage, checkpoint, scratch, lsf, slurm)',
    ]);
  });
});
