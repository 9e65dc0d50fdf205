// The invalid-spec corpus: each test/fixtures/invalid/<case>.yaml with its exact diagnostics
// (file:line:col severity path: message (hint)), as `crjob validate` prints them. Cases in a
// directory with a crjob.site.yaml are checked against that site profile.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostic, hasErrors, type Diagnostic } from "../../src/diagnostics.js";
import { loadSpec } from "../../src/jobspec/load.js";
import { checkRules } from "../../src/jobspec/rules.js";
import { loadSite, SITE_FILE_NAME } from "../../src/jobspec/site.js";
import { validateSpec } from "../../src/jobspec/validate.js";

const ROOT = path.resolve(import.meta.dirname, "../fixtures/invalid");

function diagnose(name: string): Diagnostic[] {
  const siteFile = path.join(path.dirname(name), SITE_FILE_NAME);
  const sitePath = path.join(ROOT, siteFile);
  const site = existsSync(sitePath) ? loadSite(readFileSync(sitePath, "utf8"), siteFile) : null;
  expect(site?.diagnostics ?? []).toEqual([]);
  const spec = loadSpec(readFileSync(path.join(ROOT, name), "utf8"), name);
  return [...spec.diagnostics, ...validateSpec(spec), ...checkRules(spec, site)].sort(
    (a, b) => a.line - b.line || a.col - b.col,
  );
}

function check(name: string): string {
  return diagnose(name).map(formatDiagnostic).join("\n");
}

function cases(dir = ROOT): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) return cases(p);
    return f.endsWith(".yaml") && f !== SITE_FILE_NAME ? [path.relative(ROOT, p)] : [];
  });
}

describe("invalid corpus", () => {
  it.each(cases())("%s is diagnosed (warnings-* cases: warnings only)", (name) => {
    const ds = diagnose(name);
    expect(ds.length).toBeGreaterThan(0);
    expect(hasErrors(ds)).toBe(!path.basename(name).startsWith("warnings-"));
    for (const d of ds) expect(formatDiagnostic(d)).not.toMatch(/\n|undefined|\[object/);
  });

  it("locks every case below", () => {
    const source = readFileSync(new URL(import.meta.url), "utf8");
    for (const name of cases()) expect(source).toContain(`check("${name}")`);
  });

  it("bad-array-garbage.yaml", () => {
    expect(check("bad-array-garbage.yaml")).toMatchInlineSnapshot(`"bad-array-garbage.yaml:3:13 error array: "%ten" is not a limit (e.g. "1-100%10": at most 10 elements at once)"`);
  });

  it("bad-array-zero.yaml", () => {
    expect(check("bad-array-zero.yaml")).toMatchInlineSnapshot(`"bad-array-zero.yaml:3:8 error array: array indices start at 1, got 0"`);
  });

  it("bad-array.yaml", () => {
    expect(check("bad-array.yaml")).toMatchInlineSnapshot(`"bad-array.yaml:3:14 error array: range 20-15 starts after it ends (write 15-20)"`);
  });

  it("bad-duration.yaml", () => {
    expect(check("bad-duration.yaml")).toMatchInlineSnapshot(`
      "bad-duration.yaml:6:13 error checkpoint.interval: must be a duration like 90s, 30m, 12h, 1d (or 1h30m), or "auto", got "90 min"
      bad-duration.yaml:8:13 error lsf.runlimit: must be a run limit like 90m, 12h, 1d, "1:30" (hours:minutes) or 90 (minutes), got "2 days""
    `);
  });

  it("bad-enum.yaml", () => {
    expect(check("bad-enum.yaml")).toMatchInlineSnapshot(`
      "bad-enum.yaml:3:7 error mode: must be one of "auto", "fresh", "restart", got "resume"
      bad-enum.yaml:7:9 error checkpoint.tool: must be one of "blcr", "none", "dmtcp", "app", got "blrc" (did you mean "blcr"?)"
    `);
  });

  it("bad-name.yaml", () => {
    expect(check("bad-name.yaml")).toMatchInlineSnapshot(`"bad-name.yaml:1:7 error name: must be a name of letters, digits, "_", "." and "-" that starts with a letter or digit, got "my stars job""`);
  });

  it("comments-only.yaml", () => {
    expect(check("comments-only.yaml")).toMatchInlineSnapshot(`"comments-only.yaml:1:1 error the file is empty; a job spec is a mapping of fields (crjob init writes a starter spec)"`);
  });

  it("duplicate-key.yaml", () => {
    expect(check("duplicate-key.yaml")).toMatchInlineSnapshot(`
      "duplicate-key.yaml:8:3 error checkpoint.interval: duplicate key (already set on line 6)
      duplicate-key.yaml:9:1 error queue: duplicate key (already set on line 2)"
    `);
  });

  it("empty.yaml", () => {
    expect(check("empty.yaml")).toMatchInlineSnapshot(`"empty.yaml:1:1 error the file is empty; a job spec is a mapping of fields (crjob init writes a starter spec)"`);
  });

  it("env-bad.yaml", () => {
    expect(check("env-bad.yaml")).toMatchInlineSnapshot(`
      "env-bad.yaml:6:22 error app.env.OMP_NUM_THREADS: expected a string, got a number (quote it: "4")
      env-bad.yaml:7:5 error app.env["1BAD"]: invalid name "1BAD": must be a variable name of letters, digits and "_" that does not start with a digit
      env-bad.yaml:8:12 error app.env.DEBUG: expected a string, got a boolean (quote it: "true")"
    `);
  });

  it("extra-controlled.yaml", () => {
    expect(check("extra-controlled.yaml")).toMatchInlineSnapshot(`
      "extra-controlled.yaml:8:12 error lsf.extra[0]: -q is set by crjob (use the field queue instead)
      extra-controlled.yaml:8:25 error lsf.extra[1]: -n is set by crjob (use the field slots instead)
      extra-controlled.yaml:8:33 error lsf.extra[2]: -W is set by crjob (use the field lsf.runlimit instead)"
    `);
  });

  it("extra-two-options.yaml", () => {
    expect(check("extra-two-options.yaml")).toMatchInlineSnapshot(`
      "extra-two-options.yaml:9:15 error lsf.extra[0]: holds 2 options: -M, -P (one option per entry: "-M 4000", "-P astro")
      extra-two-options.yaml:10:13 error lsf.extra[1]: -P takes one value, got 2 (quote a value with spaces: -P "my project")
      extra-two-options.yaml:11:7 error lsf.extra[2]: write the option and its value as two words ("-M 4000")
      extra-two-options.yaml:12:8 error lsf.extra[3]: "4000" is not a bsub option (one option with its value, e.g. "-M 4000")"
    `);
  });

  it("warning-before-not-below-runlimit.yaml", () => {
    expect(check("warning-before-not-below-runlimit.yaml")).toMatchInlineSnapshot(`"warning-before-not-below-runlimit.yaml:9:36 error lsf.warning.before: must be shorter than lsf.runlimit ("6:00")"`);
  });

  it("warnings-interval-beyond-runlimit.yaml", () => {
    expect(check("warnings-interval-beyond-runlimit.yaml")).toMatchInlineSnapshot(`"warnings-interval-beyond-runlimit.yaml:6:13 warning checkpoint.interval: not shorter than lsf.runlimit ("6:00"): the job checkpoints only before its run limit and when killed (bkill, scancel), so a lost node loses the whole run (right when a checkpoint is expensive; else e.g. interval: 3h)"`);
  });

  it("missing-required.yaml", () => {
    expect(check("missing-required.yaml")).toMatchInlineSnapshot(`
      "missing-required.yaml:1:1 error missing required field "queue" (e.g. queue: normal)
      missing-required.yaml:2:1 error app: missing required field "command" (e.g. command: ./myapp)
      missing-required.yaml:4:1 error checkpoint: missing required field "interval" (needed unless checkpoint.tool is "none"; e.g. interval: 12h)"
    `);
  });

  it("multiple-documents.yaml", () => {
    expect(check("multiple-documents.yaml")).toMatchInlineSnapshot(`"multiple-documents.yaml:5:1 error invalid YAML: the file holds more than one document ("---"); a spec is one document"`);
  });

  it("nested-unknown-key.yaml", () => {
    expect(check("nested-unknown-key.yaml")).toMatchInlineSnapshot(`"nested-unknown-key.yaml:10:5 error lsf.warning.signl: unknown property (did you mean "signal"?)"`);
  });

  it("not-a-mapping.yaml", () => {
    expect(check("not-a-mapping.yaml")).toMatchInlineSnapshot(`"not-a-mapping.yaml:1:1 error a job spec must be a mapping of fields (key: value), got a list"`);
  });

  it("paths-outside-workdir.yaml", () => {
    expect(check("paths-outside-workdir.yaml")).toMatchInlineSnapshot(`
      "paths-outside-workdir.yaml:5:11 error app.output: must be a file in the work dir: a relative path without "..", got "../stars.out"
      paths-outside-workdir.yaml:7:23 error stage.in[1]: must be a path relative to the submit dir without "..", got "/home/hmeij/input.dat"
      paths-outside-workdir.yaml:8:22 error stage.out[1]: must be a path relative to the work dir without "..", got "../../context""
    `);
  });

  it("runlimit-seconds.yaml", () => {
    expect(check("runlimit-seconds.yaml")).toMatchInlineSnapshot(`"runlimit-seconds.yaml:8:13 error lsf.runlimit: must be whole minutes: LSF cannot express seconds, got "90s" (e.g. 2m)"`);
  });

  it("several-errors.yaml", () => {
    expect(check("several-errors.yaml")).toMatchInlineSnapshot(`
      "several-errors.yaml:1:7 error name: must be a name of letters, digits, "_", "." and "-" that starts with a letter or digit, got "stars!"
      several-errors.yaml:3:8 error slots: must be at least 1, got 0
      several-errors.yaml:5:3 error app.comand: unknown property (did you mean "command"?)
      several-errors.yaml:6:14 error app.args[1]: expected a string, got a number (quote it: "100")
      several-errors.yaml:8:7 error stage.in: expected a list, got a string
      several-errors.yaml:10:9 error checkpoint.tool: must be one of "blcr", "none", "dmtcp", "app", got "BLCR" (did you mean "blcr"?)
      several-errors.yaml:11:3 error checkpoint.intervall: unknown property (did you mean "interval"?)
      several-errors.yaml:12:9 error checkpoint.keep: must be at least 1, got 0
      several-errors.yaml:14:13 error lsf.runlimit: must be whole minutes: LSF cannot express seconds, got "1h30s" (e.g. 1h1m)
      several-errors.yaml:15:15 error lsf.rerunnable: expected true or false, got a string (write true; "yes" is text in YAML 1.2)
      several-errors.yaml:16:17 error lsf.requeue_exit: must be at most 255, got 300"
    `);
  });

  it("unknown-key-misplaced.yaml", () => {
    expect(check("unknown-key-misplaced.yaml")).toMatchInlineSnapshot(`
      "unknown-key-misplaced.yaml:3:1 error interval: unknown property ("interval" belongs under "checkpoint")
      unknown-key-misplaced.yaml:6:3 error app.stdout: unknown property (known fields here: command, args, output, env, restart_command, restart_args)"
    `);
  });

  it("unknown-key.yaml", () => {
    expect(check("unknown-key.yaml")).toMatchInlineSnapshot(`"unknown-key.yaml:8:3 error checkpoint.intervall: unknown property (did you mean "interval"?)"`);
  });

  it("wrong-type.yaml", () => {
    expect(check("wrong-type.yaml")).toMatchInlineSnapshot(`
      "wrong-type.yaml:3:8 error slots: expected a whole number, got a string
      wrong-type.yaml:6:9 error app.args: expected a list, got a string
      wrong-type.yaml:8:22 error app.env.OMP_NUM_THREADS: expected a string, got a number (quote it: "4")
      wrong-type.yaml:9:13 error checkpoint: expected a mapping, got a string"
    `);
  });

  it("yaml-syntax.yaml", () => {
    expect(check("yaml-syntax.yaml")).toMatchInlineSnapshot(`"yaml-syntax.yaml:6:1 error invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]"`);
  });

  it("yaml-tab-indent.yaml", () => {
    expect(check("yaml-tab-indent.yaml")).toMatchInlineSnapshot(`"yaml-tab-indent.yaml:4:1 error invalid YAML: tabs are not allowed as indentation"`);
  });

  it("openlava/blcr-queue.yaml", () => {
    expect(check("openlava/blcr-queue.yaml")).toMatchInlineSnapshot(`"openlava/blcr-queue.yaml:2:8 error queue: queue "hp12" has no BLCR in site profile openlava/crjob.site.yaml, and checkpoint.tool defaults to blcr (queues with BLCR: mw256, test, tinymem)"`);
  });

  it("openlava/extra-openlava.yaml", () => {
    expect(check("openlava/extra-openlava.yaml")).toMatchInlineSnapshot(`
      "openlava/extra-openlava.yaml:9:7 error lsf.extra[0]: OpenLava rejects -Q as an illegal option (crjob requeues through the queue's REQUEUE_EXIT_VALUES or brequeue instead; see lsf.requeue)
      openlava/extra-openlava.yaml:10:7 error lsf.extra[1]: OpenLava mis-parses -wa as -w a, a dependency on a job named "a": the job would never run (use lsf.warning: on OpenLava crjob runs its own timer)
      openlava/extra-openlava.yaml:11:7 error lsf.extra[2]: OpenLava mis-parses -cwd as -c wd, a CPU limit, and rejects the job
      openlava/extra-openlava.yaml:12:7 error lsf.extra[3]: OpenLava rejects -G as an illegal option"
    `);
  });

  it("openlava/unknown-queue.yaml", () => {
    expect(check("openlava/unknown-queue.yaml")).toMatchInlineSnapshot(`"openlava/unknown-queue.yaml:2:8 error queue: unknown queue "mw265" in site profile openlava/crjob.site.yaml (did you mean "mw256"?)"`);
  });

  it("openlava/warnings-interval-beyond-runlimit.yaml", () => {
    expect(check("openlava/warnings-interval-beyond-runlimit.yaml")).toMatchInlineSnapshot(`"openlava/warnings-interval-beyond-runlimit.yaml:6:13 warning checkpoint.interval: not shorter than lsf.runlimit ("6h"): the job checkpoints only before its run limit and when killed (bkill, scancel), so a lost node loses the whole run (right when a checkpoint is expensive; else e.g. interval: 3h)"`);
  });

  it("openlava/warnings-no-requeue-path.yaml", () => {
    expect(check("openlava/warnings-no-requeue-path.yaml")).toMatchInlineSnapshot(`
      "openlava/warnings-no-requeue-path.yaml:7:8 warning checkpoint.dir: inside the scratch dir /sanscratch, which is wiped when the job ends and lost with its node (keep checkpoints under $HOME or a shared project dir)
      openlava/warnings-no-requeue-path.yaml:10:13 warning lsf.runlimit: the job cannot requeue itself at its run limit: OpenLava has no -Q, and queue "test" has no requeue_exit_values with 99 in the site profile (set lsf.requeue: auto (brequeue from inside the job), or add 99 to the queue's requeue_exit_values if its REQUEUE_EXIT_VALUES has it)"
    `);
  });
});
