#!/usr/bin/env node
// Start-up and throughput figures for crjob (run through `npm run bench`, which builds first).
//
//   cold start:  median wall time of N interleaved runs of `node -e ''` and of every crjob verb
//                (render, validate, --version, schema, init, status, submit --dry-run, clean, run),
//                and each one's ratio to bare node (target <= 1.5)
//   throughput:  `crjob render <10,000 specs> --site examples/site.yaml --outdir OUT` and
//                `crjob render --check` of the same specs against that output (wall), each run
//                beside a floor run, and their ratios to the floor (targets <= 2 and <= 1)
//
//   floor:       the same number of files written by a bare loop (temporary name, chmod, rename, as
//                crjob used to write), in the same file system: what creating files costs there
//                (in this process: no start-up; `node -e ''` is timed beside it, and the ratios are
//                printed once more without Node's start-up)
//   bound:       bench/bound.mjs, a Node process of its own that does only the file work: reads
//                each spec and writes a script's bytes (the --outdir bound), or reads each spec and
//                each script and takes its CRC-32 (the --check bound); no parsing, no checks, no
//                rendering, one thread. What any Node CLI pays for these files; crjob's figures
//                beside it show what its own work adds.
//
// Options (environment): BENCH_RUNS (cold-start runs, default 31), BENCH_SPECS (default 10000),
// BENCH_BATCH_RUNS (throughput runs, default 3), BENCH_ONLY=cold|batch, BENCH_DIR (where specs and
// scripts go; default the system temp dir; /dev/shm shows crjob without the disk).
// Figures only: nothing here fails on a slow machine (targets are printed next to them).
import { spawnSync } from "node:child_process";
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSpecs } from "./specs.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const crjob = join(root, "bin", "crjob");
const runs = Number(process.env.BENCH_RUNS ?? 31);
const specCount = Number(process.env.BENCH_SPECS ?? 10000);
const batchRuns = Number(process.env.BENCH_BATCH_RUNS ?? 3);
const only = process.env.BENCH_ONLY;

if (!existsSync(join(root, "dist", "cli.mjs"))) {
  console.error("bench: dist/cli.mjs missing; run `npm run bench` (it builds first)");
  process.exit(1);
}

const devNull = openSync("/dev/null", "w");

/** CPU time (user + system, ms) of the children this process has waited for (Linux: /proc). */
function childrenCpu() {
  try {
    const fields = readFileSync("/proc/self/stat", "utf8").replace(/^.*\) /, "").split(" ");
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // cutime + cstime, USER_HZ 100
  } catch {
    return NaN;
  }
}
/** CPU time of the last timeOnce's command (ms; 10 ms resolution): figures that load does not skew. */
let lastCpu = NaN;

/** Wall time of one run in ms; throws when the command fails. */
function timeOnce(cmd, args, opts = {}) {
  const cpu0 = childrenCpu();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ["ignore", devNull, "pipe"], cwd: opts.cwd ?? root, maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  lastCpu = childrenCpu() - cpu0;
  if (r.status !== (opts.status ?? 0)) {
    const err = String(r.stderr);
    throw new Error(`${[cmd, ...args].slice(0, 6).join(" ")} …: exit ${r.status}\n${err.slice(0, 2000)}${err.length > 2000 ? "…" : ""}`);
  }
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (ms) => `${ms.toFixed(1).padStart(7)} ms`;

function coldStart() {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), "crjob-cold-"));
  try {
    writeFileSync(join(dir, "site.yaml"), `state_root: ${join(dir, "state")}\n`);
    const stars = join(root, "examples", "stars.yaml");
    const site = join(root, "examples", "site.yaml");
    let inits = 0;
    const cases = [
      ["node -e ''", process.execPath, ["-e", ""]],
      ["crjob render examples/stars.yaml --site examples/site.yaml", crjob, ["render", stars, "--site", site]],
      ["crjob validate examples/stars.yaml --site examples/site.yaml", crjob, ["validate", stars, "--site", site]],
      ["crjob --version", crjob, ["--version"]],
      ["crjob schema", crjob, ["schema"]],
      ["crjob init jN (a new spec each run)", crjob, () => ["init", `j${inits++}`]],
      ["crjob status --site S (no jobs)", crjob, ["status", "--site", join(dir, "site.yaml")]],
      ["crjob submit --dry-run examples/stars.yaml", crjob, ["submit", "--dry-run", stars, "--site", site]],
      ["crjob clean nojob --yes --site S (nothing to clean)", crjob, ["clean", "nojob", "--yes", "--site", join(dir, "site.yaml")]],
      ["crjob run examples/stars.yaml (no --local: exit 2)", crjob, ["run", stars], 2],
    ];
    const times = cases.map(() => []);
    const once = ([, cmd, args, status]) => timeOnce(cmd, typeof args === "function" ? args() : args, { cwd: dir, status });
    // Warm the page cache, then interleave so that load on the machine hits every case alike.
    for (const c of cases) once(c);
    for (let i = 0; i < runs; i++) cases.forEach((c, k) => times[k].push(once(c)));

    const base = median(times[0]);
    console.log(`Cold start: median of ${runs} interleaved runs (wall, ${process.version}, ${process.platform}); target <= 1.5x node`);
    let worst = 0;
    cases.forEach(([label], k) => {
      const m = median(times[k]);
      if (k > 0) worst = Math.max(worst, m / base);
      const ratio = k === 0 ? "" : `  ${(m / base).toFixed(2)}x node`;
      console.log(`  ${fmt(m)}  (min ${Math.min(...times[k]).toFixed(1)})${ratio.padEnd(12)}  ${label}`);
    });
    console.log(`  slowest verb/node ratio ${worst.toFixed(2)} (target <= 1.5)`);
    return worst;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Milliseconds for a bare loop to write `count` files of `bytes` into `out`, as crjob does. */
function writeFloor(out, count, bytes) {
  mkdirSync(out);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const file = join(out, `job-${i}.sh`);
    const tmp = join(out, `.job-${i}.sh.tmp`);
    writeFileSync(tmp, bytes, { mode: 0o755 });
    chmodSync(tmp, 0o755);
    renameSync(tmp, file);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  lastCpu = (cpu.user + cpu.system) / 1000;
  return ms;
}

/** Flush what earlier runs wrote, so that write-back does not land on the next timed run. */
const settle = () => spawnSync("sync");

function batch() {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), "crjob-bench-"));
  try {
    const files = writeSpecs(join(dir, "specs"), specCount);
    const site = join(root, "examples", "site.yaml");
    const sample = Buffer.from(readFileSync(join(root, "examples", "stars.sh")));
    const [times, checks, floors, starts, writeBounds, checkBounds] = [[], [], [], [], [], []];
    const cpu = { times: [], checks: [], floors: [] };
    // Relative spec paths (cwd = dir) keep the command line short.
    const render = (out, ...more) => timeOnce(crjob, ["render", ...more, ...files, "--site", site, "--outdir", out], { cwd: dir });
    const bound = (...args) => timeOnce(process.execPath, [join(root, "bench", "bound.mjs"), ...args], { cwd: dir });
    // Side by side: each run times the floor, a render into a new directory, and a --check of it.
    for (let i = 0; i < batchRuns; i++) {
      settle();
      starts.push(timeOnce(process.execPath, ["-e", ""])); // what any CLI in Node pays before its first spec
      floors.push(writeFloor(join(dir, `floor${i}`), specCount, sample));
      cpu.floors.push(lastCpu);
      const out = join(dir, `out${i}`);
      mkdirSync(out);
      settle();
      times.push(render(`out${i}`));
      cpu.times.push(lastCpu);
      const written = readdirSync(out).filter((f) => f.endsWith(".sh")).length;
      if (written !== specCount) throw new Error(`expected ${specCount} scripts in ${out}, found ${written}`);
      settle();
      checks.push(render(`out${i}`, "--check"));
      cpu.checks.push(lastCpu);
      mkdirSync(join(dir, `bound${i}`));
      settle();
      writeBounds.push(bound("write", join(root, "examples", "stars.sh"), `bound${i}`, ...files));
      settle();
      checkBounds.push(bound("check", `out${i}`, ...files));
    }
    settle();
    const again = render("out0"); // over its own earlier output: each target is read to check it is crjob's
    const floor = median(floors);
    const where = process.env.BENCH_DIR ?? tmpdir();
    console.log(`Batch: ${specCount} varied specs in ${where}, median of ${batchRuns} runs (wall, ${availableParallelism()} cores)`);
    console.log(`  ${fmt(floor)}  (min ${Math.min(...floors).toFixed(1)})  floor: a bare loop in one process writing ${specCount} files of ${sample.length} bytes there (temporary name, chmod, rename)`);
    console.log(`  ${fmt(median(times))}  (min ${Math.min(...times).toFixed(1)})  crjob render <${specCount} specs> --site examples/site.yaml --outdir OUT`);
    console.log(`  ${fmt(again)}  same, over the previous output`);
    console.log(`  ${fmt(median(checks))}  (min ${Math.min(...checks).toFixed(1)})  crjob render --check <${specCount} specs> --outdir OUT`);
    console.log(`  render --outdir / floor ${(median(times) / floor).toFixed(2)} (target <= 2); render --check / floor ${(median(checks) / floor).toFixed(2)} (target <= 1)`);
    // The floor runs inside this process; crjob is a new one, and Node's own start-up (before any
    // line of crjob runs) is part of its time. The same ratios without it, for what crjob itself adds:
    const start = median(starts);
    const [wb, cb] = [median(writeBounds), median(checkBounds)];
    console.log(`  ${fmt(wb)}  bound for --outdir: node bench/bound.mjs write (read each spec, write a script's bytes; one thread): ` +
      `${(wb / floor).toFixed(2)}x floor; crjob ${(median(times) / wb).toFixed(2)}x this bound`);
    console.log(`  ${fmt(cb)}  bound for --check: node bench/bound.mjs check (read each spec and script, CRC-32; one thread): ` +
      `${(cb / floor).toFixed(2)}x floor; crjob ${(median(checks) / cb).toFixed(2)}x this bound`);
    console.log(`  ${fmt(start)}  node -e '' (Node's start-up, same runs); without it: render --outdir / floor ` +
      `${((median(times) - start) / floor).toFixed(2)}, render --check / floor ${((median(checks) - start) / floor).toFixed(2)}`);
    // Wall time is what the targets are about, but on a shared machine it mostly measures the load;
    // CPU time (all threads) over cores shows what the same runs take on an idle one.
    const cores = Math.min(availableParallelism(), 2);
    const [cf, cr, cc] = [median(cpu.floors), median(cpu.times), median(cpu.checks)];
    console.log(`  CPU (user+sys, all threads): floor ${cf.toFixed(0)} ms, render ${cr.toFixed(0)} ms, --check ${cc.toFixed(0)} ms; ` +
      `CPU/${cores} cores vs floor CPU: render ${(cr / cores / cf).toFixed(2)}, --check ${(cc / cores / cf).toFixed(2)}`);
    return median(times);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  // The CLI validates with the standalone code, tests with ajv: they must agree (exit 1 if not).
  const check = spawnSync(process.execPath, [join(root, "bench", "standalone-check.mjs")], { stdio: "inherit" });
  if (check.status !== 0) process.exitCode = 1;
  if (only !== "batch") coldStart();
  if (only !== "cold") batch();
} finally {
  closeSync(devNull);
}
