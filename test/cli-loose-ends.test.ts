// Issue 12 §3 through the CLI, as a user meets them: the defaults `crjob init` shows, a warning
// printed once by `crjob run --local`, and the `file:line:col severity` shape of every diagnostic.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crjob, tempDir, withoutFingerprint } from "./helpers.js";

/** Uncomment `# key: value` lines of the starter spec: [commented prefix, live prefix, keys]. */
function uncomment(text: string, sections: [string, string, string[]][]): { text: string; count: number } {
  let count = 0;
  const lines = text.split("\n").map((l) => {
    if (l === "# lsf:") return "lsf:";
    for (const [commented, live, names] of sections) {
      const name = names.find((n) => l.startsWith(`${commented}${n}:`));
      if (name !== undefined) {
        count++;
        return live + l.slice(commented.length); // the trailing "# comment" stays a comment
      }
    }
    return l;
  });
  return { text: lines.join("\n"), count };
}

describe("crjob init shows the defaults render applies", () => {
  it("uncommenting its commented-out defaults leaves the rendered script byte-identical (but for its fingerprint)", () => {
    const dir = tempDir();
    expect(crjob(["init", "stars"], { cwd: dir }).code).toBe(0);
    const starter = readFileSync(join(dir, "stars.yaml"), "utf8");
    const before = crjob(["render", "stars.yaml"], { cwd: dir });
    expect(before.code).toBe(0);

    const top = ["slots", "mode", "scratch"];
    const checkpoint = ["dir", "keep", "keep_on_success", "restore_pid"];
    const lsf = ["output", "rerunnable", "requeue", "requeue_exit", "max_requeues"];
    const { text, count } = uncomment(starter, [["# ", "", top], ["  # ", "  ", checkpoint], ["#   ", "  ", lsf]]);
    expect(count).toBe(top.length + checkpoint.length + lsf.length); // every one was there to uncomment
    expect(text).toMatch(/^lsf:\n(?:.*\n)*? {2}max_requeues: \d+/m);
    writeFileSync(join(dir, "stars.yaml"), text);
    const after = crjob(["render", "stars.yaml"], { cwd: dir });
    expect(after.stderr).toBe("");
    expect(after.code).toBe(0);
    // The fingerprint line records the spec's data, which now has the fields; nothing else differs.
    expect(withoutFingerprint(after.stdout)).toBe(withoutFingerprint(before.stdout));
  });
});

describe("crjob run --local prints a spec's warning once, on its own line", () => {
  it("when the try-run's overrides do not validate, the error names only the errors", () => {
    const dir = tempDir();
    // No run limit, so --limit gives it one minute: lsf.warning.before (10m) no longer fits.
    writeFileSync(
      join(dir, "w.yaml"),
      "name: w\nqueue: normal\napp:\n  command: /bin/true\ncheckpoint:\n  tool: none\n  keep: 3\nlsf:\n  warning:\n    before: 10m\n",
    );
    const r = crjob(["run", "--local", "w.yaml", "--limit", "30s"], { cwd: dir });
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toEqual([
      'w.yaml:7:3 warning checkpoint.keep: ignored: checkpoint.tool is "none" (only used with a checkpoint.tool other than "none")',
      "w.yaml:9:3 warning lsf.warning: ignored without lsf.runlimit",
      expect.stringMatching(/^crjob: w\.yaml: the try-run's overrides do not validate: lsf\.warning\.before: must be shorter than lsf\.runlimit/),
    ]);
    expect(r.stderr.match(/ignored/g)).toHaveLength(2);
  });
});

describe("every diagnostic has the file:line:col severity shape", () => {
  it("validate: an empty file, a comments-only file, a missing file, a directory, as other problems", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "empty.yaml"), "");
    writeFileSync(join(dir, "comments.yaml"), "# nothing here\n");
    writeFileSync(join(dir, "bad.yaml"), "name: b\nqueue: q\napp: {command: x}\ncheckpoint: {intervall: 1h}\n");
    mkdirSync(join(dir, "adir"));
    const r = crjob(["validate", "empty.yaml", "comments.yaml", "missing.yaml", "adir", "bad.yaml"], { cwd: dir });
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const l of lines) expect(l).toMatch(/^[^\s:]+:\d+:\d+ (error|warning) /);
    expect(lines).toContain("missing.yaml:1:1 error no such file");
    expect(lines).toContain("adir:1:1 error is a directory, not a job spec");
  });

  it("a site profile given on the command line that does not exist", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yaml"), "name: a\nqueue: q\napp: {command: x}\ncheckpoint: {tool: none}\n");
    const r = crjob(["render", "a.yaml", "--site", "gone.yaml"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("gone.yaml:1:1 error no such file\n");
  });
});
