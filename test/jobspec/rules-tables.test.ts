// The rule tables entry by entry: which checkpoint fields each tool uses, which bsub options crjob
// sets itself, and which options OpenLava lacks. A dropped or misspelt entry fails here.
import { describe, expect, it } from "vitest";
import { checkBsubOption } from "../../src/jobspec/rules.js";
import { lines, spec } from "./helpers.js";

describe("fields only some tools use", () => {
  const other = 'a checkpoint.tool other than "none"';
  // [field as written, its YAML, the tool that ignores it, who uses it]
  const cases: [string, { app?: string; checkpoint: string; tool: string; only: string }][] = [
    ["checkpoint.mtbf", { checkpoint: "  mtbf: 3d", tool: "none", only: other }],
    ["checkpoint.keep", { checkpoint: "  keep: 3", tool: "none", only: other }],
    ["checkpoint.keep_on_success", { checkpoint: "  keep_on_success: true", tool: "none", only: other }],
    ["checkpoint.restore_pid", { checkpoint: "  restore_pid: never", tool: "app", only: 'checkpoint.tool "blcr"' }],
    ["checkpoint.files", { checkpoint: "  files: [x]", tool: "dmtcp", only: 'checkpoint.tool "app"' }],
    ["checkpoint.signal", { checkpoint: "  signal: USR1", tool: "dmtcp", only: 'checkpoint.tool "app"' }],
    ["checkpoint.ready", { checkpoint: "  ready: { marker: done }", tool: "dmtcp", only: 'checkpoint.tool "app"' }],
    ["app.restart_command", { app: "  restart_command: ./r", checkpoint: "", tool: "dmtcp", only: 'checkpoint.tool "app"' }],
    ["app.restart_args", { app: "  restart_args: [-r]", checkpoint: "", tool: "blcr", only: 'checkpoint.tool "app"' }],
  ];
  it.each(cases)("%s is ignored with the wrong tool", (field, { app, checkpoint, tool, only }) => {
    const interval = tool === "none" ? "" : "\n  interval: 1h";
    const files = tool === "app" ? "\n  files: [s]" : "";
    const source = spec({ app, checkpoint: `  tool: ${tool}${interval}${files}${checkpoint ? `\n${checkpoint}` : ""}` });
    const warnings = lines(source).filter((l) => l.includes(" warning "));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^job\.yaml:\d+:3 /); // at the field's key
    expect(warnings[0]!.replace(/^\S+ /, "")).toBe(`warning ${field}: ignored: checkpoint.tool is "${tool}" (only used with ${only})`);
  });

  it.each([
    ["blcr", "  keep: 3\n  keep_on_success: true\n  mtbf: 3d\n  interval: auto\n  restore_pid: always"],
    ["dmtcp", "  keep: 3\n  keep_on_success: true\n  mtbf: 3d\n  interval: auto"],
    ["app", "  keep: 3\n  keep_on_success: true\n  mtbf: 3d\n  interval: auto\n  files: [s]\n  signal: USR1\n  ready: { marker: m }"],
  ])("tool %s uses its fields without a warning", (tool, fields) => {
    const app = tool === "app" ? "  restart_command: ./r\n  restart_args: [-r]" : undefined;
    expect(lines(spec({ app, checkpoint: `  tool: ${tool}\n${fields}` }))).toEqual([]);
  });
});

describe("options crjob sets itself", () => {
  const cases: [string, string][] = [
    ["-q", "the field queue"],
    ["-J", "the fields name and array"],
    ["-n", "the field slots"],
    ["-o", "the field lsf.output"],
    ["-e", "the field lsf.error"],
    ["-W", "the field lsf.runlimit"],
    ["-R", "the field lsf.resources"],
    ["-Q", "the fields lsf.requeue and lsf.requeue_exit"],
    ["-r", "the field lsf.rerunnable"],
    ["-wa", "the field lsf.warning.signal"],
    ["-wt", "the field lsf.warning.before"],
  ];
  it.each(cases)("%s: use %s", (option, field) => {
    expect(checkBsubOption(`${option} x`, "ibm")).toEqual({ message: `${option} is set by crjob`, hint: `use ${field} instead`, index: 0 });
  });
});

describe("options OpenLava lacks", () => {
  const cases: [string, string, string | undefined][] = [
    ["-Q", "OpenLava rejects -Q as an illegal option", "crjob requeues through the queue's REQUEUE_EXIT_VALUES or brequeue instead; see lsf.requeue"],
    ["-G", "OpenLava rejects -G as an illegal option", undefined],
    ["-We", "OpenLava rejects -We", undefined],
    ["-cwd", "OpenLava mis-parses -cwd as -c wd, a CPU limit, and rejects the job", undefined],
    ["-wa", 'OpenLava mis-parses -wa as -w a, a dependency on a job named "a": the job would never run', "use lsf.warning: on OpenLava crjob runs its own timer"],
    ["-wt", "OpenLava mis-parses -wt as -w t, a dependency condition", "use lsf.warning: on OpenLava crjob runs its own timer"],
    ["-oo", 'OpenLava mis-parses -oo as -o o: output to a file named "o"', "use lsf.output"],
    ["-eo", 'OpenLava mis-parses -eo as -e o: errors to a file named "o"', "use lsf.error"],
    ["-outdir", 'OpenLava mis-parses -outdir as -o utdir: output to a file named "utdir"', undefined],
    ["-env", 'OpenLava mis-parses -env as -e nv: errors to a file named "nv"', undefined],
    ["-app", "OpenLava has no -app and mis-parses it by short-option bundling", undefined],
  ];
  it.each(cases)("%s", (option, message, hint) => {
    const got = checkBsubOption(`${option} x`, "openlava");
    expect(got).toEqual({ message, hint, index: 0 });
  });

  it.each(cases.filter(([o]) => !["-Q", "-wa", "-wt"].includes(o)))("%s is fine on IBM", (option) => {
    expect(checkBsubOption(`${option} x`, "ibm")).toBeNull();
  });
});
