// `crjob clean NAME|SPEC [--yes]` through the CLI: confirmation (on a terminal, via script(1)),
// refusal without one, the lock of a live job, and never a directory that is not a job's state.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CRJOB, crjob, tempDir } from "./helpers.js";

const root = tempDir("crjob-clean-");
const home = join(root, "home");
const env = { HOME: home, PATH: "/usr/bin:/bin" }; // no bjobs here

function makeState(name: string, dir = join(home, ".crjob", name)): string {
  mkdirSync(join(dir, "gen.1"), { recursive: true });
  writeFileSync(join(dir, "gen.1", "meta"), "gen=1\njob=9\nhost=h\ntime=1\nduration=1\nsize_kb=4\n");
  writeFileSync(join(dir, "gen.1", "context"), "x".repeat(5000));
  writeFileSync(join(dir, "history"), "2025-01-01T00:00:00+0000 job=9 host=h start fresh\n2025-01-01T00:01:00+0000 job=9 host=h end killed signal=INT gen=1 status=130\n");
  return dir;
}

/** crjob on a terminal (script(1) gives it a pty), answering `answer` to its question. */
function onTty(args: string[], answer: string) {
  const cmd = [process.execPath, CRJOB, ...args].map((w) => `'${w}'`).join(" ");
  const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { input: answer, encoding: "utf8", env: { ...process.env, ...env, CRJOB_SITE: "" }, cwd: root });
  return { code: r.status, out: r.stdout };
}

const hasScript = spawnSync("script", ["--version"]).status === 0;

describe("crjob clean", () => {
  it("without a terminal and without --yes: refuses (exit 1) and removes nothing", () => {
    const dir = makeState("a");
    const r = crjob(["clean", "a"], { env, input: "y\n" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`crjob: not removing ${dir} (1 generation(s),`);
    expect(r.stderr).toContain("not a terminal; use --yes");
    expect(existsSync(dir)).toBe(true);
  });

  it("--yes removes the state dir", () => {
    const dir = makeState("b");
    const r = crjob(["clean", "b", "--yes"], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`crjob: removed ${dir}`);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(home, ".crjob"))).toBe(true);
  });

  it.skipIf(!hasScript)("on a terminal it asks: y removes, anything else keeps", () => {
    const dir = makeState("c");
    const no = onTty(["clean", "c"], "n\n");
    expect(no.out).toContain(`Remove the state of job c: ${dir} (1 generation(s),`);
    expect(no.out).toContain("[y/N]");
    expect(no.out).toContain("nothing removed");
    expect(no.code).toBe(1);
    expect(existsSync(dir)).toBe(true);
    const yes = onTty(["clean", "c"], "y\n");
    expect(yes.code, yes.out).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  it("refuses while a live job holds the lock; a dead owner's lock does not stop it", async () => {
    const dir = makeState("d");
    mkdirSync(join(dir, "lock"));
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      writeFileSync(join(dir, "lock", "owner"), `4711 ${hostname()} ${sleeper.pid}\n`);
      const r = crjob(["clean", "d", "--yes"], { env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`crjob: d: job 4711 on ${hostname()} (pid ${sleeper.pid}) holds its state (${dir}); not removing it while the job runs`);
      expect(existsSync(join(dir, "gen.1"))).toBe(true);
      // Another host and no bjobs here: cannot tell, so it is not removed either.
      writeFileSync(join(dir, "lock", "owner"), "4711 elsewhere 1\n");
      expect(crjob(["clean", "d", "--yes"], { env }).stderr).toContain("cannot tell from here whether it still runs");
    } finally {
      sleeper.kill("SIGKILL");
    }
    await new Promise((r) => sleeper.once("exit", r));
    writeFileSync(join(dir, "lock", "owner"), `4711 ${hostname()} ${sleeper.pid}\n`);
    expect(crjob(["clean", "d", "--yes"], { env }).code).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  it("a spec gives its checkpoint.dir; a directory that is not a job's state is never removed", () => {
    const custom = makeState("e", join(root, "ck", "e"));
    writeFileSync(join(root, "e.yaml"), `name: e\nqueue: normal\napp:\n  command: ./a\ncheckpoint:\n  interval: 1h\n  dir: ${custom}\n`);
    writeFileSync(join(root, "f.yaml"), `name: f\nqueue: normal\napp:\n  command: ./a\ncheckpoint:\n  interval: 1h\n  dir: ~/\n`);
    mkdirSync(join(home, "thesis"), { recursive: true });
    const refused = crjob(["clean", "f.yaml", "--yes"], { env, cwd: root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("does not look like the state dir of a crjob job");
    expect(existsSync(join(home, "thesis"))).toBe(true);
    const r = crjob(["clean", "e.yaml", "--yes"], { env, cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(custom)).toBe(false);
  });

  it("no state: says so, nothing to do (exit 0); --help has an example", () => {
    const r = crjob(["clean", "nosuch", "--yes"], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`crjob: nosuch: no state in ${join(home, ".crjob", "nosuch")}; nothing to clean`);
    expect(crjob(["clean", "--help"]).stdout).toContain("crjob clean stars");
  });
});
