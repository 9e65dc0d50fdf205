// Tests of the DMTCP stand-ins in test/bin (dmtcp_launch, dmtcp_command, dmtcp_restart; see
// test/fakedmtcp/README.md): the semantics of /work/shared/reference/dmtcp.md that the dmtcp tool
// template relies on. Scenarios run in bash, the way job scripts do.
import { spawn } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { starsOutput } from "./lifecycle/harness.js";

const ROOT = resolve(import.meta.dirname, "..");
const PATH = `${join(ROOT, "test", "bin")}:${join(ROOT, "test", "apps")}:${process.env.PATH ?? ""}`;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), "dmtcpfake-")));
  dirs.push(d);
  return d;
}

const PRELUDE = String.raw`
set -u
lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }
waitfor() { local i=0; until eval "$1"; do i=$((i+1)); if [ $i -gt 2000 ]; then echo "TIMEOUT: $1" >&2; return 1; fi; sleep 0.03; done; }
ppid_of() { awk '{print $4}' /proc/$1/stat 2>/dev/null; }
running() { dmtcp_command -p "$(cat "$1")" -s 2>/dev/null | grep -q RUNNING=yes; }
mkdir -p ck tmp
L="--new-coordinator --coord-port 0 --port-file pf --ckptdir $PWD/ck --tmpdir $PWD/tmp -q"
`;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  v: Record<string, string>;
}

/** Run a scenario in its own process group (killed afterwards); `key=value` lines of stdout → v. */
function bash(script: string, cwd: string, env: Record<string, string> = {}): Promise<Result> {
  return new Promise((res, rej) => {
    const p = spawn("bash", ["-c", PRELUDE + script], { cwd, env: { ...process.env, PATH, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const kill = () => {
      try {
        process.kill(-p.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
    };
    const timer = setTimeout(kill, 150_000); // a deadline for a hung scenario, generous for a loaded machine
    p.on("error", rej);
    p.on("close", (code) => {
      clearTimeout(timer);
      kill();
      const v: Record<string, string> = {};
      for (const line of stdout.split("\n")) {
        for (const m of line.matchAll(/(?:^|\s)([A-Za-z0-9_]+)=(.*?)(?=\s[A-Za-z0-9_]+=|$)/g)) v[m[1]!] = m[2]!;
      }
      res({ code, stdout, stderr, v });
    });
  });
}

/** A TCP port free right now on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => res(port));
    });
  });
}

const stars = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => "*".repeat(a + k) + "\n").join("");

describe.concurrent("fake DMTCP stand-ins", { timeout: 180_000 }, () => {
  it("dmtcp_launch execs the app in place; the coordinator stays in the caller's process group and session", async () => {
    const d = tmp();
    const r = await bash(
      String.raw`
dmtcp_launch $L stars --lines 100 --tick 0.05 --hold 50:$PWD/go > out 2>&1 < /dev/null &
pid=$!
waitfor '[ $(lines out) -ge 2 ]'
echo same=$(grep -c stars /proc/$pid/cmdline)
echo parent=$([ "$(ppid_of $pid)" = $$ ] && echo yes)
port=$(cat pf); echo port=$port
# The coordinator: a fork of dmtcp_launch. Matched with this scenario's own dir: the scenarios
# run concurrently, each with a "--port-file pf" of its own.
coord=$(pgrep -f -- "port-file pf --ckptdir $PWD/ck" | grep -vx $pid | head -1)
echo coordgrp=$([ "$(ps -o pgid= -p $coord | tr -d ' ')" = "$(ps -o pgid= -p $$ | tr -d ' ')" ] && echo same)
echo coordsid=$([ "$(ps -o sid= -p $coord | tr -d ' ')" = "$(ps -o sid= -p $$ | tr -d ' ')" ] && echo same)
echo listen=$(awk -v p=$(printf '%04X' $port) '$4 == "0A" && $2 ~ ":"p"$" { print $2 }' /proc/net/tcp)
echo logs=$(ls tmp)
`,
      d,
    );
    expect(r.v.same, r.stderr).toBe("1");
    expect(r.v.parent).toBe("yes");
    expect(Number(r.v.port)).toBeGreaterThan(0);
    expect(r.v.port).not.toBe("7779");
    expect(r.v.coordgrp).toBe("same");
    expect(r.v.coordsid).toBe("same");
    expect(r.v.listen).toMatch(/^0100007F:[0-9A-F]{4}$/); // 127.0.0.1 only
    expect(r.v.logs).toMatch(/^dmtcp-.+@.+/);
  });

  it("default port (7779, or DMTCP_COORD_PORT): a second computation on it fails with 99 instead of joining", async () => {
    // The default port is the host's: 7779 itself may be taken by any DMTCP on this machine (other
    // test files, other users), so the shared default comes from DMTCP_COORD_PORT, as it does for
    // the real dmtcp_launch when no --coord-port is given.
    const d = tmp();
    const port = await freePort();
    const r = await bash(
      String.raw`
dmtcp_launch -q --ckptdir ck stars --lines 100 --tick 0.05 --hold 50:$PWD/go > a 2>&1 < /dev/null &
p=$!
waitfor '[ $(lines a) -ge 1 ]'
dmtcp_launch -q --ckptdir ck stars --lines 3 --tick 0.05 > b 2>err < /dev/null
echo second=$?
echo msg=$(head -1 err)
dmtcp_command -p $DMTCP_COORD_PORT -k >/dev/null
wait $p; echo first=$?
`,
      d,
      { DMTCP_COORD_PORT: String(port) },
    );
    expect(r.v.second, r.stderr).toBe("99");
    expect(r.v.msg).toMatch(/errno 98/);
    expect(r.v.first).toBe("0"); // dmtcp_command -k: the app exits 0
  });

  it("-bc blocks until the images are written; later checkpoints overwrite the same names", async () => {
    const d = tmp();
    const r = await bash(
      String.raw`
dmtcp_launch $L bash -c 'stars --lines 200 --tick 0.05 --hold 150:${join(d, "go")} 2>&1 | tee -a out >/dev/null; exit "${"$"}{PIPESTATUS[0]}"' > /dev/null < /dev/null &
p=$!
waitfor '[ $(lines out) -ge 2 ]'
dmtcp_command -p $(cat pf) -bc; echo rc1=$?
echo n1=$(ls ck/ckpt_*.dmtcp | wc -l) temp1=$(ls ck | grep -c temp)
echo names1=$(cd ck && ls -d ckpt_* | tr '\n' ' ')
dmtcp_command -p $(cat pf) -bc; echo rc2=$?
echo names2=$(cd ck && ls -d ckpt_* | tr '\n' ' ')
echo script=$(readlink ck/dmtcp_restart_script.sh | grep -c dmtcp_restart_script_)
kill -9 $(ps -o pid= --ppid $p) $p
`,
      d,
    );
    expect(r.v.rc1, r.stderr).toBe("0");
    expect(r.v.n1).toBe("3");
    expect(r.v.temp1).toBe("0");
    expect(r.v.names1).toMatch(/ckpt_bash_\S+\.dmtcp ckpt_bash_\S+_files ckpt_python3_\S+\.dmtcp ckpt_python3_\S+_files ckpt_tee_\S+\.dmtcp ckpt_tee_\S+_files/);
    expect(r.v.names2).toBe(r.v.names1);
    expect(r.v.script).toBe("1");
  });

  it("restart: all images, exec into the app (same PID, virtual getpid), files cut back, stdio and cwd not restored, env restored", async () => {
    // The restored app must still run when its environment and cwd are read: it waits at line 150
    // (stars --hold) until they have been.
    const d = tmp();
    const r = await bash(
      String.raw`
mkdir run other
cd run
FOO=old dmtcp_launch $L --ckptdir ../ck stars --lines 200 --tick 0.05 --also also --also-mode truncate --events ../ev --hold 150:${join(d, "go")} > ../out1 2>&1 < /dev/null &
p=$!
waitfor '[ $(lines ../out1) -ge 5 ]'
dmtcp_command -p $(cat pf) -bc >/dev/null
n=$(lines also)
waitfor "[ \$(lines also) -ge $((n + 3)) ]"
kill -9 $p; wait $p 2>/dev/null
cd ../other
one=$(ls ../ck/ckpt_python3_*.dmtcp)
dmtcp_restart -q --new-coordinator --coord-port 0 --port-file ../pf2 "$one" ../ck/ckpt_*.dmtcp > /dev/null 2>err1; echo dup=$?
FOO=new dmtcp_restart -q --new-coordinator --coord-port 0 --port-file ../pf2 ../ck/ckpt_*.dmtcp > ../out2 2>../err2 < /dev/null &
q=$!
waitfor 'running ../pf2'
echo env=$(tr '\0' '\n' < /proc/$q/environ | grep '^FOO=')
echo cwd=$(readlink /proc/$q/cwd)
touch ${join(d, "go")}
wait $q; echo rc=$?
echo n=$n
echo also=$(tr '\n' ' ' < ../run/also)
echo pids=$(grep -o 'pid=[0-9]*' ../ev | sort -u | wc -l)
echo restored=$(grep -c restored ../ev)
`,
      d,
    );
    expect(r.v.dup, r.stderr).toBe("99"); // the same image twice
    expect(r.v.rc, `${r.stdout}\n${r.stderr}`).toBe("0");
    expect(r.v.env).toBe("FOO=old");
    expect(r.v.cwd).toBe(join(d, "other"));
    const n = Number(r.v.n);
    expect(r.v.also, r.stderr).toBe(Array.from({ length: 200 }, (_, k) => String(k + 1)).join(" ")); // cut back to n, then on
    expect(n).toBeGreaterThanOrEqual(5);
    // stdout was not restored: the restarted app wrote lines k+1.. (k: the checkpoint) to
    // dmtcp_restart's stdout; `also` was cut back to k lines, although the app had written n+3.
    const out2 = readFileSync(join(d, "out2"), "utf8");
    const k = out2.indexOf("\n") - 1; // line k+1 has k+1 stars
    expect(k).toBeGreaterThanOrEqual(5);
    expect(k).toBeLessThan(n + 3);
    expect(out2).toBe(stars(k + 1, 200));
    expect(r.v.pids).toBe("1");
    expect(r.v.restored).toBe("1");
  });

  it("restart refuses: an incomplete image set, a missing _files copy, a missing directory of an open file (99)", async () => {
    const d = tmp();
    const r = await bash(
      String.raw`
mkdir w
dmtcp_launch $L bash -c 'stars --lines 200 --tick 0.05 --also w/also --hold 150:${join(d, "go")} 2>&1 | tee -a w/out >/dev/null' > /dev/null < /dev/null &
p=$!
waitfor '[ $(lines w/out) -ge 2 ]'
dmtcp_command -p $(cat pf) -bc >/dev/null
kill -9 $(ps -o pid= --ppid $p) $p 2>/dev/null; wait $p 2>/dev/null
dmtcp_restart -q ck/ckpt_python3_*.dmtcp ck/ckpt_bash_*.dmtcp > /dev/null 2>e1; echo partial=$?; echo m1=$(head -1 e1)
mv ck/ckpt_tee_*_files files.away
dmtcp_restart -q ck/ckpt_*.dmtcp > /dev/null 2>e2; echo nofiles=$?; echo m2=$(head -1 e2)
mv files.away ck/$(basename $(ls -d ck/ckpt_tee_*.dmtcp) .dmtcp)_files
mv w w.away
dmtcp_restart -q ck/ckpt_*.dmtcp > /dev/null 2>e3; echo nodir=$?; echo m3=$(head -1 e3)
`,
      d,
    );
    expect(r.v.partial, r.stderr).toBe("99");
    expect(r.v.m1).toMatch(/missing: ckpt_tee_/);
    expect(r.v.nofiles).toBe("99");
    expect(r.v.m2).toMatch(/Unable to find checkpointed copy of file/);
    expect(r.v.nodir).toBe("99");
    expect(r.v.m3).toMatch(/directory does not exist/);
  });

  it("a deleted output file comes back zero-filled (NUL bytes), as DMTCP recreates it", async () => {
    const d = tmp();
    const r = await bash(
      String.raw`
dmtcp_launch $L bash -c 'stars --lines 40 --tick 0.3 2>&1 | tee -a out >/dev/null' > /dev/null < /dev/null &
p=$!
waitfor '[ $(lines out) -ge 4 ]'
dmtcp_command -p $(cat pf) -bc >/dev/null
kill -9 $(ps -o pid= --ppid $p) $p 2>/dev/null; wait $p 2>/dev/null
rm out
dmtcp_restart -q --new-coordinator --coord-port 0 ck/ckpt_*.dmtcp > /dev/null 2>&1 < /dev/null
echo rc=$?
echo nul=$(tr -cd '\0' < out | wc -c)
`,
      d,
    );
    expect(r.v.rc, r.stderr).toBe("0");
    expect(Number(r.v.nul)).toBeGreaterThan(0);
  });

  it("a file the computation opens on fds 1 and 2 is cut back on restart (exact output); the launch's own stdout is not", async () => {
    // As seen on DMTCP 5.0 (kill -9 of the whole computation after a checkpoint, restart: the same
    // bytes as an unbroken run, the exit status through bash); fileconnlist.cpp: only a
    // pre-existing fd <= 2 is a StdioConnection, not restored.
    const d = tmp();
    const r = await bash(
      String.raw`
dmtcp_launch $L bash -c 'out=$1; shift; "$@" >>"$out" 2>&1; exit "$?"' x out stars --lines 60 --tick 0.1 --exit 7 >> outer < /dev/null &
p=$!
waitfor '[ $(lines out) -ge 10 ]'
dmtcp_command -p $(cat pf) -bc >/dev/null
echo atckpt=$(lines out)
n=$(lines out); waitfor "[ \$(lines out) -ge $((n + 5)) ]"
kill -9 $(ps -o pid= --ppid $p) $p 2>/dev/null; wait $p 2>/dev/null
echo atkill=$(lines out)
echo outer1=$(stat -c %s outer)
echo again >> outer
dmtcp_restart -q --new-coordinator --coord-port 0 ck/ckpt_*.dmtcp >> outer 2>&1 < /dev/null
echo rc=$?
echo outer2=$(stat -c %s outer)
`,
      d,
    );
    expect(r.v.rc, r.stderr).toBe("7");
    expect(Number(r.v.atkill)).toBeGreaterThan(Number(r.v.atckpt));
    const out = readFileSync(join(d, "out"), "utf8");
    expect(out.replace(/^WARNING at .*\n/gm, "")).toBe(starsOutput(60));
    expect(Number(r.v.outer2)).toBeGreaterThanOrEqual(Number(r.v.outer1) + "again\n".length); // not cut back
  });

  it("SIGUSR2 is DMTCP's checkpoint signal unless --ckpt-signal moves it; -kc makes the app exit 0", async () => {
    const d = tmp();
    const r = await bash(
      String.raw`
(trap '' USR2; exec dmtcp_launch $L stars --lines 400 --tick 0.05) > out 2>&1 < /dev/null &
p=$!
waitfor '[ $(lines out) -ge 2 ]'
kill -USR2 $p
waitfor '[ -n "$(ls ck/*.dmtcp 2>/dev/null)" ]' && echo default=checkpoint
dmtcp_command -p $(cat pf) -kc >/dev/null; wait $p; echo kc=$?
rm -rf ck pf; mkdir ck
(trap '' USR2; exec dmtcp_launch $L --ckpt-signal 40 stars --lines 400 --tick 0.05) > out2 2>&1 < /dev/null &
p=$!
waitfor '[ $(lines out2) -ge 2 ]'
kill -USR2 $p; sleep 1
echo moved=$(ls ck | grep -c dmtcp) alive=$(kill -0 $p && echo yes)
kill -40 $p
waitfor '[ -n "$(ls ck/*.dmtcp 2>/dev/null)" ]' && echo sig40=checkpoint
kill -9 $p
`,
      d,
    );
    expect(r.v.default, r.stderr).toBe("checkpoint");
    expect(r.v.kc).toBe("0");
    expect(r.v.moved).toBe("0");
    expect(r.v.alive).toBe("yes");
    expect(r.v.sig40).toBe("checkpoint");
  });

  it("an orphaned root makes dmtcp_restart return 0 at once while the app runs on", async () => {
    const d = tmp();
    const r = await bash(
      String.raw`
(setsid dmtcp_launch $L stars --lines 400 --tick 0.05 > out 2>&1 < /dev/null &)
waitfor '[ $(lines out) -ge 2 ]'
dmtcp_command -p $(cat pf) -bc >/dev/null
dmtcp_command -p $(cat pf) -k >/dev/null
sleep 0.5
dmtcp_restart -q --new-coordinator --coord-port 0 --port-file pf2 ck/ckpt_*.dmtcp > out2 2>&1 < /dev/null
echo rc=$? at_return=$(lines out2)
waitfor '[ $(lines out2) -ge 2 ]' && echo detached=running
dmtcp_command -p $(cat pf2) -k >/dev/null
`,
      d,
    );
    expect(r.v.rc, r.stderr).toBe("0");
    // It returned at once, not when the app ended: the restored app had not printed its 400 lines.
    expect(Number(r.v.at_return)).toBeLessThan(400);
    expect(r.v.detached).toBe("running");
  });

  it("fault knobs: CKPT_FAIL fails the checkpoint (app goes on), CKPT_DELAY leaves a partial .temp to kill", async () => {
    const d = tmp();
    const r = await bash(
      String.raw`
echo 'CKPT_FAIL=EIO@1' > faults
dmtcp_launch $L stars --lines 400 --tick 0.05 > out 2>&1 < /dev/null &
p=$!
waitfor '[ $(lines out) -ge 2 ]'
dmtcp_command -p $(cat pf) -bc 2>/dev/null; echo fail=$? images=$(ls ck | grep -c '\.dmtcp$')
echo 'CKPT_DELAY=3@1' > faults
dmtcp_command -p $(cat pf) -bc & c=$!
waitfor '[ -n "$(ls ck/*.temp 2>/dev/null)" ]' && echo temp=yes
kill -9 $p $c; wait $c 2>/dev/null
echo after=$(ls ck | grep -c '\.dmtcp$')
`,
      d,
      { DMTCPFAKE_FAULTS: join(d, "faults") },
    );
    expect(r.v.fail, r.stderr).not.toBe("0");
    expect(r.v.images).toBe("0");
    expect(r.v.temp).toBe("yes");
    expect(r.v.after).toBe("0");
  });
});
