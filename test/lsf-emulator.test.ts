// The LSF emulator (src/lsf): option parsing as units, then real jobs through the test/bin
// shims and the API, each test with its own LSFEMU_HOME.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseArrayName, parseMinutes, parseRequeue, parseWords, scriptOptions, mergeOptions, requeueMatch } from "../src/lsf/bsub-options.js";
import { jobInfo, listJobs, shutdownAll, submit, waitForJob, kill } from "../src/lsf/emulator.js";
import { listProcs } from "../src/lsf/signals.js";
import { waitFor } from "./lifecycle/harness.js";

const repo = resolve(import.meta.dirname, "..");
const bin = join(repo, "test", "bin");
const scratch = mkdtempSync(join(tmpdir(), "lsfemu-test-"));
const entry = join(scratch, "lsf-emu.mjs");
const homes: string[] = [];

beforeAll(() => {
  // A private bundle: other builds may clean dist/ while these tests run.
  execFileSync(process.execPath, [join(repo, "scripts", "build-lsf.mjs"), entry]);
});

afterAll(async () => {
  for (const home of homes) await shutdownAll({ home });
  if (!process.env.LSFEMU_TEST_KEEP) rmSync(scratch, { recursive: true, force: true });
});

interface Ctx {
  home: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  sh: (cmd: string, args: string[], input?: string, extra?: NodeJS.ProcessEnv) => Promise<{ status: number; stdout: string; stderr: string }>;
  bsub: (script: string, args?: string[], extra?: NodeJS.ProcessEnv) => Promise<number>;
  read: (file: string) => string;
}

function ctx(name: string, extra: NodeJS.ProcessEnv = {}): Ctx {
  const home = join(scratch, name, "home");
  const dir = join(scratch, name, "work");
  mkdirSync(dir, { recursive: true });
  homes.push(home);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    LSFEMU_HOME: home,
    LSFEMU_ENTRY: entry,
    LSFEMU_DISPATCH_LATENCY: "0.05",
    JOB_TERMINATE_INTERVAL: "1",
    LSFEMU_QUEUES: JSON.stringify({ normal: { REQUEUE_EXIT_VALUES: "99", default: true }, short: {} }),
    ...extra,
  };
  // Asynchronous: the tests run concurrently and a spawnSync would stall the others' timers.
  const sh: Ctx["sh"] = (cmd, args, input, more = {}) =>
    new Promise((done) => {
      const child = spawn(join(bin, cmd), args, { cwd: dir, env: { ...env, ...more } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (code) => done({ status: code ?? -1, stdout, stderr }));
      child.stdin.end(input ?? "");
    });
  const bsub: Ctx["bsub"] = async (script, args = [], more = {}) => {
    const r = await sh("bsub", args, script, more);
    const m = /^Job <(\d+)> is submitted to (default )?queue <\w+>\.$/m.exec(r.stdout);
    if (!m) throw new Error(`bsub failed (${r.status}): ${r.stdout}${r.stderr}`);
    return Number(m[1]);
  };
  return { home, dir, env, sh, bsub, read: (f) => readFileSync(join(dir, f), "utf8") };
}

const wait = (c: Ctx, id: number, timeoutMs = 50_000) => waitForJob(id, { home: c.home, timeoutMs });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Lines "got SIG <µs>" written by trap handlers → [signal, ms since first] */
function signalsLog(text: string): [string, number][] {
  const got = [...text.matchAll(/^got (\w+) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2]!) / 1000] as [string, number]);
  const t0 = got[0]?.[1] ?? 0;
  return got.map(([s, t]) => [s, t - t0]);
}
// Trap handlers that fork nothing ($EPOCHREALTIME, not $(date)): a forked helper in the job's
// process group would itself be hit by the next signal.
const NOW = "${EPOCHREALTIME/./}";
/** Logs each named signal it gets ("got SIG <µs>") and keeps running; touches ./ready. */
const RECORDER = `perl -MTime::HiRes=time -e 'for my $s (@ARGV) { $SIG{$s} = sub { open(my $f, ">>", "sig.log"); printf $f "got %s %d\\n", $_[0], time() * 1e6; close($f) } } open(my $r, ">", "ready"); close($r); sleep 1 while 1'`;
const TRAPS = (sigs: string[], file = "sig.log") => sigs.map((s) => `trap 'echo "got ${s} ${NOW}" >> ${file}' ${s}`).join("\n");

describe("bsub option parsing", () => {
  it.each([
    ["-wa USR1 -wt 1", "openlava", [["w", "a"]], ["USR1", "-wt", "1"]],
    ["-oo out.txt", "openlava", [["o", "o"]], ["out.txt"]],
    ["-eo err.txt", "openlava", [["e", "o"]], ["err.txt"]],
    ["-cwd /tmp", "openlava", [["c", "wd"]], ["/tmp"]],
    ["-wa USR1 -wt 1", "ibm", [["wa", "USR1"], ["wt", "1"]], []],
    ["-oo out.txt -Q 99 -G grp", "ibm", [["oo", "out.txt"], ["Q", "99"], ["G", "grp"]], []],
    ["-q normal -r -K sleep 1", "openlava", [["q", "normal"], ["r", true], ["K", true]], ["sleep", "1"]],
  ] as const)("%s (%s)", (line, fl, want, rest) => {
    const r = parseWords(line.split(" "), fl);
    expect(r.options.map((o) => [o.name, o.value])).toEqual(want);
    expect(r.rest).toEqual(rest);
  });

  it("openlava rejects -Q and -G as illegal options", () => {
    expect(() => parseWords(["-Q", "99"], "openlava")).toThrow(/illegal option -- Q/);
    expect(() => parseWords(["-G", "g"], "openlava")).toThrow(/illegal option -- G/);
  });

  it("reads #BSUB lines from the whole script; first occurrence wins; command line wins", () => {
    const script = [
      "#!/bin/bash",
      "#BSUB -J first -o a.log # -q ignored",
      "echo hi",
      "#BSUB -J second -W 5 \\",
      "   -n 2",
      "#  BSUB -q short",
      "# BSUBX -q nope",
    ].join("\n");
    const lines = scriptOptions(script, "ibm");
    expect(lines.map((o) => `${o.name}=${o.value}`)).toEqual(["J=first", "o=a.log", "J=second", "W=5", "n=2", "q=short"]);
    const merged = mergeOptions(parseWords(["-o", "cli.log"], "ibm").options, lines);
    expect(merged.get("J")!.value).toBe("first");
    expect(merged.get("o")!.value).toBe("cli.log");
    expect(merged.get("q")!.value).toBe("short");
  });

  it("parses -W, arrays and -Q values", () => {
    expect(parseMinutes("1")).toBe(1);
    expect(parseMinutes("2:30")).toBe(150);
    expect(parseMinutes("0:01/hostA")).toBe(1);
    expect(parseMinutes("e")).toBeUndefined();
    expect(parseArrayName("a[1-10]%2")).toEqual({ name: "a", indices: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], slotLimit: 2 });
    expect(parseArrayName("b[1,4-8:2]")).toEqual({ name: "b", indices: [1, 4, 6, 8], slotLimit: undefined });
    expect(parseArrayName("plain")).toBeUndefined();
    const q = parseRequeue("all ~1 ~2 EXCLUDE(9)");
    expect([0, 1, 2, 3, 9].map((c) => requeueMatch(q, c))).toEqual([undefined, undefined, undefined, "requeue", "exclude"]);
  });
});

describe.concurrent("jobs", () => {
  it("runs a stdin script like LSF: spool, environment, cwd, -o report, HUP ignored", async () => {
    const c = ctx("basic");
    const script = [
      "#!/bin/bash",
      "#BSUB -J basic",
      "#BSUB -J ignored",
      "#BSUB -o out.%J",
      'echo "dollar0=$0"',
      'echo "pwd=$PWD"',
      "env | grep -E '^(LSB_|LS_|LSF_|CRJOB_)' | sort",
      "trap -p HUP",
      "echo to-stderr >&2",
      "exit 0",
    ].join("\n");
    const r = await c.sh("bsub", [], script);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Job <1> is submitted to default queue <normal>\.$/m);
    const info = await wait(c, 1);
    expect(info.stat).toBe("DONE");
    expect(info.job.name).toBe("basic");
    const out = c.read("out.1");
    expect(out).toContain("Subject: Job 1: <basic> in cluster <lsfemu> Done");
    expect(out).toContain("Your job looked like:");
    expect(out).toContain("Successfully completed.");
    expect(out).toMatch(/dollar0=.*\/\.lsbatch\/\d+\.1\.shell/);
    expect(out).toContain(`pwd=${c.dir}`);
    for (const v of ["LSB_JOBID=1", "LSB_JOBINDEX=0", "LSB_JOBNAME=basic", "LSB_QUEUE=normal", "LSB_EXIT_REQUEUE=99 ", "LSB_OUTPUTFILE=out.1", `LS_SUBCWD=${c.dir}`, "LSB_TRAPSIGS=trap # 15 10 12 2 1", "LSB_MCPU_HOSTS="]) {
      expect(out).toContain(v);
    }
    expect(out).not.toContain("LSB_RESTART");
    expect(out).not.toContain("CRJOB_RUNLIMIT_SECONDS");
    expect(out).toContain("trap -- '' SIGHUP");
    expect(out).toContain("to-stderr");
    expect(out.indexOf("The output (if any) follows:")).toBeLessThan(out.lastIndexOf("dollar0="));
  });

  it("command line options win; -oo/-eo and -e split the streams; %I is 0", async () => {
    const c = ctx("cli-wins");
    writeFileSync(join(c.dir, "old.txt"), "old content\n");
    const id = await c.bsub("#!/bin/sh\n#BSUB -q normal\n#BSUB -o never.txt\necho out-line\necho err-line >&2\n", ["-q", "short", "-oo", "old.txt", "-e", "e.%J.%I"]);
    const info = await wait(c, id);
    expect(info.queue).toBe("short");
    const out = c.read("old.txt");
    expect(out).not.toContain("old content");
    expect(out).toContain("out-line");
    expect(out).not.toMatch(/^err-line$/m);
    expect(out).toContain(`Read file <${join(c.dir, `e.${id}.0`)}> for stderr output`);
    expect(c.read(`e.${id}.0`)).toBe("err-line\n");
    expect(existsSync(join(c.dir, "never.txt"))).toBe(false);
  });

  it("refuses what bsub refuses: unknown queue, openlava -Q/-G/-cwd", async () => {
    const c = ctx("refuse");
    const q = await c.sh("bsub", ["-q", "nosuch"], "echo hi\n");
    expect(q.status).toBe(255);
    expect(q.stderr).toMatch(/nosuch: No such queue\. Job not submitted\./);
    const ol = { LSFEMU_FLAVOUR: "openlava" };
    const Q = await c.sh("bsub", [], '#!/bin/bash\n#BSUB -Q "99"\necho hi\n', ol);
    expect(Q.status).toBe(255);
    expect(Q.stderr).toMatch(/illegal option -- Q/);
    expect((await c.sh("bsub", ["-G", "grp"], "echo hi\n", ol)).status).toBe(255);
    const cwd = await c.sh("bsub", [], "#BSUB -cwd /tmp\necho hi\n", ol);
    expect(cwd.status).toBe(255);
    expect(cwd.stderr).toMatch(/wd: Bad CPULIMIT specification/);
    expect(listJobs({ home: c.home })).toEqual([]);
    // IBM accepts all of them
    const ok = await c.sh("bsub", ["-Q", "99", "-cwd", "/tmp", "-o", "/dev/null"], "echo hi\n");
    expect(ok.status).toBe(0);
  });

  it("openlava silently mis-parses -wa/-oo: the job waits forever on a dependency on job 'a'", async () => {
    const c = ctx("misparse", { LSFEMU_FLAVOUR: "openlava" });
    const id = await c.bsub("#!/bin/bash\n#BSUB -wa USR1 -wt 1\n#BSUB -oo myout\necho hi\n");
    // The scheduler's first pass over the new job gives the reason (until then it is "New job is
    // waiting for scheduling"); wait for that pass, not for a time.
    await waitFor("the scheduler's pass", () => jobInfo(id, { home: c.home })!.elements[0]!.pendReason !== "New job is waiting for scheduling", 60_000);
    const info = jobInfo(id, { home: c.home })!;
    expect(info.stat).toBe("PEND");
    expect(info.elements[0]!.pendReason).toMatch(/dependency/i);
    expect(info.job.out).toBe("o");
    expect(info.job.dependency).toBe("a");
    const k = await c.sh("bkill", [String(id)]);
    expect(k.stdout).toContain(`Job <${id}> is being terminated`);
    expect((await wait(c, id)).stat).toBe("EXIT");
  });

  it.each(["ibm", "openlava"] as const)("bkill sequence (%s) with JOB_TERMINATE_INTERVAL=1", async (fl) => {
    const c = ctx(`bkill-${fl}`, { LSFEMU_FLAVOUR: fl });
    // A perl recorder, not bash traps: bash may drop a SIGINT that arrives with a SIGTERM
    // (its "wait and cooperative exit" rule), which would make this test flaky.
    const script = `#!/bin/bash\nexec ${RECORDER} INT TERM\n`;
    const id = await c.bsub(script, ["-o", "out"]);
    while (!existsSync(join(c.dir, "ready"))) await sleep(20);
    const t0 = Date.now();
    expect((await c.sh("bkill", [String(id)])).stdout).toBe(`Job <${id}> is being terminated\n`);
    const info = await wait(c, id);
    const took = Date.now() - t0;
    expect(info.stat).toBe("EXIT");
    expect(info.exitCode).toBe(137);
    const log = signalsLog(c.read("sig.log"));
    const names = log.map(([s]) => s);
    // The sequence and the grace it gives; no upper bound on time (a loaded machine is slow; how
    // long the emulator takes is bench/'s business). KILL came last: 137, after INT and TERM.
    if (fl === "ibm") {
      expect(names.sort()).toEqual(["INT", "TERM"]); // together
      expect(took).toBeGreaterThan(900); // then KILL, not before JOB_TERMINATE_INTERVAL
    } else {
      expect(names).toEqual(["INT", "TERM"]); // INT, TERM an interval later, then KILL
      expect(log[1]![1]).toBeGreaterThan(800);
      expect(took).toBeGreaterThan(1900);
    }
    expect(c.read("out")).toContain("TERM_OWNER: job killed by owner.");
  });

  it("a job that traps INT and exits 0 before SIGKILL is DONE; bkill -s delivers exactly one signal, HUP never", async () => {
    // openlava: INT comes alone (IBM sends TERM with it, which this script does not trap)
    const c = ctx("trap-done", { LSFEMU_FLAVOUR: "openlava" });
    const script = `#!/bin/bash\n${TRAPS(["USR1", "HUP", "QUIT"])}\ntrap 'echo "got INT ${NOW}" >> sig.log; exit 0' INT\necho ready > ready\nwhile :; do sleep 0.05; done\n`;
    const id = await c.bsub(script, ["-o", "out"]);
    while (!existsSync(join(c.dir, "ready"))) await sleep(20);
    expect((await c.sh("bkill", ["-s", "HUP", String(id)])).stdout).toBe(`Job <${id}> is being signaled\n`);
    expect((await c.sh("bkill", ["-s", "10", String(id)])).status).toBe(0);
    // USR1 was sent after HUP; once its trap ran, both have arrived (or HUP never will).
    await waitFor("USR1 in sig.log", () => existsSync(join(c.dir, "sig.log")) && c.read("sig.log").includes("USR1"), 60_000);
    expect(jobInfo(id, { home: c.home })!.stat).toBe("RUN");
    await c.sh("bkill", [String(id)]);
    const info = await wait(c, id);
    expect(info.stat).toBe("DONE");
    expect(info.exitCode).toBe(0);
    expect(signalsLog(c.read("sig.log")).map(([s]) => s)).toEqual(["USR1", "INT"]);
    expect((await c.sh("bkill", [String(id)])).stderr).toBe(`Job <${id}>: Job has already finished\n`);
  });

  it("signals reach a background child in another process group (set -m)", async () => {
    const c = ctx("pgroups");
    const script = [
      "#!/bin/bash",
      "set -m",
      `(trap 'echo "child USR2 $(ps -o pgid= $BASHPID)" >> child.log' USR2; echo up > ready; while :; do sleep 0.05; done) &`,
      "trap 'echo parent USR2 >> parent.log' USR2",
      "echo $$ > parent.pgid.tmp && mv parent.pgid.tmp parent.pgid",
      "while :; do sleep 0.05; done",
    ].join("\n");
    const id = await c.bsub(script, ["-o", "out"]);
    // Both traps are set once the child wrote ready and the parent its pgid (after its trap).
    await waitFor("both traps", () => existsSync(join(c.dir, "ready")) && existsSync(join(c.dir, "parent.pgid")), 60_000);
    await kill(id, "USR2", { home: c.home });
    await waitFor("the child's USR2", () => existsSync(join(c.dir, "child.log")) && c.read("child.log").includes("\n"), 60_000);
    const child = c.read("child.log");
    const parentPgid = c.read("parent.pgid").trim();
    expect(child).toMatch(/^child USR2 +\d+/);
    expect(child.trim().split(/\s+/)[2]).not.toBe(parentPgid);
    await kill(id, undefined, { home: c.home });
    expect((await wait(c, id)).stat).toBe("EXIT");
  });

  it("requeues on REQUEUE_EXIT_VALUES with the same job id, from line 1, without LSB_RESTART", async () => {
    const c = ctx("requeue");
    const script = [
      "#!/bin/bash",
      "#BSUB -o out.%J",
      "n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count",
      'echo "run $n job $LSB_JOBID restart=${LSB_RESTART:-no}"',
      "[ $n -lt 3 ] && exit 99",
      "exit 0",
    ].join("\n");
    const id = await c.bsub(script);
    const info = await wait(c, id);
    expect(info.stat).toBe("DONE");
    expect(info.requeueCount).toBe(2);
    const out = c.read(`out.${id}`);
    expect(out.match(/^run \d.*$/gm)).toEqual([`run 1 job ${id} restart=no`, `run 2 job ${id} restart=no`, `run 3 job ${id} restart=no`]);
    expect(out.match(/Exited with exit code 99\./g)).toHaveLength(2);
    // ibm -Q on a queue without requeue values
    writeFileSync(join(c.dir, "count"), "0");
    const id2 = await c.bsub(script, ["-q", "short", "-Q", "99"]);
    expect((await wait(c, id2)).requeueCount).toBe(2);
    // the same in a queue without values and no -Q: EXIT 99
    writeFileSync(join(c.dir, "count"), "0");
    const id3 = await c.bsub(script, ["-q", "short"]);
    const i3 = await wait(c, id3);
    expect([i3.stat, i3.exitCode, i3.requeueCount]).toEqual(["EXIT", 99, 0]);
    // brequeue of a finished job reruns it, same id
    writeFileSync(join(c.dir, "count"), "2");
    expect((await c.sh("brequeue", [String(id3)])).stdout).toBe(`Job <${id3}> is being requeued\n`);
    const i4 = await wait(c, id3);
    expect([i4.stat, i4.exitCode, i4.requeueCount]).toEqual(["DONE", 0, 1]);
  });

  it("run limit: scaled minutes, -wa/-wt warning, SIGUSR2 at the limit, CRJOB_RUNLIMIT_SECONDS", async () => {
    const c = ctx("runlimit", { LSFEMU_SECONDS_PER_MINUTE: "1" });
    const script = [
      "#!/bin/bash",
      "#BSUB -W 2",
      "#BSUB -wa URG -wt 1",
      "echo $CRJOB_RUNLIMIT_SECONDS > limit",
      `echo "got START ${NOW}" >> sig.log`,
      TRAPS(["URG"]),
      `trap 'echo "got USR2 ${NOW}" >> sig.log; [ -f second ] && exit 0; : > second; exit 99' USR2`,
      "while :; do sleep 0.05; done",
    ].join("\n");
    const id = await c.bsub(script, ["-o", "out"]);
    const info = await wait(c, id);
    expect(info.stat).toBe("DONE");
    expect(info.requeueCount).toBe(1);
    expect(c.read("limit").trim()).toBe("2");
    const log = signalsLog(c.read("sig.log"));
    expect(log.map(([s]) => s)).toEqual(["START", "URG", "USR2", "START", "URG", "USR2"]);
    expect(log[1]![1]).toBeGreaterThan(800);
    expect(log[2]![1]).toBeGreaterThan(1800); // not before the limit (the order is checked above)
  });

  it("run limit: a job that ignores SIGUSR2 is killed after the warn time (TERM_RUNLIMIT)", async () => {
    const c = ctx("warntime", { LSFEMU_SECONDS_PER_MINUTE: "0.5", LSFEMU_WARN_TIME: "0.5", LSFEMU_FLAVOUR: "openlava" });
    const id = await c.bsub(`#!/bin/bash\n${TRAPS(["USR2", "INT", "TERM"])}\nwhile :; do sleep 0.05; done\n`, ["-W", "1", "-o", "out"]);
    const info = await wait(c, id);
    expect(info.stat).toBe("EXIT");
    expect(info.exitReason).toBe("TERM_RUNLIMIT");
    expect(c.read("out")).toContain("TERM_RUNLIMIT: job killed after reaching LSF run time limit.");
    expect(signalsLog(c.read("sig.log"))[0]![0]).toBe("USR2");
  });

  it("brequeue from inside the job: SIGINT (130), requeued, same id reruns", async () => {
    // openlava: SIGINT alone (IBM sends TERM with it, so bash may end with 143 instead)
    const c = ctx("brequeue", { LSFEMU_FLAVOUR: "openlava" });
    const script = [
      "#!/bin/bash",
      "n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count",
      'echo "run $n $LSB_JOBID"',
      'if [ $n -eq 1 ]; then brequeue $LSB_JOBID; sleep 10; echo "not reached"; fi',
    ].join("\n");
    const id = await c.bsub(script, ["-o", "out"]);
    const info = await wait(c, id);
    expect([info.stat, info.requeueCount]).toEqual(["DONE", 1]);
    // OpenLava copies the spooled output into -o only when the job finishes: the requeued run's
    // output (and its "Exited with exit code 130." report) is lost (volclava.md, requeue).
    const out = c.read("out");
    expect(out).not.toContain("Exited with exit code 130.");
    expect(out).not.toMatch(/^not reached$/m);
    expect(out.match(/^run \d+ \d+$/gm)).toEqual([`run 2 ${id}`]);
    expect(c.read("count").trim()).toBe("2");
  });

  it("host failure: -r reruns with the same id, without -r the job exits", async () => {
    const c = ctx("hostfail");
    const script = [
      "#!/bin/bash",
      "n=$(cat count.$LSB_JOBID 2>/dev/null || echo 0); n=$((n+1)); echo $n > count.$LSB_JOBID",
      "touch ready.$LSB_JOBID",
      "[ $n -eq 1 ] && sleep 30",
      "exit 0",
    ].join("\n");
    const a = await c.bsub(script, ["-r", "-o", "/dev/null"]);
    const b = await c.bsub(script, ["-o", "/dev/null"]);
    while (!existsSync(join(c.dir, `ready.${a}`)) || !existsSync(join(c.dir, `ready.${b}`))) await sleep(20);
    expect((await c.sh("bhostfail", [String(a)])).status).toBe(0);
    expect((await c.sh("bhostfail", [String(b)])).status).toBe(0);
    const [ia, ib] = await Promise.all([wait(c, a), wait(c, b)]);
    expect([ia.stat, ia.requeueCount, c.read(`count.${a}`).trim()]).toEqual(["DONE", 1, "2"]);
    expect([ib.stat, ib.exitCode]).toEqual(["EXIT", 137]);
  });

  it("job arrays: each element with its LSB_JOBINDEX, %I in -o, %N slot limit, bjobs shows name[i]", async () => {
    const c = ctx("array");
    // Elements hold until the test opens the gate: what runs at once is the slot limit's doing,
    // not how fast this machine happens to be.
    const gate = join(c.dir, "go");
    const script = ['#!/bin/bash', '#BSUB -J "arr[1-4]%2"', "#BSUB -o out.%J.%I", `echo "idx=$LSB_JOBINDEX start=$(date +%s%N)"; until [ -e ${gate} ]; do sleep 0.05; done; sleep 0.2; echo "end=$(date +%s%N)"`].join("\n");
    const id = await c.bsub(script);
    await waitForJob(id, { home: c.home, until: (i) => i.elements.filter((e) => e.stat === "RUN").length === 2 });
    const running = (await c.sh("bjobs", ["-r", "-w"])).stdout;
    expect(running.match(/ RUN /g)).toHaveLength(2);
    expect(running).toContain("arr[1]");
    expect(running).toContain("arr[2]");
    writeFileSync(gate, "");
    const info = await wait(c, id);
    expect(info.elements.map((e) => e.stat)).toEqual(["DONE", "DONE", "DONE", "DONE"]);
    const spans = [1, 2, 3, 4].map((i) => {
      const t = c.read(`out.${id}.${i}`);
      expect(t).toContain(`idx=${i}`);
      return [Number(/start=(\d+)/.exec(t)![1]) / 1e6, Number(/end=(\d+)/.exec(t)![1]) / 1e6] as const;
    });
    for (const [s] of spans) expect(spans.filter(([s2, e2]) => s2 <= s && s < e2).length).toBeLessThanOrEqual(2);
    expect((await c.sh("bjobs", [`${id}[3]`])).stdout).toMatch(/DONE .* arr\[3\]/);
  });

  it("bjobs answers like LSF", async () => {
    const c = ctx("bjobs");
    expect((await c.sh("bjobs", [])).stderr).toBe("No unfinished job found\n");
    const nf = await c.sh("bjobs", ["42"]);
    expect([nf.status, nf.stderr]).toEqual([255, "Job <42> is not found\n"]);
    // The job runs until the test is done looking at it unfinished (a condition, not a sleep).
    const go = join(scratch, "bjobs", "go");
    const id = await c.bsub(`until [ -e ${go} ]; do sleep 0.1; done\n`, ["-J", "a-rather-long-job-name", "-o", "/dev/null"]);
    const head = (await c.sh("bjobs", [])).stdout.split("\n");
    expect(head[0]).toBe("JOBID   USER    STAT  QUEUE      FROM_HOST   EXEC_HOST   JOB_NAME   SUBMIT_TIME");
    expect(head[1]).toMatch(new RegExp(`^${id} +\\S+ +(PEND|RUN) +normal .* \\*-job-name `));
    expect((await c.sh("bjobs", ["-w", "-a"])).stdout).toContain("a-rather-long-job-name");
    writeFileSync(go, "");
    await wait(c, id);
    expect((await c.sh("bjobs", ["-o", "jobid stat job_name queue exit_code", String(id)])).stdout).toBe(
      `JOBID   STAT  JOB_NAME   QUEUE      EXIT_CODE\n${id}       DONE  a-rather-long-job-name normal     0\n`,
    );
    const json = JSON.parse((await c.sh("bjobs", ["-json", "-o", "jobid stat", String(id)])).stdout);
    expect(json.RECORDS).toEqual([{ JOBID: String(id), STAT: "DONE" }]);
    expect((await c.sh("bjobs", ["-a", "-J", "a-rather*"])).stdout).toContain("DONE");
  });

  it("bsub -K waits and exits with the job's exit code; the API submits too", async () => {
    const c = ctx("wait");
    const r = await c.sh("bsub", ["-K", "-o", "/dev/null", "sleep 0.2; exit 7"]);
    expect(r.status).toBe(7);
    expect(r.stdout).toContain("<<Job is finished>>");
    const s = submit("#!/bin/sh\necho api > api.txt\n", { home: c.home, cwd: c.dir, env: c.env, args: ["-o", "/dev/null"] });
    expect(s.message).toMatch(/^Job <\d+> is submitted to default queue <normal>\.$/);
    expect((await waitForJob(s.jobId, { home: c.home })).stat).toBe("DONE");
    expect(c.read("api.txt")).toBe("api\n");
  });

  it("shutdownAll kills running jobs and what they left in their own process groups", async () => {
    const c = ctx("shutdown");
    const id = await c.bsub("#!/bin/bash\nset -m\nsleep 300 &\necho $! > leftover\nexit 0\n", ["-o", "/dev/null"]);
    expect((await wait(c, id)).stat).toBe("DONE");
    const pid = Number(c.read("leftover"));
    const alive = () => listProcs().some((p) => p.pid === pid && p.state !== "Z");
    expect(alive()).toBe(true); // LSF leaves it running too
    const id2 = await c.bsub("sleep 300\n", ["-o", "/dev/null"]);
    await waitForJob(id2, { home: c.home, until: (i) => i.stat === "RUN" });
    await shutdownAll({ home: c.home });
    expect(alive()).toBe(false);
    expect(jobInfo(id2, { home: c.home })!.stat).toBe("EXIT");
    expect(readdirSync(join(c.home, "jobs"))).toHaveLength(2);
  });
});
