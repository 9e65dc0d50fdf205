// The commands that sit on the spec phases: validate, init, schema (called as functions; the CLI
// spawn tests live elsewhere).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { initCommand } from "../../src/commands/init.js";
import { schemaCommand } from "../../src/commands/schema.js";
import { validateCommand } from "../../src/commands/validate.js";
import { UserError } from "../../src/errors.js";
import { loadSite } from "../../src/jobspec/site.js";
import { Ajv } from "ajv";
import { parse as parseYaml } from "yaml";
import { specSchema } from "../../src/jobspec/schema.js";
import { crjob, makeUnreadable } from "../helpers.js";
import { lines, spec } from "./helpers.js";

let dir: string;
// What the commands print (src/output.ts writes to fds 1 and 2; here it is caught instead).
const printed = vi.hoisted(() => ({ out: "", err: "" }));
vi.mock("../../src/output.js", async () => {
  const { formatDiagnostic } = await import("../../src/diagnostics.js");
  const err = (s: string) => void (printed.err += s);
  return {
    out: (s: string) => void (printed.out += s),
    err,
    printDiagnostics: (ds: Parameters<typeof formatDiagnostic>[0][]) => ds.forEach((d) => err(`${formatDiagnostic(d)}\n`)),
  };
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "crjob-spec-"));
  printed.out = "";
  printed.err = "";
  vi.stubEnv("CRJOB_SITE", "");
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const write = (name: string, text: string) => {
  const p = path.join(dir, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
};
/** stderr with the temp dir shown as "<dir>". */
const errLines = () => printed.err.split(dir).join("<dir>").trimEnd().split("\n");

describe("validateCommand", () => {
  it("prints nothing and exits 0 for valid specs", async () => {
    const a = write("a.yaml", spec());
    expect(await validateCommand({ specs: [a, a], format: "text" })).toBe(0);
    expect(printed.err).toBe("");
  });

  it("exits 0 with warnings only", async () => {
    const a = write("a.yaml", spec({ checkpoint: "  interval: 10s" }));
    expect(await validateCommand({ specs: [a], format: "text" })).toBe(0);
    expect(errLines()).toEqual([
      "<dir>/a.yaml:6:13 warning checkpoint.interval: shorter than 1m: allowed for testing (each checkpoint pauses the app; use minutes to hours for real jobs)",
    ]);
  });

  it("reports every problem of every file, including files it cannot read", async () => {
    const bad = write("bad.yaml", spec({ checkpoint: "  intervall: 1h" }));
    const empty = write("empty.yaml", "");
    mkdirSync(path.join(dir, "jobs"));
    const specs = [bad, path.join(dir, "missing.yaml"), path.join(dir, "jobs"), empty];
    expect(await validateCommand({ specs, format: "text" })).toBe(1);
    expect(errLines()).toEqual([
      '<dir>/bad.yaml:6:3 error checkpoint.intervall: unknown property (did you mean "interval"?)',
      "<dir>/missing.yaml:1:1 error no such file",
      "<dir>/jobs:1:1 error is a directory, not a job spec",
      "<dir>/empty.yaml:1:1 error the file is empty; a job spec is a mapping of fields (crjob init writes a starter spec)",
    ]);
    expect(printed.out).toBe("");
  });

  it("reports an unreadable file", async () => {
    // Through the CLI: as root (CI) it runs as nobody, for whom the permissions apply.
    const p = write("secret.yaml", spec());
    makeUnreadable(dir, p);
    const r = crjob(["validate", p], { unprivileged: true });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.split(dir).join("<dir>").trimEnd().split("\n")).toEqual(["<dir>/secret.yaml:1:1 error cannot read it: permission denied"]);
    expect(r.stdout).toBe("");
  });

  it("prints JSON rows on stdout", async () => {
    const a = write("a.yaml", spec({ top: "mode: resume" }));
    expect(await validateCommand({ specs: [a, path.join(dir, "nope.yaml")], format: "json" })).toBe(1);
    expect(printed.err).toBe("");
    expect(JSON.parse(printed.out.split(dir).join("<dir>"))).toEqual([
      { file: "<dir>/a.yaml", line: 3, col: 7, path: "mode", severity: "error", message: 'must be one of "auto", "fresh", "restart", got "resume"', hint: null },
      { file: "<dir>/nope.yaml", line: 1, col: 1, path: "", severity: "error", message: "no such file", hint: null },
    ]);
  });

  it("prints [] when all is well in JSON", async () => {
    expect(await validateCommand({ specs: [write("a.yaml", spec())], format: "json" })).toBe(0);
    expect(JSON.parse(printed.out)).toEqual([]);
  });

  it("finds crjob.site.yaml above the spec and reports its problems once", async () => {
    write("crjob.site.yaml", "queues:\n  mw256: {}\n  hp12: { blcr: /b }\n");
    const a = write("jobs/a.yaml", spec());
    const b = write("jobs/b.yaml", spec().replace("mw256", "hp21"));
    expect(await validateCommand({ specs: [a, b], format: "text" })).toBe(1);
    expect(errLines()).toEqual([
      '<dir>/jobs/a.yaml:2:8 error queue: queue "mw256" has no BLCR in site profile <dir>/crjob.site.yaml, and checkpoint.tool defaults to blcr (queues with BLCR: hp12)',
      '<dir>/jobs/b.yaml:2:8 error queue: unknown queue "hp21" in site profile <dir>/crjob.site.yaml (did you mean "hp12"?)',
    ]);
  });

  it("reports a broken site profile once and checks the specs without it", async () => {
    const site = write("site.yaml", "flavor: openlava\n");
    const a = write("a.yaml", spec());
    expect(await validateCommand({ specs: [a, a], format: "text", site })).toBe(1);
    expect(errLines()).toEqual(['<dir>/site.yaml:1:1 error flavor: unknown property (did you mean "flavour"?)']);
  });

  it("names where a missing site profile came from", async () => {
    vi.stubEnv("CRJOB_SITE", path.join(dir, "gone.yaml"));
    expect(await validateCommand({ specs: [write("a.yaml", spec())], format: "text" })).toBe(1);
    expect(errLines()).toEqual(["<dir>/gone.yaml:1:1 error no such file (from $CRJOB_SITE)"]);
  });
});

describe("initCommand", () => {
  const read = (name: string) => readFileSync(path.join(dir, name), "utf8");

  it("writes job.yaml that validates without a single warning", async () => {
    expect(await initCommand({ cwd: dir })).toBe(0);
    expect(lines(read("job.yaml"))).toEqual([]);
    expect(read("job.yaml")).toContain("name: job ");
    expect(printed.out).toContain("job.yaml");
    expect(readdirSync(dir)).toEqual(["job.yaml"]); // no temp file left
  });

  it("shows every field of the schema", async () => {
    await initCommand({ name: "stars", cwd: dir });
    const text = read("stars.yaml");
    const fields = (s: Record<string, unknown>, at = ""): string[] =>
      Object.entries((s.properties as Record<string, Record<string, unknown>>) ?? {}).flatMap(([k, sub]) => [
        `${at}${k}`,
        ...fields(sub, `${at}${k}.`),
      ]);
    for (const f of fields(specSchema as unknown as Record<string, unknown>)) {
      expect(text, f).toMatch(new RegExp(`^#?\\s*(#\\s*)?${f.split(".").at(-1)}:`, "m"));
    }
  });

  it("takes NAME.yaml as NAME and quotes names YAML would read as numbers", async () => {
    await initCommand({ name: "stars.yaml", cwd: dir });
    expect(read("stars.yaml")).toMatch(/^name: stars /m);
    await initCommand({ name: "2024", cwd: dir });
    expect(read("2024.yaml")).toMatch(/^name: "2024" /m);
    expect(lines(read("2024.yaml"))).toEqual([]);
  });

  it("picks a queue with BLCR from the site profile", async () => {
    const sitePath = write("crjob.site.yaml", "queues:\n  hp12: {}\n  mw256: { blcr: /share/apps/blcr/0.8.5/mw256 }\n");
    await initCommand({ name: "stars", cwd: dir });
    expect(read("stars.yaml")).toMatch(/^queue: mw256 +# LSF queue \(#BSUB -q\), from crjob.site.yaml$/m);
    expect(lines(read("stars.yaml"), loadSite(readFileSync(sitePath, "utf8"), sitePath))).toEqual([]);
  });

  it("uses tool none when no queue of the site has BLCR", async () => {
    const sitePath = write("crjob.site.yaml", "queues:\n  hp12: {}\n");
    await initCommand({ name: "plain", cwd: dir });
    expect(read("plain.yaml")).toMatch(/^ {2}tool: none/m);
    expect(lines(read("plain.yaml"), loadSite(readFileSync(sitePath, "utf8"), sitePath))).toEqual([]);
  });

  it("refuses to overwrite", async () => {
    write("stars.yaml", "mine\n");
    await expect(initCommand({ name: "stars", cwd: dir })).rejects.toThrow(UserError);
    await expect(initCommand({ name: "stars", cwd: dir })).rejects.toThrow(/stars.yaml already exists; not overwriting it/);
    expect(read("stars.yaml")).toBe("mine\n");
    expect(readdirSync(dir)).toEqual(["stars.yaml"]);
  });

  it.each(["my job", "-x", ".hidden", "a/b", ""])("rejects the name %j", async (name) => {
    await expect(initCommand({ name, cwd: dir })).rejects.toThrow(UserError);
    await expect(initCommand({ name, cwd: dir })).rejects.toThrow("^[A-Za-z0-9][A-Za-z0-9_.-]*$");
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("schemaCommand", () => {
  it("prints the spec schema as JSON", async () => {
    expect(await schemaCommand()).toBe(0);
    const schema = JSON.parse(printed.out);
    expect(schema).toMatchObject({ $schema: "http://json-schema.org/draft-07/schema#", $id: "urn:crjob:spec:v1", title: "crjob job spec" });
    // The printed schema does the job an editor uses it for: it accepts a valid spec and rejects
    // what crjob rejects (not just "equals the object it was printed from").
    const check = new Ajv({ strict: false, allErrors: true }).compile(schema);
    expect(check(parseYaml(spec())), JSON.stringify(check.errors)).toBe(true);
    expect(check(parseYaml(spec({ checkpoint: "  tool: criu" })))).toBe(false);
    expect(check.errors?.map((e) => e.instancePath)).toContain("/checkpoint/tool");
    expect(check(parseYaml(spec({ top: "nmae: x" })))).toBe(false);
    expect(printed.out).toMatch(/^\{\n {2}"\$schema"/);
  });
});
