// `crjob validate`, `init` and `schema` through the built CLI.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crjob, ROOT, tempDir } from "./helpers.js";

const INVALID = join(ROOT, "test", "fixtures", "invalid");
const cases = readdirSync(INVALID).filter((f) => f.endsWith(".yaml"));

describe("crjob validate", () => {
  it("reports every diagnostic of every file, one per line as file:line:col, exit 1", () => {
    const r = crjob(["validate", ...cases], { cwd: INVALID });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    for (const line of lines) expect(line).toMatch(/^[\w.-]+\.yaml(:\d+:\d+)? (error|warning) /);
    // Each invalid file has at least one error line of its own.
    for (const c of cases.filter((f) => !f.startsWith("warnings"))) {
      expect(lines.some((l) => l.startsWith(`${c}:`) || l.startsWith(`${c} `)), c).toBe(true);
    }
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("the messages people act on", () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "stars.yaml"),
      "name: stars\nqueue: mw256\napp:\n  command: ./t\ncheckpoint:\n  tool: blrc\n  intervall: 12h\nlsf:\n  runlimit: 90s\n",
    );
    const r = crjob(["validate", "stars.yaml"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('stars.yaml:6:9 error checkpoint.tool: must be one of "blcr", "none", "dmtcp", "app", got "blrc" (did you mean "blcr"?)');
    expect(r.stderr).toContain('stars.yaml:7:3 error checkpoint.intervall: unknown property (did you mean "interval"?)');
    expect(r.stderr).toContain("stars.yaml:9:13 error lsf.runlimit:");
  });

  it("--format json prints the diagnostics as data", () => {
    const r = crjob(["validate", "--format", "json", "unknown-key.yaml"], { cwd: INVALID });
    expect(r.code).toBe(1);
    const ds = JSON.parse(r.stdout);
    expect(ds.length).toBeGreaterThan(0);
    expect(Object.keys(ds[0]).sort()).toEqual(["col", "file", "hint", "line", "message", "path", "severity"]);
  });

  it("the examples validate with their site profile", () => {
    const specs = readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".yaml") && !f.startsWith("site"));
    for (const site of ["site.yaml", "site-slurm.yaml"]) {
      const r = crjob(["validate", "--site", site, ...specs], { cwd: join(ROOT, "examples") });
      expect(r.stderr).not.toContain(" error ");
      expect(r.code).toBe(0);
    }
  });

  it("a site profile names unknown queues and BLCR-less queues", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yaml"), "name: a\nqueue: mw265\napp:\n  command: x\ncheckpoint:\n  interval: 1h\n");
    writeFileSync(join(dir, "b.yaml"), "name: b\nqueue: hp12\napp:\n  command: x\ncheckpoint:\n  interval: 1h\n");
    const v = crjob(["validate", "--site", join(ROOT, "examples", "site.yaml"), "a.yaml", "b.yaml"], { cwd: dir });
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/a\.yaml:2:8 error queue: .*did you mean "mw256"/);
    expect(v.stderr).toMatch(/b\.yaml:\d+:\d+ error .*mw256.*test.*tinymem/);
  });
});

describe("crjob init", () => {
  it("writes a commented starter spec that validates, and refuses to overwrite it", () => {
    const dir = tempDir();
    const r = crjob(["init", "stars"], { cwd: dir });
    expect(r.code).toBe(0);
    const text = readFileSync(join(dir, "stars.yaml"), "utf8");
    expect(text).toMatch(/^# /);
    expect(text).toContain("name: stars");
    expect(crjob(["validate", "stars.yaml"], { cwd: dir }).code).toBe(0);
    expect(crjob(["render", "stars.yaml"], { cwd: dir }).code).toBe(0);
    const again = crjob(["init", "stars"], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists");
    expect(readFileSync(join(dir, "stars.yaml"), "utf8")).toBe(text);
  });

  it("an invalid name is an error naming the valid pattern", () => {
    const dir = tempDir();
    const r = crjob(["init", "bad name"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("invalid job name");
    expect(existsSync(join(dir, "bad name.yaml"))).toBe(false);
  });
});

describe("crjob schema", () => {
  it("prints the JSON Schema of the spec", () => {
    const r = crjob(["schema"]);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.$schema).toMatch(/json-schema/);
    expect(schema.required).toEqual(expect.arrayContaining(["name", "queue", "app"]));
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["checkpoint", "lsf", "stage", "scratch", "mode", "slots"]));
  });
});
