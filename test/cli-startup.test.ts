// Start-up time: crjob runs in save hooks, pre-commit and scripts, and each of Node's heavier
// built-in modules costs milliseconds to load (child_process and crypto about 6 ms each on the
// development VM). A verb loads only what it uses: which modules a run loaded is exact, so this is
// checked here, and how long start-up takes is measured by bench/run.mjs (cold start).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CRJOB, ROOT, tempDir } from "./helpers.js";

const HEAVY = ["child_process", "crypto", "readline", "worker_threads", "zlib", "stream"]; // stream: process.stdout/stderr load it (src/output.ts)

/** The heavy built-in modules a crjob run loaded, and its exit code (preloaded recorder). */
function loadedBy(args: string[], cwd: string): { heavy: string[]; code: number | null; stderr: string } {
  const dir = tempDir();
  const record = join(dir, "modules");
  const preload = join(dir, "record.cjs");
  writeFileSync(
    preload,
    `const before = new Set(process.moduleLoadList);
process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(record)},
  process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith("NativeModule ")).map((m) => m.slice(13)).join("\\n")));
`,
  );
  const r = spawnSync(process.execPath, ["--require", preload, CRJOB, ...args], {
    cwd,
    env: { ...process.env, CRJOB_SITE: "" },
    encoding: "utf8",
  });
  const loaded = readFileSync(record, "utf8").split("\n");
  return { heavy: HEAVY.filter((m) => loaded.includes(m)), code: r.status, stderr: r.stderr };
}

describe("each verb loads only the built-in modules it uses", () => {
  const examples = join(ROOT, "examples");
  const dir = tempDir();
  const site = join(dir, "site.yaml");
  writeFileSync(site, `state_root: ${join(dir, "state")}\n`);

  it.each([
    ["--version", ["--version"], 0, []],
    ["validate", ["validate", "stars.yaml", "--site", "site.yaml"], 0, []],
    ["render of one spec (the fingerprint's SHA-256 and CRC-32 are in JavaScript for the first hashes)", ["render", "stars.yaml", "--site", "site.yaml"], 0, []],
    ["status with no job to ask a scheduler about", ["status", "--site", site], 0, []],
    ["clean --yes of nothing", ["clean", "nojob", "--yes", "--site", site], 0, []],
    ["run without --local (a usage error)", ["run", "stars.yaml"], 2, []],
  ] as const)("%s", (_, args, code, heavy) => {
    const r = loadedBy([...args], examples);
    expect(r.code, r.stderr).toBe(code);
    expect(r.heavy).toEqual(heavy);
  });
});

describe("output to a reader that has gone", () => {
  // Output goes to fds 1 and 2 with writeSync (src/output.ts). A pipe whose reader has gone
  // (`crjob status | head -1`) ends the output quietly, as for most command-line tools; through
  // process.stdout it was an unhandled EPIPE error with a stack trace and exit 1.
  it("crjob schema into a pipe with no reader: exit 0, nothing on stderr", () => {
    const dir = tempDir();
    // The pipe (a FIFO) is opened for writing once its reader has opened it, and crjob starts only
    // after that reader has exited: crjob's write finds no reader, every time.
    const r = spawnSync(
      "bash",
      ["-c", 'mkfifo "$1/p" && { (exec 3<"$1/p") & exec 4>"$1/p"; wait $!; exec "$2" schema >&4; }', "_", dir, CRJOB],
      { encoding: "utf8" },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
