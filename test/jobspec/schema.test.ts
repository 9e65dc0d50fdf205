// The schemas as documents: `crjob schema` prints the spec schema for editors
// (yaml-language-server shows each description on hover and offers the defaults), so every field
// must explain itself, and a field with a default must say it the way normalizeSpec applies it.
// That every field has a description is checked in validate.test.ts ("the schemas"); what the
// schemas accept and reject is tested through the validator (validate.test.ts, the invalid corpus).
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/diagnostics.js";
import { patternHelp, siteSchema, specSchema } from "../../src/jobspec/schema.js";
import { loadSite } from "../../src/jobspec/site.js";
import { lines, spec } from "./helpers.js";

interface Field {
  path: string;
  schema: Record<string, unknown>;
}

/** Every property schema, with its dotted path; `*` for a mapping's values, `[]` for list items. */
function fields(schema: Record<string, unknown>, at = ""): Field[] {
  const out: Field[] = [];
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  for (const [k, sub] of Object.entries(props)) {
    const path = at ? `${at}.${k}` : k;
    out.push({ path, schema: sub }, ...fields(sub, path));
    if (typeof sub.additionalProperties === "object") out.push(...fields(sub.additionalProperties as Record<string, unknown>, `${path}.*`));
    if (typeof sub.items === "object") out.push(...fields(sub.items as Record<string, unknown>, `${path}[]`));
  }
  return out;
}

const SCHEMAS = [
  ["spec", specSchema],
  ["site", siteSchema],
] as const;

describe.each(SCHEMAS)("the %s schema", (_, schema) => {
  const all = fields(schema);

  it("has a title, a description and a stable id", () => {
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(schema.$id).toMatch(/^urn:crjob:(spec|site):v1$/);
    expect(schema.title).toMatch(/^crjob /);
    expect(schema.description.length).toBeGreaterThan(40);
  });

  it("states each default in the description, as normalizeSpec applies it", () => {
    const withDefault = all.filter((f) => "default" in f.schema);
    expect(withDefault.length).toBeGreaterThan(0);
    for (const { path, schema: s } of withDefault) {
      expect(s.description, path).toContain(`Default: ${String(s.default)}.`);
    }
  });

  it("describes the values of its open mappings", () => {
    for (const { path, schema: s } of all) {
      if (typeof s.additionalProperties === "object") {
        expect((s.additionalProperties as { description?: string }).description ?? "a string value", path).toMatch(/^\S.{7,}/);
      }
    }
  });

  it("explains every pattern it uses", () => {
    for (const { path, schema: s } of all) {
      if (typeof s.pattern === "string") expect(patternHelp[s.pattern], path).toMatch(/^(a|an) /);
    }
  });
});

describe("defaults the schema announces", () => {
  const defaults = Object.fromEntries(
    SCHEMAS.flatMap(([name, schema]) => fields(schema).filter((f) => "default" in f.schema).map((f) => [`${name}:${f.path}`, f.schema.default])),
  );
  it("are the values normalizeSpec uses", () => {
    expect(defaults).toEqual({
      "spec:slots": 1,
      "spec:mode": "auto",
      "spec:checkpoint.tool": "blcr",
      "spec:checkpoint.keep": 2,
      "spec:checkpoint.keep_on_success": false,
      "spec:checkpoint.restore_pid": "auto",
      "spec:lsf.rerunnable": false,
      "spec:lsf.requeue_exit": 99,
      "spec:lsf.max_requeues": 20,
      "spec:lsf.requeue": "auto",
      "site:flavour": "ibm",
    });
  });
});

// Field by field, what the schemas refuse (and the edge values they accept), with the exact
// message: a constraint dropped from the schema fails here.
describe("what each spec field refuses", () => {
  const cases: [string, { given: string; want: string[] }][] = [
    ["empty strings", { given: spec({ app: '  output: ""\n  restart_command: ""', lsf: '  output: ""\n  error: ""\n  resources: ""' }), want: [
      "job.yaml:5:11 error app.output: must not be empty",
      'job.yaml:6:3 warning app.restart_command: ignored: checkpoint.tool is "blcr" (only used with checkpoint.tool "app")',
      "job.yaml:6:20 error app.restart_command: must not be empty",
      "job.yaml:10:11 error lsf.output: must not be empty",
      "job.yaml:11:10 error lsf.error: must not be empty",
      "job.yaml:12:14 error lsf.resources: must not be empty",
    ] }],
    ["checkpoint.ready", { given: spec({ checkpoint: '  tool: app\n  interval: 1h\n  files: [x]\n  ready: { marker: "", stable: 10, timeout: 1x }' }), want: [
      "job.yaml:9:20 error checkpoint.ready.marker: must not be empty",
      'job.yaml:9:32 error checkpoint.ready.stable: expected a string, got a number (quote it: "10")',
      'job.yaml:9:45 error checkpoint.ready.timeout: must be a duration like 90s, 30m, 12h, 1d (or 1h30m), got "1x"',
    ] }],
    ["durations", { given: spec({ checkpoint: "  interval: auto\n  mtbf: 3 days", lsf: "  runlimit: 1d\n  warning: { before: soon }" }), want: [
      'job.yaml:7:9 error checkpoint.mtbf: must be a duration like 90s, 30m, 12h, 1d (or 1h30m), got "3 days"',
      'job.yaml:10:22 error lsf.warning.before: must be a duration like 90s, 30m, 12h, 1d (or 1h30m), got "soon"',
    ] }],
    ["empty list entries", { given: spec({ top: 'stage: { in: [""], out: [""] }', checkpoint: '  tool: app\n  interval: 1h\n  files: [""]' }), want: [
      "job.yaml:3:15 error stage.in[0]: must not be empty",
      "job.yaml:3:26 error stage.out[0]: must not be empty",
      "job.yaml:9:11 error checkpoint.files[0]: must not be empty",
    ] }],
    ["an empty argument is an argument", { given: spec({ app: '  args: [""]\n  restart_args: [""]' }), want: [
      'job.yaml:6:3 warning app.restart_args: ignored: checkpoint.tool is "blcr" (only used with checkpoint.tool "app")',
    ] }],
    ["numbers below their minimum", { given: spec({ top: "slots: 0", checkpoint: "  interval: 1h\n  keep: 0", lsf: "  requeue_exit: 0\n  max_requeues: -1" }), want: [
      "job.yaml:3:8 error slots: must be at least 1, got 0",
      "job.yaml:8:9 error checkpoint.keep: must be at least 1, got 0",
      "job.yaml:10:17 error lsf.requeue_exit: must be at least 1, got 0",
      "job.yaml:11:17 error lsf.max_requeues: must be at least 0, got -1",
    ] }],
    ["numbers at their limits", { given: spec({ top: "slots: 1", checkpoint: "  interval: 1h\n  keep: 1", lsf: "  requeue_exit: 255\n  max_requeues: 0" }), want: [] }],
    ["an exit code above 255", { given: spec({ lsf: "  requeue_exit: 256" }), want: ["job.yaml:8:17 error lsf.requeue_exit: must be at most 255, got 256"] }],
    ["choices", { given: spec({ top: "mode: later", lsf: "  requeue: sometimes\n  rerunnable: 1" }), want: [
      'job.yaml:3:7 error mode: must be one of "auto", "fresh", "restart", got "later"',
      'job.yaml:9:12 error lsf.requeue: must be one of "auto", "exit", "brequeue", "none", got "sometimes"',
      "job.yaml:10:15 error lsf.rerunnable: expected true or false, got a number",
    ] }],
    ["checkpoint choices", { given: spec({ checkpoint: "  interval: 1h\n  keep_on_success: 1\n  restore_pid: yes" }), want: [
      "job.yaml:7:20 error checkpoint.keep_on_success: expected true or false, got a number",
      'job.yaml:8:16 error checkpoint.restore_pid: must be one of "auto", "always", "never", got "yes"',
    ] }],
    ["restart arguments are text; a signal is a name", { given: spec({ app: "  restart_args: [1]", checkpoint: "  tool: app\n  interval: 1h\n  files: [x]\n  signal: usr1" }), want: [
      'job.yaml:5:18 error app.restart_args[0]: expected a string, got a number (quote it: "1")',
      'job.yaml:10:11 error checkpoint.signal: must be a signal name like USR1 or SIGUSR1, got "usr1"',
    ] }],
    ["a signal number", { given: spec({ checkpoint: "  tool: app\n  interval: 1h\n  files: [x]\n  signal: 9" }), want: [
      'job.yaml:9:11 error checkpoint.signal: expected a string, got a number (quote it: "9")',
    ] }],
    ["names that start with a symbol", { given: spec().replace("mw256", "-q").replace("stars", "_x"), want: [
      'job.yaml:1:7 error name: must be a name of letters, digits, "_", "." and "-" that starts with a letter or digit, got "_x"',
      'job.yaml:2:8 error queue: must be a name of letters, digits, "_", "." and "-" that starts with a letter or digit, got "-q"',
    ] }],
    ["unknown keys in stage and lsf.warning", { given: spec({ top: "stage: { inn: [a] }", lsf: "  warning: { sig: USR1 }" }), want: [
      'job.yaml:3:10 error stage.inn: unknown property (did you mean "in"?)',
      "job.yaml:9:3 warning lsf.warning: ignored without lsf.runlimit",
      "job.yaml:9:14 error lsf.warning.sig: unknown property (known fields here: signal, before)",
    ] }],
    ["an array given as a list", { given: spec({ top: "array: [1]" }), want: ["job.yaml:3:8 error array: expected a string, got a list"] }],
    ["sections of the wrong type", { given: "name: a\nqueue: q\napp: x\nstage: 1\nlsf: 2\ncheckpoint: { interval: 1h }\n", want: [
      "job.yaml:3:6 error app: expected a mapping, got a string",
      "job.yaml:4:8 error stage: expected a mapping, got a number",
      "job.yaml:5:6 error lsf: expected a mapping, got a number",
    ] }],
  ];
  it.each(cases)("%s", (_, { given, want }) => expect(lines(given)).toEqual(want));
});

describe("what each site profile field refuses", () => {
  const check = (source: string) => loadSite(source, "s.yaml").diagnostics.map(formatDiagnostic);
  it("refuses relative paths, bad durations, empty names, bad exit codes and unknown queue fields", () => {
    expect(check("scratch: scratch\nstate_root: x\nmtbf: 3 days\ntemplates: ''\nqueues:\n  q: { requeue_exit_values: [0, 256, x], dmtcp: d, other: 1 }\n")).toEqual([
      's.yaml:1:10 error scratch: must be an absolute path, or one starting with "~" or "$HOME", got "scratch"',
      's.yaml:2:13 error state_root: must be an absolute path, or one starting with "~" or "$HOME", got "x"',
      's.yaml:3:7 error mtbf: must be a duration like 90s, 30m, 12h, 1d (or 1h30m), got "3 days"',
      "s.yaml:4:12 error templates: must not be empty",
      "s.yaml:6:30 error queues.q.requeue_exit_values[0]: must be at least 1, got 0",
      "s.yaml:6:33 error queues.q.requeue_exit_values[1]: must be at most 255, got 256",
      "s.yaml:6:38 error queues.q.requeue_exit_values[2]: expected a whole number, got a string",
      's.yaml:6:49 error queues.q.dmtcp: must be an absolute path, or one starting with "~" or "$HOME", got "d"',
      "s.yaml:6:52 error queues.q.other: unknown property (known fields here: blcr, requeue_exit_values, dmtcp)",
    ]);
  });
  it("refuses queues given as a list", () => {
    expect(check("queues: [a]\n")).toEqual(["s.yaml:1:9 error queues: expected a mapping, got a list"]);
  });
  it("accepts every field at its edge", () => {
    expect(check("flavour: openlava\nscratch: /s\nstate_root: ~/st\nmtbf: 3d\ntemplates: t\nqueues:\n  q: { requeue_exit_values: [1, 255], dmtcp: /d, blcr: $HOME/b }\n")).toEqual([]);
  });
});
