// `crjob submit` through the CLI, against the LSF emulator (test/bin/bsub) with the BLCR stand-ins.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { crjob, ROOT, tempDir } from "./helpers.js";
import { STARS, starsOutput } from "./lifecycle/harness.js";
import { lsfEmulator } from "./lifecycle/lsf-harness.js";

function setup(opts: { queue?: string; lines?: number; flavour?: "ibm" | "openlava" } = {}) {
  const root = tempDir("crjob-submit-");
  const home = join(root, "home");
  const submit = join(root, "submit");
  mkdirSync(home);
  mkdirSync(submit);
  mkdirSync(join(root, "scratch"));
  writeFileSync(
    join(submit, "job.yaml"),
    `name: stars
queue: ${opts.queue ?? "normal"}
app:
  command: ${STARS}
  args: [--lines, "${opts.lines ?? 20}", --tick, "0.05"]
  output: stars.out
checkpoint:
  tool: blcr
  interval: 1h
scratch: ${join(root, "scratch")}
lsf:
  output: out.%J
`,
  );
  const lsf = lsfEmulator(root, { flavour: opts.flavour });
  const env = { ...lsf.env, HOME: home };
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => crjob(args, { cwd: submit, env: { ...env, ...extra } });
  return { root, home, submit, lsf, env, run, state: join(home, ".crjob", "stars") };
}

describe("crjob submit", () => {
  it("pipes the script into bsub, prints the job id and records it in the job's state", async () => {
    const t = setup();
    const r = t.run(["submit", "job.yaml"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+\n$/);
    const id = Number(r.stdout.trim());
    expect(r.stderr).toContain(`Job <${id}> is submitted to queue <normal>.`);
    // The state dir is the script's ($HOME/.crjob/<name>), created 0700, with the submission.
    expect(statSync(t.state).mode & 0o777).toBe(0o700);
    const subs = readFileSync(join(t.state, "submissions"), "utf8");
    expect(subs).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[+-]\\d{4} job=${id} spec=${join(t.submit, "job.yaml")}\\n$`));
    // It is the job crjob rendered, and it ran in the submission dir.
    expect((await t.lsf.waitDone(id)).stat).toBe("DONE");
    expect(readFileSync(join(t.submit, "stars.out"), "utf8")).toBe(starsOutput(20));
    expect(readFileSync(join(t.state, "history"), "utf8")).toContain(`job=${id} host=`);
  });

  it("passes bsub options after -- (they win over the #BSUB lines)", async () => {
    const t = setup();
    const r = t.run(["submit", "job.yaml", "--", "-q", "short", "-J", "other"]);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    const b = t.lsf.cmd(["bjobs", "-a", "-o", "queue job_name", id]);
    expect(b.stdout.split("\n")[1]).toMatch(/^short\s+other\b/);
    await t.lsf.waitDone(Number(id));
  });

  it("several specs: one id per line, each recorded in its own state", async () => {
    const t = setup();
    writeFileSync(join(t.submit, "two.yaml"), readFileSync(join(t.submit, "job.yaml"), "utf8").replace("name: stars", "name: two"));
    const r = t.run(["submit", "job.yaml", "two.yaml"]);
    expect(r.code, r.stderr).toBe(0);
    const ids = r.stdout.trim().split("\n");
    expect(ids).toHaveLength(2);
    expect(readFileSync(join(t.home, ".crjob", "two", "submissions"), "utf8")).toContain(`job=${ids[1]} `);
    for (const id of ids) await t.lsf.waitDone(Number(id));
  });

  it("--dry-run prints the script (as render does) and the exact bsub command; submits nothing", () => {
    const t = setup();
    const r = t.run(["submit", "--dry-run", "job.yaml", "--", "-q", "short"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(t.run(["render", "job.yaml"]).stdout);
    expect(r.stderr).toContain("dry run, not submitted: bsub -q short < <script of job.yaml>");
    expect(existsSync(t.state)).toBe(false);
    expect(t.lsf.cmd(["bjobs", "-a"]).stdout).not.toMatch(/stars/);
  });

  it("a refused submission (bad queue, exit 255) is an error with bsub's own message; nothing recorded", () => {
    const t = setup({ queue: "nosuch" });
    const r = t.run(["submit", "job.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("crjob: job.yaml: not submitted (bsub exited 255): nosuch: No such queue. Job not submitted.");
    expect(existsSync(join(t.state, "submissions"))).toBe(false);
  });

  it("an illegal option (an IBM script on OpenLava) names the flavour", () => {
    const t = setup({ flavour: "openlava" });
    const r = t.run(["submit", "job.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("bsub: illegal option -- Q");
    expect(r.stderr).toContain("rendered for LSF flavour ibm");
  });

  it("without bsub on PATH: a clear error", () => {
    const t = setup();
    const r = t.run(["submit", "job.yaml"], { PATH: "/usr/bin:/bin" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("crjob: bsub not found on PATH");
    expect(existsSync(t.state)).toBe(false);
  });

  it("an invalid spec: every diagnostic, nothing submitted", () => {
    const t = setup();
    writeFileSync(join(t.submit, "bad.yaml"), "name: stars\nqueue: normal\napp: {}\n");
    const r = t.run(["submit", "job.yaml", "bad.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml:3:\d+ error/);
    expect(r.stdout).toBe("");
    expect(t.lsf.cmd(["bjobs", "-a"]).stdout).not.toMatch(/stars/);
  });

  it("--help shows an example", () => {
    const r = crjob(["submit", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("crjob submit jobs/stars.yaml -- -q short");
  });
});

describe("the pre-commit hook (.pre-commit-hooks.yaml), run as pre-commit runs it", () => {
  // pre-commit: entry words + args + the staged files whose path matches `files` (re.search) and
  // not `exclude`, no shell.
  const hooks = parse(readFileSync(join(ROOT, ".pre-commit-hooks.yaml"), "utf8")) as {
    id: string;
    entry: string;
    files: string;
    exclude: string;
    language: string;
    pass_filenames: boolean;
  }[];
  const hook = (id: string) => hooks.find((h) => h.id === id)!;
  const staged = ["jobs/stars.yaml", "jobs/crjob.site.yaml", ".pre-commit-config.yaml", "scripts/stars.sh", "README.md"];

  function runHook(id: string, args: string[], cwd: string) {
    const h = hook(id);
    const files = staged.filter((f) => new RegExp(h.files).test(f) && !new RegExp(h.exclude).test(f));
    const [cmd, ...words] = h.entry.split(" ");
    expect(cmd).toBe("crjob");
    return { files, ...crjob([...words, ...args, ...files], { cwd }) };
  }

  it("crjob-check gets the specs only, and with --outdir flags a stale script", () => {
    expect(hook("crjob-check")).toMatchObject({ entry: "crjob render --check", language: "system", pass_filenames: true });
    const dir = tempDir("crjob-hook-");
    mkdirSync(join(dir, "jobs"));
    mkdirSync(join(dir, "scripts"));
    writeFileSync(join(dir, "jobs", "stars.yaml"), "name: stars\nqueue: normal\napp:\n  command: ./a\ncheckpoint:\n  interval: 1h\n");
    writeFileSync(join(dir, "jobs", "crjob.site.yaml"), "queues:\n  normal: { blcr: /opt/blcr }\n");
    writeFileSync(join(dir, ".pre-commit-config.yaml"), "repos: []\n");
    expect(crjob(["render", "jobs/stars.yaml", "--outdir", "scripts"], { cwd: dir }).code).toBe(0);
    const ok = runHook("crjob-check", ["--outdir", "scripts"], dir);
    expect(ok.files).toEqual(["jobs/stars.yaml"]);
    expect(ok.code, ok.stderr).toBe(0);
    writeFileSync(join(dir, "jobs", "stars.yaml"), readFileSync(join(dir, "jobs", "stars.yaml"), "utf8").replace("1h", "2h"));
    const stale = runHook("crjob-check", ["--outdir", "scripts"], dir);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("scripts/stars.sh:1:1 error stale or hand-edited; run: crjob render jobs/stars.yaml -o scripts/stars.sh");
    // Without --outdir it says what it needs rather than passing.
    expect(runHook("crjob-check", [], dir).stderr).toContain("--check needs -o FILE or --outdir DIR");
    expect(runHook("crjob-validate", [], dir).code).toBe(0);
  });
});
