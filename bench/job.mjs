#!/usr/bin/env node
// Job-side figures: what the generated script costs beyond its app (run by `npm run bench`).
//
//   overhead:  wall time of a job whose app is /bin/true, minus that of the bare app started the way
//              the checkpointer starts it (tool none: /bin/true; blcr: `cr_run /bin/true`), median
//              of BENCH_JOB_RUNS interleaved runs, and the same for CPU time (user+sys of the job
//              and all its processes, from bash's `time`): on a loaded machine wall time swells with
//              the load, CPU time hardly. No staging.
//   CPU:       the script's own CPU while a BENCH_JOB_APP_SECONDS idle app runs (no checkpoint
//              due): utime+stime of the script plus those of the children it has reaped (the
//              fields 14-17 of /proc/PID/stat), over the app's run but its first and last 2 s, as
//              % of one core. The script is the job's first process and its children running the
//              same script (the work process, which starts the app; before that design, a waker),
//              each with the children it has reaped. Clock ticks: the resolution is printed beside it.
//   signal:    INT to the job's process group (what bkill sends first) → the script's
//              "received SIGINT" line, → "stopping on SIGINT" (acted on), and → the job's end (after
//              the final checkpoint or the app's stop), median of 5;
//              and the count of lines in those jobs' logs that are not crjob's (bash's job-control
//              "line N: PID Killed ( trap … )" that users read as a crash).
//
// `--base REV` measures the templates of git revision REV too, side by side (the bundled CLI with
// --templates <REV's templates/>): before and after in one run. `--tools none,blcr` (default; also
// dmtcp). The BLCR tools are the stand-ins of test/bin; DMTCP's too, unless BENCH_DMTCP_PREFIX names
// a real one (its bare app: dmtcp_launch of a bash that opens the output and execs /bin/true).
// Figures only: nothing fails on a slow machine.
// Run alone: `npm run bench:job` (builds first), or `node bench/job.mjs --base 9e21ca0`; skipped by
// `npm run bench` with BENCH_ONLY=cold|batch.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const crjob = join(root, "bin", "crjob");
const testBin = join(root, "test", "bin");
const runs = Number(process.env.BENCH_JOB_RUNS ?? 21);
const appSeconds = Number(process.env.BENCH_JOB_APP_SECONDS ?? 20);
const signalRuns = 5;
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100);
const { values: opts } = parseArgs({ options: { base: { type: "string" }, tools: { type: "string", default: "none,blcr" } } });

if (process.env.BENCH_ONLY === "cold" || process.env.BENCH_ONLY === "batch") process.exit(0); // bench/run.mjs's parts only

if (!existsSync(join(root, "dist", "cli.cjs"))) {
  console.error("bench: dist/cli.cjs missing; run `npm run bench` (it builds first)");
  process.exit(1);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// BENCH_DMTCP_PREFIX: a real DMTCP's install prefix, its bin/ first on PATH (else dmtcp_* are test/bin's stand-ins).
const dmtcpBin = process.env.BENCH_DMTCP_PREFIX ? `${join(process.env.BENCH_DMTCP_PREFIX, "bin")}:` : "";
const env = (extra = {}) => ({ ...process.env, PATH: `${dmtcpBin}${testBin}:${process.env.PATH}`, ...extra });

function spec(tool, dir, app) {
  const [command, ...args] = app;
  return [
    `name: bench-${tool}`,
    "queue: normal",
    "app:",
    `  command: ${command}`,
    `  args: [${args.map((a) => JSON.stringify(a)).join(", ")}]`,
    "  output: app.out",
    "checkpoint:",
    `  tool: ${tool}`,
    ...(tool === "none" ? [] : ["  interval: 1h"]),
    `  dir: ${join(dir, "state")}`,
    `scratch: ${join(dir, "scratch")}`,
    "",
  ].join("\n");
}

/** Render the job for `tool` and `app` with the given templates dir (or the bundled ones). */
function prepare(base, name, tool, app, templates) {
  const dir = join(base, name);
  mkdirSync(join(dir, "scratch"), { recursive: true });
  writeFileSync(join(dir, "job.yaml"), spec(tool, dir, app));
  const more = templates ? ["--templates", templates] : [];
  execFileSync(crjob, ["render", "job.yaml", "-o", "job.sh", ...more], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  return { dir, script: join(dir, "job.sh") };
}

/** An app that runs BENCH_JOB_APP_SECONDS doing next to nothing; under BLCR, one with (fake) libcr
 * (test/apps/stars: a line a second), so that the final checkpoint of the signal test works. */
const sleepApp = (tool) =>
  tool === "none" ? ["/bin/sleep", String(appSeconds)] : [join(root, "test", "apps", "stars"), "--lines", String(appSeconds), "--tick", "1"];

let jobCounter = 0;
const jobEnv = (job) => env({ LSB_JOBID: `bench${process.pid}x${++jobCounter}`, LS_SUBCWD: job.dir });

/** Wall and CPU (user+sys, itself and all its children) ms of one run, by bash's `time`. */
function timed(argv, options) {
  const script = 'TIMEFORMAT="%3R %3U %3S"; { time "$@" >/dev/null 2>&1 </dev/null; } 2>&1';
  const r = spawnSync("bash", ["-c", script, "_", ...argv], { encoding: "utf8", ...options });
  const m = /([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stdout);
  if (r.status !== 0 || !m) throw new Error(`${argv.join(" ")}: exit ${r.status}: ${r.stdout}${r.stderr}`);
  return { wall: Number(m[1]) * 1000, cpu: (Number(m[2]) + Number(m[3])) * 1000 };
}

/**
 * Each variant's /bin/true job against its bare app (interleaved runs): wall and CPU medians. CPU
 * (forks and execs, mostly) hardly depends on what else the machine runs; wall does.
 */
function overhead(variants) {
  // dmtcp: as the script has to start it, with the output file opened inside the computation.
  const dmtcpDir = join(base, "bare-dmtcp");
  mkdirSync(dmtcpDir, { recursive: true });
  const bare = {
    none: ["/bin/true"],
    blcr: [join(testBin, "cr_run"), "/bin/true"],
    dmtcp: ["bash", "-c", 'cd "$1" && DMTCP_QUIET=2 exec dmtcp_launch --new-coordinator --coord-port 0 --ckptdir . --tmpdir . bash -c \'exec "$@" >>out 2>&1\' x /bin/true', "_", dmtcpDir],
  };
  const times = variants.map(() => []);
  const bareTimes = Object.fromEntries(Object.keys(bare).map((t) => [t, []]));
  const tools = [...new Set(variants.map((v) => v.tool))];
  for (let i = 0; i <= runs; i++) {
    for (const t of tools) {
      const r = timed(bare[t], { env: env() });
      if (i > 0) bareTimes[t].push(r); // run 0 warms the page cache
    }
    variants.forEach((v, k) => {
      const r = timed(["bash", v.trueJob.script], { cwd: v.trueJob.dir, env: jobEnv(v.trueJob) });
      if (i > 0) times[k].push(r);
    });
  }
  const med = (rs, key) => median(rs.map((r) => r[key]));
  return variants.map((v, k) => ({
    job: med(times[k], "wall"),
    bare: med(bareTimes[v.tool], "wall"),
    jobCpu: med(times[k], "cpu"),
    bareCpu: med(bareTimes[v.tool], "cpu"),
  }));
}

/** Start a job (own process group, as LSF does), collecting its output lines with their times. */
function start(job) {
  const child = spawn("bash", [job.script], { cwd: job.dir, env: jobEnv(job), detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const lines = [];
  let rest = "";
  child.stdout.on("data", (d) => {
    const now = performance.now();
    const parts = (rest + d).split("\n");
    rest = parts.pop();
    for (const text of parts) lines.push({ text, at: now });
  });
  child.stderr.on("data", (d) => lines.push({ text: `stderr: ${d}`, at: performance.now() }));
  const done = new Promise((r) => child.on("close", r));
  return { child, lines, done };
}

async function until(run, re, timeoutMs = 60_000) {
  const t0 = performance.now();
  for (;;) {
    const hit = run.lines.find((l) => re.test(l.text));
    if (hit) return hit;
    if (performance.now() - t0 > timeoutMs) throw new Error(`no line ${re} in:\n${run.lines.map((l) => l.text).join("\n")}`);
    await sleep(2);
  }
}

/** utime+stime+cutime+cstime of a process, in clock ticks. */
function ticks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // f[0] is field 3
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

/** ticks() of the job's first process and of its children that run the same script (not the app). */
function scriptTicks(pid) {
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  let sum = ticks(pid);
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid && readFileSync(`/proc/${d}/cmdline`, "utf8") === cmdline) sum += ticks(Number(d));
    } catch {
      /* gone */
    }
  }
  return sum;
}

/** Script CPU (% of a core) while the sleep app runs; all variants at once, over the same time. */
async function cpu(variants) {
  const started = variants.map((v) => start(v.sleepJob));
  await Promise.all(started.map((r) => until(r, /crjob: fresh start/)));
  await sleep(2000);
  const t0 = performance.now();
  const before = started.map((r) => scriptTicks(r.child.pid));
  await sleep((appSeconds - 4) * 1000);
  const after = started.map((r) => scriptTicks(r.child.pid));
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(started.map((r) => r.done));
  started.forEach((r, k) => {
    if (!r.lines.some((l) => /crjob: end: done/.test(l.text))) throw new Error(`${variants[k].label}: job did not end well:\n${r.lines.map((l) => l.text).join("\n")}`);
  });
  return { seconds, pct: before.map((b, k) => ((after[k] - b) / CLK_TCK / seconds) * 100) };
}

/** Milliseconds from INT to the process group to "received SIGINT", and to the script's end. */
async function signalLatency(v) {
  const received = [];
  const acted = [];
  const ended = [];
  let noise = 0; // lines in the job log that are not crjob's (bash's "line N: PID Killed …")
  for (let i = 0; i < signalRuns; i++) {
    rmSync(join(v.sleepJob.dir, "state"), { recursive: true, force: true }); // a fresh start each time
    const run = start(v.sleepJob);
    await until(run, /crjob: fresh start/);
    await sleep(700 + 130 * i); // at different phases of a 1 s tick, if the script has one
    const t0 = performance.now();
    process.kill(-run.child.pid, "SIGINT");
    received.push((await until(run, /crjob: received SIGINT/)).at - t0);
    // tool none: the app is not shielded from INT; it may end first, and the script ends with it
    acted.push((await until(run, /crjob: (stopping on SIGINT|app exited)/)).at - t0);
    ended.push((await until(run, /crjob: end: killed signal=INT/)).at - t0);
    await run.done;
    noise += run.lines.filter((l) => !l.text.startsWith("crjob: ")).length;
  }
  return { received: median(received), acted: median(acted), ended: median(ended), endedMax: Math.max(...ended), noise };
}

const base = mkdtempSync(join(tmpdir(), "crjob-bench-job-"));
try {
  const sets = [{ name: "now", templates: undefined }];
  if (opts.base) {
    const dir = join(base, "base");
    mkdirSync(dir);
    execFileSync("bash", ["-c", 'git -C "$1" archive "$2" templates | tar -x -C "$3"', "_", root, opts.base, dir]);
    sets.unshift({ name: opts.base, templates: join(dir, "templates") });
  }
  const variants = [];
  for (const tool of opts.tools.split(",")) {
    for (const set of sets) {
      const name = `${tool}-${set.name}`;
      variants.push({
        tool,
        label: `${tool.padEnd(5)} ${set.name}`,
        trueJob: prepare(base, `${name}-true`, tool, ["/bin/true"], set.templates),
        sleepJob: prepare(base, `${name}-sleep`, tool, sleepApp(tool), set.templates),
      });
    }
  }
  const over = overhead(variants);
  const { seconds, pct } = await cpu(variants);
  const sig = [];
  for (const v of variants) sig.push(await signalLatency(v));
  const resolution = (1 / CLK_TCK / seconds) * 100;
  const dmtcpWhat = opts.tools.split(",").includes("dmtcp") ? (dmtcpBin ? `, DMTCP of ${process.env.BENCH_DMTCP_PREFIX}` : ", stand-ins for DMTCP") : "";
  console.log(`Job: the generated script's own cost (bash ${spawnSync("bash", ["-c", "echo $BASH_VERSION"], { encoding: "utf8" }).stdout.trim()}, stand-ins of test/bin for BLCR${dmtcpWhat})`);
  console.log(`  load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}; ${runs} runs for the /bin/true job`);
  console.log("  tool  templates   /bin/true job over the bare app: wall, CPU    script CPU while the app runs   INT → received / acted on / job ended (max)   other lines in the log");
  variants.forEach((v, k) => {
    const o = over[k];
    console.log(
      `  ${v.label.padEnd(16)}  ${(o.job - o.bare).toFixed(1).padStart(6)} ms (${o.job.toFixed(1)} − ${o.bare.toFixed(1)}), ${(o.jobCpu - o.bareCpu).toFixed(1).padStart(5)} ms CPU` +
        `   ${pct[k].toFixed(3).padStart(6)} % of a core` +
        `                ${sig[k].received.toFixed(0).padStart(4)} / ${sig[k].acted.toFixed(0)} / ${sig[k].ended.toFixed(0)} ms (${sig[k].endedMax.toFixed(0)})`.padEnd(36) +
        `   ${sig[k].noise} in ${signalRuns} jobs`,
    );
  });
  console.log(`  (targets: overhead <= 100 ms, CPU <= 0.1 % (resolution ${resolution.toFixed(3)} % over ${seconds.toFixed(1)} s), signals acted on within 1 s)`);
} finally {
  rmSync(base, { recursive: true, force: true });
}
