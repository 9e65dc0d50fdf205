// Tests of the BLCR stand-ins in test/bin (cr_run, cr_checkpoint, cr_restart; see
// test/fakeblcr/README.md). They check the semantics the e2e tests of the generated job scripts
// rely on, as given in /work/shared/reference/blcr-lsf.md §1-4: PIDs, files, offsets, NUL holes,
// signals, exit statuses, atomic context files. Scenarios run in bash, the way job scripts do.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, rmSync, statSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "test", "bin");
const APPS = join(ROOT, "test", "apps");
const PATH = `${BIN}:${APPS}:${process.env.PATH ?? ""}`;

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  v: Record<string, string>;
}

interface Ctx {
  onTestFailed: (fn: () => void) => void;
}
/** On failure, show what the scenario scripts wrote to stderr and the stand-ins' call log. */
function diagnose(ctx: Ctx, dir: string | (() => string), ...rs: Array<() => Result | undefined>): void {
  ctx.onTestFailed(() => {
    const d = typeof dir === "string" ? dir : dir();
    for (const get of rs) {
      const r = get();
      if (r) console.error(`--- scenario stderr (${d}):\n${r.stderr}\n--- stdout:\n${r.stdout}`);
    }
    const log = join(d, "crfake.log");
    if (existsSync(log)) console.error(`--- crfake.log:\n${readFileSync(log, "utf8")}`);
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), "crfake-")));
  dirs.push(d);
  return d;
}

// Helpers available to every scenario script.
const PRELUDE = String.raw`
set -u
lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }
# A condition, not a time: up to 60 s (a loaded 2-core machine starts a Python stand-in slowly).
waitfor() { local end=$((SECONDS + 60)); until eval "$1"; do if [ $SECONDS -ge $end ]; then echo "TIMEOUT: $1" >&2; return 1; fi; sleep 0.03; done; }
ppid_of() { awk '{print $4}' /proc/$1/stat 2>/dev/null; }
is_child_of() { [ "$(ppid_of $1)" = "$2" ]; }
`;

/** Run a bash scenario in its own process group; `key=value` lines of stdout are parsed into v. */
function bash(script: string, cwd: string, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<Result> {
  return new Promise((res, rej) => {
    const p = spawn("bash", ["-c", PRELUDE + script], {
      cwd,
      env: { ...process.env, PATH, CRFAKE_LOG: join(cwd, "crfake.log"), ...env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-p.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
    }, timeoutMs);
    p.on("error", rej);
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      // Whatever the scenario left running (an app waiting at its --hold line) goes with it.
      try {
        process.kill(-p.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
      const v: Record<string, string> = {};
      for (const line of stdout.split("\n")) {
        const m = /^([A-Za-z0-9_]+)=(.*)$/.exec(line);
        if (m) v[m[1]!] = m[2]!;
      }
      res({ code, signal, stdout, stderr, v });
    });
  });
}

/** Run one command directly (not through a shell), to see how it died. */
function direct(cmd: string, args: string[], cwd: string, onSpawn?: (pid: number) => void): Promise<Result> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { cwd, env: { ...process.env, PATH }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("error", rej);
    p.on("spawn", () => onSpawn?.(p.pid!));
    p.on("close", (code, signal) => res({ code, signal, stdout, stderr, v: {} }));
  });
}

/** The output of `stars` for lines a..b. */
function stars(a: number, b: number): Buffer {
  let s = "";
  for (let i = a; i <= b; i++) s += "*".repeat(i) + "\n";
  return Buffer.from(s);
}
const starsBytes = (n: number) => (n * (n + 3)) / 2; // bytes of lines 1..n

function sigIgn(pid: string): bigint {
  const m = /SigIgn:\s*([0-9a-f]+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return BigInt("0x" + m![1]);
}

function context(file: string): { processes: Array<{ pid: number; state: { i: number } }> } {
  const raw = readFileSync(file, "latin1");
  const body = raw.slice(raw.indexOf("\n") + 1, raw.lastIndexOf("\nCRFAKE-END"));
  return JSON.parse(body);
}

// Concurrent, so each scenario has room: apps outlive the steps that act on them (2.5 s at least,
// ticks of 0.1–0.25 s; they wait at a line with stars --hold K:go until the scenario touches go,
// or until it kills them),
// waits are for conditions (60 s each), a scenario may take 2 minutes.
describe.concurrent("crfake BLCR stand-ins", { timeout: 150_000 }, () => {
  it("cr_run execs the app: $! is the app's PID, libcr marked in its environment", async (ctx) => {
    const d = tmp();
    let r: Result | undefined;
    diagnose(ctx, d, () => r);
    r = await bash(
      String.raw`
cr_run stars --lines 100 --tick 0.1 --hold 50:$PWD/go > out 2>&1 < /dev/null &
pid=$!
waitfor '[ $(lines out) -ge 1 ]'
echo pid=$pid
echo self=$$
echo ppid=$(ppid_of $pid)
echo cmd=$(tr '\0' ' ' < /proc/$pid/cmdline)
echo marker=$(tr '\0' '\n' < /proc/$pid/environ | grep '^CRFAKE_LIBCR=')
echo omit=$(cr_run --omit sh -c 'echo $CRFAKE_LIBCR')
echo plain=$(cr_run -- sh -c 'echo $CRFAKE_LIBCR')
echo version=$(cr_run --version)
cr_run --help > /dev/null; echo help=$?
kill $pid; wait $pid; echo rc=$?
`,
      d,
    );
    expect(r.v.ppid).toBe(r.v.self);
    expect(r.v.cmd).toContain("test/apps/stars --lines 100");
    expect(r.v.marker).toBe("CRFAKE_LIBCR=run");
    expect(r.v.omit).toBe("omit");
    expect(r.v.plain).toBe("run");
    expect(r.v.version).toBe("cr_run: version 0.8.5");
    expect(r.v.help).toBe("0");
    expect(r.v.rc).toBe("143");
  });

  it("cr_checkpoint: no libcr -> 52, target gone -> 3, usage -> 255, bad destination options -> 22", async (ctx) => {
    const d = tmp();
    let r: Result | undefined;
    diagnose(ctx, d, () => r);
    r = await bash(
      String.raw`
stars --lines 100 --tick 0.1 --hold 50:$PWD/go > out 2>&1 < /dev/null &
p=$!
waitfor '[ $(lines out) -ge 1 ]'
cr_checkpoint -f ck $p 2> err1; echo nosup=$?
echo leftover=$(ls -A | grep -c ck)
kill $p; wait $p
cr_checkpoint -f ck $p 2> err2; echo gone=$?
cr_run --omit stars --lines 100 --tick 0.1 --hold 50:$PWD/go > out2 2>&1 < /dev/null &
q=$!
waitfor '[ $(lines out2) -ge 1 ]'
cr_checkpoint -f ck $q 2> err3; echo omitted=$?
kill $q; wait $q
cr_checkpoint 2>/dev/null; echo usage=$?
cr_checkpoint 1 2 2>/dev/null; echo usage2=$?
cr_checkpoint --no-such-option 1 2>/dev/null; echo usage3=$?
cr_checkpoint abc 2>/dev/null; echo usage4=$?
cr_checkpoint -f a -c 1 2>/dev/null; echo conflict=$?
cr_checkpoint -d somedir 1 2>/dev/null; echo dir=$?
cr_checkpoint --help | head -1 | tr ' ' _ | sed 's/^/help=/'
echo version=$(cr_checkpoint --version)
`,
      d,
    );
    expect(r.v.nosup).toBe("52");
    expect(readFileSync(join(d, "err1"), "utf8")).toContain("Checkpoint failed: support missing from application");
    expect(r.v.leftover).toBe("0"); // no temp, no target
    expect(r.v.gone).toBe("3");
    expect(readFileSync(join(d, "err2"), "utf8")).toContain("cr_request_checkpoint: No such process");
    expect(r.v.omitted).toBe("3");
    expect(readFileSync(join(d, "err3"), "utf8")).toContain("Checkpoint failed: no processes checkpointed");
    expect([r.v.usage, r.v.usage2, r.v.usage3, r.v.usage4]).toEqual(["255", "255", "255", "255"]);
    expect(r.v.conflict).toBe("22");
    expect(r.v.dir).toBe("22");
    expect(r.v.help).toBe("Usage:_cr_checkpoint_[options]_ID");
    expect(r.v.version).toBe("cr_checkpoint version 0.8.5");
  });

  it("the seed's procedure: mv context context.save; cr_restart ctx > context gives exactly N NUL bytes", async (ctx) => {
    const d = tmp();
    let r: Result | undefined;
    diagnose(ctx, d, () => r);
    r = await bash(
      String.raw`
cr_run stars --lines 400 --tick 0.1 > context 2>&1 &
pid=$!
waitfor '[ $(lines context) -ge 6 ]'
cr_checkpoint --term $pid; echo ck=$?
wait $pid; echo app=$?
echo ctxfile=$(ls context.$pid)
mv context context.save
cr_restart ./context.$pid > context 2>&1 &
rpid=$!
n=$(wc -c < context.save)
waitfor '[ -e /proc/$pid ] && is_child_of $pid $rpid'
echo restored_ppid_ok=yes
waitfor '[ $(wc -c < context) -gt $((n + 200)) ]'
kill $rpid; wait $rpid; echo cr=$?
echo pid=$pid
`,
      d,
    );
    expect(r.v.ck).toBe("0");
    expect(r.v.app).toBe("143"); // --term
    expect(r.v.ctxfile).toBe(`context.${r.v.pid}`); // default destination: context.ID in cwd
    expect(r.v.restored_ppid_ok).toBe("yes"); // same PID, now a child of cr_restart
    expect(r.v.cr).toBe("143"); // app died of the forwarded TERM, cr_restart mimics it
    const save = readFileSync(join(d, "context.save"));
    const now = readFileSync(join(d, "context"));
    const k = save.toString().split("\n").length - 1; // lines at checkpoint time
    expect(save).toEqual(stars(1, k));
    const n = save.length;
    expect(now.subarray(0, n).every((b) => b === 0)).toBe(true); // the hole: N NULs
    expect(now[n]).toBe(0x2a); // ...and not one more
    // context.save + (new file minus its first N bytes) is the whole output
    const whole = Buffer.concat([save, now.subarray(n)]);
    const m = whole.toString().split("\n").length - 1;
    expect(whole.subarray(0, starsBytes(m))).toEqual(stars(1, m));
    expect(m).toBeGreaterThan(k);
  });

  it("restart in place: same PID, output truncated back to the checkpoint and exact; exit code mimicked; context reusable", async (ctx) => {
    const d = tmp();
    let r: Result | undefined;
    diagnose(ctx, d, () => r);
    r = await bash(
      String.raw`
cr_run stars --lines 40 --tick 0.25 --exit 7 --hold 30:$PWD/go >> out 2>> err < /dev/null &
pid=$!
waitfor '[ $(lines out) -ge 5 ]'
cr_checkpoint -f ck $pid; echo ck=$?
k=$(lines out)
waitfor "[ \$(lines out) -ge $((k + 4)) ]"
kill -9 $pid; wait $pid; echo app=$?
touch go
cr_restart ck > rlog 2>&1 &
r=$!
waitfor '[ -e /proc/$pid ] && is_child_of $pid $r'
echo samepid=yes
wait $r; echo cr1=$?
cp out out.first
cr_restart ck > rlog2 2>&1; echo cr2=$?
echo pid=$pid
`,
      d,
    );
    expect(r.v.ck).toBe("0");
    expect(r.v.app).toBe("137");
    expect(r.v.samepid).toBe("yes");
    expect(r.v.cr1).toBe("7");
    expect(r.v.cr2).toBe("7");
    expect(readFileSync(join(d, "out.first"))).toEqual(stars(1, 40));
    expect(readFileSync(join(d, "out"))).toEqual(stars(1, 40)); // second restart from the same file
    expect(readFileSync(join(d, "rlog"), "utf8")).toBe("");
    expect(context(join(d, "ck")).processes[0]!.pid).toBe(Number(r.v.pid));
  });

  it("checkpointing cr_restart's PID covers its restored child; restarting from that works again", async (ctx) => {
    const d = tmp();
    let r: Result | undefined;
    diagnose(ctx, d, () => r);
    r = await bash(
      String.raw`
cr_run stars --lines 40 --tick 0.25 --exit 3 --hold 30:$PWD/go > out 2>/dev/null < /dev/null &
pid=$!
waitfor '[ $(lines out) -ge 4 ]'
cr_checkpoint --term -f ck1 $pid; echo ck1=$?
wait $pid
cr_restart ck1 > rlog 2>&1 &
r1=$!
waitfor '[ -e /proc/$pid ] && is_child_of $pid $r1'
k=$(lines out)
waitfor "[ \$(lines out) -ge $((k + 4)) ]"
cr_checkpoint --term -f ck2 $r1; echo ck2=$?
wait $r1; echo cr1=$?
echo at2=$(lines out)
touch go
cr_restart ck2 > rlog2 2>&1 &
r2=$!
waitfor '[ -e /proc/$pid ] && is_child_of $pid $r2'
echo samepid2=yes
wait $r2; echo cr2=$?
cp out out.final
cr_restart ck2 > /dev/null 2>&1 &
r3=$!
cr_checkpoint --kill -f ck3 $r3; echo immediate=$?
wait $r3; echo cr3=$?
echo pid=$pid
`,
      d,
    );
    expect(r.v.ck1).toBe("0");
    expect(r.v.ck2).toBe("0");
    expect(r.v.cr1).toBe("143");
    expect(r.v.samepid2).toBe("yes");
    expect(r.v.cr2).toBe("3");
    expect(r.v.immediate).toBe("0"); // right after launch: waits for the restart to complete
    expect(r.v.cr3).toBe("137");
    const c2 = context(join(d, "ck2"));
    expect(c2.processes).toHaveLength(1); // cr_restart omitted itself
    expect(c2.processes[0]!.pid).toBe(Number(r.v.pid));
    expect(c2.processes[0]!.state.i).toBe(Number(r.v.at2));
    expect(readFileSync(join(d, "out.final"))).toEqual(stars(1, 40));
    // the third restart cut the file back to its size at the second checkpoint, ran on until the
    // immediate checkpoint, then was killed
    const i3 = context(join(d, "ck3")).processes[0]!.state.i;
    expect(i3).toBeGreaterThanOrEqual(Number(r.v.at2));
    expect(readFileSync(join(d, "out"))).toEqual(stars(1, i3));
  });

  it("PID in use -> EBUSY (16, TEMP hook), holder untouched; --no-restore-pid gives a fresh PID", async (ctx) => {
    const d = tmp();
    let r: Result | undefined;
    diagnose(ctx, d, () => r);
    r = await bash(
      String.raw`
cr_run stars --lines 200 --tick 0.1 --hold 150:$PWD/go > out 2>&1 < /dev/null &
pid=$!
waitfor '[ $(lines out) -ge 3 ]'
cr_checkpoint --kill -f ck $pid; echo ck=$?
wait $pid; echo app=$?
cr_restart ck > /dev/null 2>&1 &
holder=$!
waitfor '[ -e /proc/$pid ] && is_child_of $pid $holder'
cr_restart ck 2> busy.err; echo busy=$?
cr_restart --run-on-fail-temp='exit 75' ck 2> hook.err; echo hook=$?
[ -e /proc/$pid ] || { echo "DIAG: pid $pid gone; holder: $(cat /proc/$holder/stat 2>&1)" >&2; cat /proc/$holder/fd/2 2>/dev/null >&2; }
cr_restart --run-on-failure='echo hookran; exit 0' ck > hook0.out 2> hook0.err; echo hook0=$?
cr_restart --run-on-fail-env='exit 9' ck 2>/dev/null; echo otherclass=$?
echo holder_alive=$(kill -0 $pid 2>/dev/null && is_child_of $pid $holder && echo yes)
cr_restart --no-restore-pid ck > /dev/null 2>&1 &
r3=$!
waitfor '[ -n "$(pgrep -P $r3 -f test/apps/stars)" ]'
echo fresh=$(pgrep -P $r3 -f test/apps/stars)
kill $r3; wait $r3; echo r3=$?
kill $holder; wait $holder; echo holder=$?
echo pid=$pid
`,
      d,
    );
    expect(r.v.ck).toBe("0");
    expect(r.v.app).toBe("137");
    expect(r.v.busy).toBe("16");
    expect(readFileSync(join(d, "busy.err"), "utf8")).toContain("Restart failed: Device or resource busy");
    expect(r.v.hook).toBe("75");
    expect(readFileSync(join(d, "hook.err"), "utf8")).toBe(""); // a non-zero hook suppresses the message
    expect(r.v.hook0).toBe("16"); // a hook exiting 0: message and errno exit
    expect(readFileSync(join(d, "hook0.out"), "utf8")).toBe("hookran\n");
    expect(readFileSync(join(d, "hook0.err"), "utf8")).toContain("Restart failed: Device or resource busy");
    expect(r.v.otherclass).toBe("16");
    expect(r.v.holder_alive).toBe("yes");
    expect(r.v.fresh).toMatch(/^\d+$/);
    expect(r.v.fresh).not.toBe(r.v.pid);
    expect(r.v.r3).toBe("143");
    expect(r.v.holder).toBe("143");
  });

  it("PID restore also works through the ns_last_pid fallback (kernels without clone3 set_tid)", async (ctx) => {
    // The fallback rewinds the machine-wide ns_last_pid and forks (real BLCR restores the PID in
    // the kernel, atomically): any process that forks in between takes the PID, and the stand-in
    // then says EBUSY unless that newcomer goes away within 3 s. On a machine running the rest of
    // the suite beside it, a long-lived newcomer happens (seen in a steady run: a node process
    // on the PID). Such an attempt proves nothing either way: it is run again, with a new app (a
    // new PID), up to three times; an EBUSY without a newcomer fails at once.
    let r: Result | undefined;
    let d = "";
    diagnose(ctx, () => d, () => r);
    for (let attempt = 1; ; attempt++) {
      d = tmp();
      r = await bash(
        String.raw`
cr_run stars --lines 200 --tick 0.1 --trap USR1=0 --hold 150:$PWD/go > out 2>&1 < /dev/null &
pid=$!
waitfor '[ $(lines out) -ge 3 ]'
cr_checkpoint --term -f ck $pid; wait $pid
cr_restart ck > /dev/null 2>&1 &
r=$!
waitfor '{ [ -e /proc/$pid ] && is_child_of $pid $r; } || ! kill -0 $r 2>/dev/null'
if ! is_child_of $pid $r; then wait $r; echo lost=$?; exit 0; fi
echo samepid=yes
cr_restart ck 2>/dev/null; echo busy=$?
kill -USR1 $r; wait $r; echo cr=$?
echo via=$(grep -c '"via": "ns_last_pid"' crfake.log)
`,
        d,
        { CRFAKE_NO_CLONE3: "1" },
      );
      const log = existsSync(join(d, "crfake.log")) ? readFileSync(join(d, "crfake.log"), "utf8") : "";
      const forks = log.split("\n").filter((l) => l.includes('"event": "fork"') && l.includes('"tool": "cr_restart"'));
      const newcomer = r.v.lost === "16" && forks.length > 0 && forks.every((l) => !/"child": (\d+).*"want": \1\b/.test(l));
      if (!newcomer || attempt === 3) break;
    }
    expect(r.v.samepid).toBe("yes");
    expect(r.v.busy).toBe("16");
    expect(r.v.cr).toBe("0");
    expect(Number(r.v.via)).toBeGreaterThanOrEqual(1);
  });

  it("missing cwd or open file -> ENOENT (2, ENV hook); --relocate and a symlink both fix it", async (ctx) => {
    const d = tmp();
    let r: Result | undefined;
    diagnose(ctx, d, () => r);
    r = await bash(
      String.raw`
mkdir A
(cd A && exec cr_run stars --lines 25 --tick 0.25 --also also.txt --hold 20:${join(d, "go")} > out 2>&1 < /dev/null) &
pid=$!
waitfor '[ $(lines A/out) -ge 4 ]'
cr_checkpoint --term -f ck $pid; echo ck=$?
wait $pid
mv A B
cr_restart ck 2> e1; echo gone=$?
cr_restart --run-on-fail-env='exit 64' ck 2>/dev/null; echo hookenv=$?
mkdir A; cp B/out A/out
cr_restart ck 2> e2; echo filegone=$?
rm -rf A
n=$(lines B/out)
cr_restart --relocate "$PWD/A=$PWD/B" ck > rlog 2>&1 &
r=$!
waitfor '[ -e /proc/$pid ] && is_child_of $pid $r'
waitfor '[ $(lines B/out) -gt $n ]' # restored (cwd and fds too): it prints on
echo cwd=$(readlink /proc/$pid/cwd)
echo fd3=$(readlink /proc/$pid/fd/3)
touch go
wait $r; echo reloc=$?
cp B/out out.reloc; cp B/also.txt also.reloc
mv B C; ln -s "$PWD/C" A
cr_restart ck > rlog2 2>&1; echo symlink=$?
mkdir D; mkdir D/A
(cd D/A && exec cr_run stars --lines 100 --tick 0.1 > ../out 2>&1 < /dev/null) &
p2=$!
waitfor '[ $(lines D/out) -ge 2 ]'
cr_checkpoint --kill -f ck2 $p2; wait $p2
rmdir D/A
cr_restart ck2 2> e3; echo cwdgone=$?
`,
      d,
    );
    expect(r.v.ck).toBe("0");
    expect(r.v.gone).toBe("2");
    expect(readFileSync(join(d, "e1"), "utf8")).toContain("Restart failed: No such file or directory");
    expect(r.v.hookenv).toBe("64");
    expect(r.v.filegone).toBe("2"); // cwd and stdout back, also.txt still missing
    expect(readFileSync(join(d, "e2"), "utf8")).toContain(`${d}/A/also.txt`);
    expect(r.v.cwd).toBe(`${d}/B`);
    expect(r.v.fd3).toBe(`${d}/B/also.txt`);
    expect(r.v.reloc).toBe("0");
    expect(readFileSync(join(d, "out.reloc"))).toEqual(stars(1, 25));
    expect(readFileSync(join(d, "also.reloc"), "utf8")).toBe(Array.from({ length: 25 }, (_, i) => `${i + 1}\n`).join(""));
    expect(r.v.symlink).toBe("0");
    expect(readFileSync(join(d, "C", "out"))).toEqual(stars(1, 25));
    expect(r.v.cwdgone).toBe("2");
  });

  it("forwards signals to the restored app and mimics its death (code or signal)", async (ctx) => {
    const d = tmp();
    let r: Result | undefined;
    diagnose(ctx, d, () => r);
    r = await bash(
      String.raw`
cr_run stars --lines 200 --tick 0.1 --trap USR2=9 --trap TSTP=20 --events ev --hold 150:$PWD/go > out 2>&1 < /dev/null &
pid=$!
waitfor '[ $(lines out) -ge 3 ]'
cr_checkpoint --term -f ck $pid; wait $pid
cr_restart ck > rlog 2>&1 &
r=$!
waitfor '[ -e /proc/$pid ] && is_child_of $pid $r'
kill -USR2 $r; wait $r; echo usr2=$?
cr_restart ck > rlog 2>&1 &
r=$!
waitfor '[ -e /proc/$pid ] && is_child_of $pid $r'
kill -HUP $r; wait $r; echo hup=$?
cr_restart ck > rlog 2>&1 &
r=$!
waitfor '[ -e /proc/$pid ] && is_child_of $pid $r'
kill -TSTP $r; wait $r; echo tstp=$?
cr_restart ck > rlog 2>&1 &
r=$!
waitfor '[ -e /proc/$pid ] && is_child_of $pid $r'
kill -ALRM $r; wait $r; echo alrm=$?
cr_run stars --lines 200 --tick 0.1 --exit SEGV > out2 2>&1 < /dev/null &
p2=$!
waitfor '[ $(lines out2) -ge 3 ]'
cr_checkpoint --kill -f ck2 $p2; wait $p2
echo ck2pid=$p2
`,
      d,
    );
    expect(r.v.usr2).toBe("9"); // the app's trap ran: USR2 reached the app, not cr_restart's default
    expect(r.v.hup).toBe(String(128 + 1)); // app killed by forwarded HUP; cr_restart re-raised it
    // TSTP goes to the app (its trap exits 20); cr_restart's own stop is discarded here because
    // the scenario's process group is orphaned (bash was started with setsid).
    expect(r.v.tstp).toBe("20");
    expect(r.v.alrm).toBe(String(128 + 14)); // (INT would be ignored: the app was started with &)
    // Seen from a parent that is not a shell: cr_restart really dies of the signal.
    const p2 = r.v.ck2pid!;
    // The app runs to its end (200 lines would be slow), so terminate it through cr_restart.
    let crpid = 0;
    const viaTerm = direct("cr_restart", ["ck2"], d, (p) => (crpid = p));
    for (let i = 0; i < 300 && !(crpid > 0 && existsSync(`/proc/${p2}`)); i++) await new Promise((s) => setTimeout(s, 20));
    expect(crpid).toBeGreaterThan(0);
    process.kill(crpid, "SIGTERM");
    const t = await viaTerm;
    expect(t.signal).toBe("SIGTERM");
    expect(existsSync(`/proc/${p2}`)).toBe(false); // reaped by cr_restart before it re-raised
  });

  it("mimics death by signal of the app itself (SEGV) without a core", async (ctx) => {
    const d = tmp();
    let r: Result | undefined;
    diagnose(ctx, d, () => r);
    r = await bash(
      String.raw`
cr_run stars --lines 40 --tick 0.25 --exit SEGV --hold 30:$PWD/go > out 2>&1 < /dev/null &
pid=$!
waitfor '[ $(lines out) -ge 3 ]'
cr_checkpoint --kill -f ck $pid; wait $pid; echo app=$?
`,
      d,
    );
    expect(r.v.app).toBe("137");
    writeFileSync(join(d, "go"), "");
    const res = await direct("cr_restart", ["ck"], d);
    expect(res.signal).toBe("SIGSEGV");
    expect(readFileSync(join(d, "out"))).toEqual(stars(1, 40));
    expect(existsSync(join(d, "core"))).toBe(false);
  });

  it("restores ignored signal dispositions (set by the app before the checkpoint)", async (ctx) => {
    const d = tmp();
    let r: Result | undefined;
    diagnose(ctx, d, () => r);
    r = await bash(
      String.raw`
cr_run stars --lines 200 --tick 0.1 --ignore-after 2:USR1 --hold 150:$PWD/go > out 2>&1 < /dev/null &
pid=$!
waitfor '[ $(lines out) -ge 4 ]'
echo before=$(grep SigIgn /proc/$pid/status | cut -f2)
cr_checkpoint --term -f ck $pid; wait $pid
n=$(lines out)
cr_restart ck > rlog 2>&1 &
r=$!
waitfor '[ -e /proc/$pid ] && is_child_of $pid $r'
# The PID is there as soon as cr_restart has forked it; restored (dispositions too) once the app
# prints past what it had printed before (the output is cut back to the checkpoint, then grows).
waitfor '[ $(lines out) -gt $n ]'
echo pid=$pid
echo after=$(grep SigIgn /proc/$pid/status | cut -f2)
# Survived: two more lines after the signal (the first may have been under way as it came).
m=$(lines out)
kill -USR1 $pid
waitfor '[ $(lines out) -gt $((m + 1)) ] || ! kill -0 $r 2>/dev/null'
echo survived=$([ $(lines out) -gt $((m + 1)) ] && kill -0 $pid 2>/dev/null && echo yes)
kill -USR2 $pid; wait $r; echo usr2=$?
`,
      d,
    );
    const usr1 = 1n << 9n; // SIGUSR1 = 10
    expect(BigInt("0x" + r.v.before) & usr1).toBe(usr1);
    expect(r.v.after).toBe(r.v.before);
    expect(r.v.survived).toBe("yes");
    expect(r.v.usr2).toBe(String(128 + 12));
  });

  it("atomic context files: .NAME.tmp mode 0400 while writing; a killed or failed checkpoint leaves the old target", async (ctx) => {
    const d = tmp();
    let r: Result | undefined;
    diagnose(ctx, d, () => r);
    r = await bash(
      String.raw`
cr_run stars --lines 400 --tick 0.1 --hold 300:$PWD/go > out 2>&1 < /dev/null &
pid=$!
waitfor '[ $(lines out) -ge 2 ]'
cr_checkpoint -f ck $pid; echo ck=$?
cp ck ck.orig
CRFAKE_CKPT_DELAY=4 cr_checkpoint -f ck $pid &
c=$!
waitfor '[ -s .ck.tmp ]'
echo tmpmode=$(stat -c %a .ck.tmp)
n1=$(lines out); sleep 0.4; n2=$(lines out)
echo frozen=$([ $n1 = $n2 ] && echo yes)
kill -9 $c; wait $c; echo killed=$?
waitfor "[ \$(lines out) -gt $n2 ]"
echo resumed=yes
echo tmp_left=$([ -s .ck.tmp ] && echo yes)
cmp -s ck ck.orig && echo intact1=yes
cr_restart .ck.tmp 2> partial.err; echo partial=$?
cr_restart --run-on-fail-perm='exit 70' .ck.tmp 2>/dev/null; echo partialhook=$?
CRFAKE_CKPT_FAIL=EIO cr_checkpoint -f ck $pid 2> fail.err; echo fail=$?
echo tmp_after_fail=$(ls -A | grep -c '^\.ck\.tmp$')
cmp -s ck ck.orig && echo intact2=yes
cr_checkpoint --noclobber -f ck $pid 2>/dev/null; echo noclobber=$?
cmp -s ck ck.orig && echo intact3=yes
cr_checkpoint --backup -f ck $pid; cr_checkpoint --backup -f ck $pid; cr_checkpoint --backup=named -f ck $pid
echo backups=$(ls ck.~1~ ck.~2~ named | tr '\n' ,)
cmp -s ck.~1~ ck.orig && echo backup1_is_orig=yes
CRFAKE_CKPT_FAIL=ENOSPC cr_checkpoint --clobber -f ck $pid 2>/dev/null; echo clobberfail=$?
echo clobber_target=$([ -e ck ] && echo present || echo lost)
cr_checkpoint --clobber -f ck $pid; echo clobber=$?
echo clobbermode=$(stat -c %a ck)
cr_checkpoint -F 7 $pid 7> viafd; echo viafd=$?
cr_restart --kill -F 5 5< viafd 2>/dev/null; echo viafd_restart_busy=$?
cr_checkpoint -f nodir/ck $pid 2> nodir.err; echo nodir=$?
kill $pid; wait $pid
`,
      d,
    );
    expect(r.v.ck).toBe("0");
    expect(r.v.tmpmode).toBe("400");
    expect(r.v.frozen).toBe("yes"); // the app is frozen while its checkpoint is written
    expect(r.v.killed).toBe("137");
    expect(r.v.resumed).toBe("yes"); // killing cr_checkpoint releases the app
    expect(r.v.tmp_left).toBe("yes");
    expect(r.v.intact1).toBe("yes");
    expect(r.v.partial).toBe("22"); // corrupt (truncated) context: PERM
    expect(readFileSync(join(d, "partial.err"), "utf8")).toContain("Restart failed: Invalid argument");
    expect(r.v.partialhook).toBe("70");
    expect(r.v.fail).toBe("5");
    expect(readFileSync(join(d, "fail.err"), "utf8")).toContain("Checkpoint failed: Input/output error");
    expect(r.v.tmp_after_fail).toBe("0");
    expect(r.v.intact2).toBe("yes");
    expect(r.v.noclobber).toBe("17");
    expect(r.v.intact3).toBe("yes");
    expect(r.v.backups).toBe("ck.~1~,ck.~2~,named,");
    expect(r.v.backup1_is_orig).toBe("yes");
    expect(r.v.clobberfail).toBe("28");
    expect(r.v.clobber_target).toBe("lost");
    expect(r.v.clobber).toBe("0");
    expect(r.v.clobbermode).toBe("400");
    expect(r.v.viafd).toBe("0");
    expect(r.v.viafd_restart_busy).toBe("16"); // a valid context read from an fd; the app still runs
    expect(r.v.nodir).toBe("2");
    expect(readFileSync(join(d, "nodir.err"), "utf8")).toContain("Failed to open checkpoint file 'nodir/ck'");
  });

  it("fault file (re-read per call, @N counts), env knobs, call log; bad context -> 22 / unreadable -> 255", async (ctx) => {
    const d = tmp();
    let r: Result | undefined;
    diagnose(ctx, d, () => r);
    r = await bash(
      String.raw`
export CRFAKE_LOG=$PWD/calls.log CRFAKE_FAULTS=$PWD/faults
printf 'CKPT_FAIL=ENOSPC@1\n' > faults
cr_run stars --lines 200 --tick 0.1 --hold 150:$PWD/go > out 2>&1 < /dev/null &
pid=$!
waitfor '[ $(lines out) -ge 2 ]'
cr_checkpoint -f ck $pid 2>/dev/null; echo f1=$?
cr_checkpoint -f ck $pid; echo f2=$?
echo faults_left=$(wc -c < faults)
echo 'CKPT_CORRUPT=1' > faults
cr_checkpoint -f bad $pid; echo corrupt_ck=$?
: > faults
cr_restart bad 2> bad.err; echo corrupt=$?
echo junk > junk; cr_restart junk 2>/dev/null; echo junk=$?
cr_restart missing.ctx 2> missing.err; echo missing=$?
cr_restart --run-on-fail-args='exit 66' missing.ctx; echo missinghook=$?
cr_restart --run-on-fail-args='exit 67' --bogus 2>/dev/null; echo usagehook=$?
CRFAKE_RESTART_FAIL=EBUSY cr_restart --run-on-fail-temp='exit 61' ck; echo injected=$?
cr_restart --relocate nonsense ck 2>/dev/null; echo badreloc=$?
kill $pid; wait $pid
`,
      d,
    );
    expect(r.v.f1).toBe("28");
    expect(r.v.f2).toBe("0");
    expect(r.v.faults_left).toBe("0");
    expect(r.v.corrupt_ck).toBe("0");
    expect(r.v.corrupt).toBe("22");
    expect(readFileSync(join(d, "bad.err"), "utf8")).toContain("Restart failed: Invalid argument");
    expect(r.v.junk).toBe("22");
    expect(r.v.missing).toBe("255");
    expect(readFileSync(join(d, "missing.err"), "utf8")).toContain("Failed to open(missing.ctx, O_RDONLY)");
    expect(r.v.missinghook).toBe("66");
    expect(r.v.usagehook).toBe("67");
    expect(r.v.injected).toBe("61");
    expect(r.v.badreloc).toBe("22"); // die(EINVAL, HOOK_FAIL_ARGS, ...)
    const log = readFileSync(join(d, "calls.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { tool: string; event: string; exit?: number });
    const exits = log.filter((e) => e.tool === "cr_checkpoint" && e.event === "exit").map((e) => e.exit);
    expect(exits.slice(0, 3)).toEqual([28, 0, 0]);
    expect(log.some((e) => e.tool === "cr_restart" && e.event === "exit" && e.exit === 22)).toBe(true);
  });

  it("--run-on-success: a non-zero hook makes cr_restart return at once; scopes -p/-g; stopped target with -t", async (ctx) => {
    const d = tmp();
    let r: Result | undefined;
    diagnose(ctx, d, () => r);
    r = await bash(
      String.raw`
cr_run stars --lines 200 --tick 0.1 --hold 150:$PWD/go > out 2>&1 < /dev/null &
pid=$!
waitfor '[ $(lines out) -ge 2 ]'
cr_checkpoint --term -f ck $pid; wait $pid
cr_restart --run-on-success='exit 5' ck; echo succ=$?
echo app_running=$(kill -0 $pid 2>/dev/null && echo yes)
kill -KILL $pid
waitfor '! grep -qs "^State:.*[RS]" /proc/'$pid'/status'
cr_run stars --lines 200 --tick 0.1 --hold 150:$PWD/go > out2 2>&1 < /dev/null &
p=$!
waitfor '[ $(lines out2) -ge 2 ]'
cr_checkpoint -p -f ckp $p; echo scope_p=$?
cr_checkpoint -g $$ -f ckg 2>/dev/null; echo scope_g_with_bash=$?
cr_checkpoint -s 999999 -f cks 2>/dev/null; echo scope_s_none=$?
kill -STOP $p
cr_checkpoint -t 1 -f ckt $p 2>/dev/null; echo stopped_timeout=$?
kill -CONT $p
cr_checkpoint -f ckt $p; echo after_cont=$?
kill $p; wait $p
`,
      d,
    );
    expect(r.v.succ).toBe("5");
    expect(r.v.app_running).toBe("yes");
    expect(r.v.scope_p).toBe("0");
    expect(r.v.scope_g_with_bash).toBe("52"); // the shell in the group has no libcr
    expect(r.v.scope_s_none).toBe("3");
    expect(r.v.stopped_timeout).toBe("110");
    expect(r.v.after_cont).toBe("0");
    expect(statSync(join(d, "ckt")).mode & 0o777).toBe(0o400);
  });
});
