// The script's last line, `# crjob-fingerprint <sha256>` (src/render/fingerprint.ts), and what
// `crjob render --check` makes of it, through the built CLI: a committed script whose fingerprint
// matches its inputs is current without a render; any change to an input or to the script is not.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crjob, tempDir, withoutFingerprint } from "./helpers.js";

// interval >= runlimit: a spec with a warning, so a render shows itself by printing it.
const SPEC = `name: demo
queue: normal
app:
  command: ./demo
checkpoint:
  tool: blcr
  interval: 2h
lsf:
  runlimit: 1h
`;
const WARNING = "demo.yaml:7:13 warning checkpoint.interval: not shorter than lsf.runlimit";

function workspace(): string {
  const dir = tempDir();
  writeFileSync(join(dir, "demo.yaml"), SPEC);
  writeFileSync(join(dir, "site.yaml"), "scratch: /scratch\n");
  writeFileSync(join(dir, "other-site.yaml"), "scratch: /other\n");
  const r = crjob(["render", "demo.yaml", "--site", "site.yaml", "--outdir", "."], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain(WARNING); // a render prints the spec's warning
  return dir;
}

const check = (dir: string, ...more: string[]) =>
  crjob(["render", "--check", "demo.yaml", "--site", "site.yaml", "--outdir", ".", ...more], { cwd: dir });
const STALE = "demo.sh:1:1 error stale or hand-edited; run: crjob render demo.yaml -o demo.sh\n";

describe("the fingerprint line", () => {
  it("ends every script: sha256 over the inputs' digest and the length and CRC-32 of every byte above it", () => {
    const dir = workspace();
    const script = readFileSync(join(dir, "demo.sh"), "utf8");
    const m = /\n# crjob-fingerprint ([0-9a-f]{64})\n$/.exec(script);
    expect(m, script.slice(-200)).not.toBeNull();
    // It covers the text above it: the same inputs with one byte changed above give another line
    // (shown by --check below); here, that it is not just a hash of the body alone.
    expect(m![1]).not.toBe(createHash("sha256").update(withoutFingerprint(script)).digest("hex"));
  });

  it("--check: a current script passes without a render (the spec's warning is not printed again)", () => {
    const dir = workspace();
    const r = check(dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("--check: comments and layout of the spec do not count, its data does", () => {
    const dir = workspace();
    const spec = join(dir, "demo.yaml");
    writeFileSync(spec, `# the demo job\n${SPEC.replace("queue: normal", "queue:   normal   # the default queue")}\n\n`);
    expect(check(dir).code).toBe(0);

    writeFileSync(spec, SPEC.replace("interval: 2h", "interval: 3h"));
    const r = check(dir);
    expect(r.code).toBe(1);
    // Not current: rendered again, so the warning comes with the verdict.
    expect(r.stderr).toContain(WARNING);
    expect(r.stderr).toContain(STALE);
  });

  it("--check: another site profile, --mode or template set makes it stale", () => {
    const dir = workspace();
    expect(crjob(["render", "--check", "demo.yaml", "--site", "other-site.yaml", "--outdir", "."], { cwd: dir }).stderr).toContain(
      STALE,
    );
    expect(check(dir, "--mode", "fresh").stderr).toContain(STALE);
    const tpl = join(dir, "tpl", "partials");
    mkdirSync(tpl, { recursive: true });
    // The bundled header with one more comment line: another template set.
    const header = readFileSync(join(import.meta.dirname, "..", "templates", "partials", "header.hbs"), "utf8");
    writeFileSync(join(tpl, "header.hbs"), header.replace("\n", "\n# site header\n"));
    expect(check(dir, "--templates", "tpl").stderr).toContain(STALE);
    expect(check(dir).code).toBe(0); // the committed script is still current for the bundled set
  });

  it("--check: a hand edit above the line, or of the line itself, makes it stale", () => {
    for (const edit of [
      (s: string) => s.replace("CRJOB_KEEP=", "CRJOB_KEEP=9 #"), // the body
      (s: string) => s.replace("CRJOB_KEEP=", "CRJOB_KEEQ="), // one byte of it, the length kept
      (s: string) => s.replace(/\n(.*)\n(.*)\n/, (_, a, b) => `\n${b}\n${a}\n`), // two lines swapped
      (s: string) => s.replace(/[0-9a-f](\n$)/, (c, nl) => (c[0] === "0" ? "1" : "0") + nl), // the line
      (s: string) => withoutFingerprint(s), // the line removed
    ]) {
      const dir = workspace();
      const file = join(dir, "demo.sh");
      const before = readFileSync(file, "utf8");
      const after = edit(before);
      expect(after).not.toBe(before);
      writeFileSync(file, after);
      const r = check(dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(STALE);
    }
  });

  it("render over the script writes the same bytes again (deterministic, line included)", () => {
    const dir = workspace();
    const first = readFileSync(join(dir, "demo.sh"), "utf8");
    const r = crjob(["render", "demo.yaml", "--site", "site.yaml", "--outdir", "."], { cwd: dir });
    expect(r.code).toBe(0);
    // A current script is not rendered again, but the spec is checked as always: its warning.
    expect(r.stderr).toContain(WARNING);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(readFileSync(join(dir, "demo.sh"), "utf8")).toBe(first);
  });
});
