#!/usr/bin/env node
// Start-up and throughput figures for crjob (run through `npm run bench`, which builds first).
//
//   cold start:  N interleaved rounds of `node -e ''` and of every crjob verb (render, validate,
//                --version, schema, init, status, submit --dry-run, clean, run): median wall time,
//                and the median over rounds of each one's ratio to that round's bare node (target
//                <= 1.5)
//   throughput:  `crjob render <10,000 specs> --site examples/site.yaml --outdir OUT` and
//                `crjob render --check` of the same specs against that output (wall), each run
//                between two floor runs, and each run's ratio to the mean of those two (targets
//                <= 2 and <= 1): the medians of those ratios, and every run's
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
// BENCH_BATCH_RUNS (throughput runs, default 5), BENCH_ONLY=cold|batch, BENCH_DIR (where the batch's specs and
// scripts go; default /dev/shm where there is one, else the system temp dir: tmpfs has no disk and
// none of ext4's costs after deletes, so its floor holds still from run to run), BENCH_KEEP=1
// (keep every run's files until the end, as before session 24: each run then writes into memory
// the guest has not touched since boot, which on this VM costs up to 5x the floor; see the README,
// "Fresh memory").
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
const batchRuns = Number(process.env.BENCH_BATCH_RUNS ?? 5);
const only = process.env.BENCH_ONLY;
/**
 * Delete each run's files once they are measured (the default), so that every run writes into
 * page cache memory the guest has used before: on a VM a page the guest never touched costs a trip
 * to the hypervisor, and files kept run after run (4-5 GB) reach such memory, which makes the floor
 * up to 5x as slow as in a warm machine, and slower still from run to run (README, "Fresh memory").
 */
const keep = process.env.BENCH_KEEP === "1";
/** Where the batch runs (see BENCH_DIR above). */
const batchDir = process.env.BENCH_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
const drop = (path) => {
  if (!keep) rmSync(path, { recursive: true, force: true });
};

if (!existsSync(join(root, "dist", "cli.cjs"))) {
  console.error("bench: dist/cli.cjs missing; run `npm run bench` (it builds first)");
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

    // Each round runs every case once; a case's figure is the median over rounds of its time over
    // that round's `node -e ''`, so that load that comes and goes (a shared host) hits both sides
    // of each ratio alike.
    const ratios = times.map((ts) => ts.map((t, i) => t / times[0][i]));
    console.log(`Cold start: ${runs} interleaved rounds (wall, ${process.version}, ${process.platform}); ratio = median over rounds of the verb's time / that round's node -e ''; target <= 1.5`);
    let worst = 0;
    cases.forEach(([label], k) => {
      const r = median(ratios[k]);
      if (k > 0) worst = Math.max(worst, r);
      const ratio = k === 0 ? "" : `  ${r.toFixed(2)}x node`;
      console.log(`  ${fmt(median(times[k]))}  (min ${Math.min(...times[k]).toFixed(1)})${ratio.padEnd(12)}  ${label}`);
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
  const dir = mkdtempSync(join(batchDir, "crjob-bench-"));
  try {
    const files = writeSpecs(join(dir, "specs"), specCount);
    const site = join(root, "examples", "site.yaml");
    const sample = Buffer.from(readFileSync(join(root, "examples", "stars.sh")));
    const floors = [];
    const cpuFloors = [];
    const runs = []; // per run: { render, check, writeBound, checkBound, start, cpuRender, cpuCheck }
    // Relative spec paths (cwd = dir) keep the command line short.
    const render = (out, ...more) => timeOnce(crjob, ["render", ...more, ...files, "--site", site, "--outdir", out], { cwd: dir });
    const bound = (...args) => timeOnce(process.execPath, [join(root, "bench", "bound.mjs"), ...args], { cwd: dir });
    const floorRun = (i) => {
      settle();
      floors.push(writeFloor(join(dir, `floor${i}`), specCount, sample));
      cpuFloors.push(lastCpu);
      drop(join(dir, `floor${i}`));
    };
    // Untimed: one floor's worth of files written and deleted, so that the first timed run, like
    // every later one, writes into memory the guest has used (unless BENCH_KEEP=1).
    if (!keep) {
      settle();
      writeFloor(join(dir, "warm"), specCount, sample);
      drop(join(dir, "warm"));
    }
    // Side by side, bracketed: floor, then crjob's runs, then the floor again (which opens the
    // next run). The file system's speed drifts within minutes (see "Why the floor moves" in the
    // README), so each run of crjob is compared with the floor runs just before and just after it,
    // and the figures are the medians of those per-run ratios, not a ratio of medians.
    floorRun(0);
    for (let i = 0; i < batchRuns; i++) {
      const r = {};
      r.start = timeOnce(process.execPath, ["-e", ""]); // what any CLI in Node pays before its first spec
      const out = join(dir, `out${i}`);
      mkdirSync(out);
      settle();
      r.render = render(`out${i}`);
      r.cpuRender = lastCpu;
      const written = readdirSync(out).filter((f) => f.endsWith(".sh")).length;
      if (written !== specCount) throw new Error(`expected ${specCount} scripts in ${out}, found ${written}`);
      settle();
      r.check = render(`out${i}`, "--check");
      r.cpuCheck = lastCpu;
      mkdirSync(join(dir, `bound${i}`));
      settle();
      r.writeBound = bound("write", join(root, "examples", "stars.sh"), `bound${i}`, ...files);
      drop(join(dir, `bound${i}`));
      settle();
      r.checkBound = bound("check", `out${i}`, ...files);
      if (i < batchRuns - 1) drop(join(dir, `out${i}`)); // the last one is rendered over below
      floorRun(i + 1);
      r.floor = (floors[i] + floors[i + 1]) / 2;
      r.cpuFloor = (cpuFloors[i] + cpuFloors[i + 1]) / 2;
      runs.push(r);
    }
    settle();
    const again = render(`out${batchRuns - 1}`); // over its own earlier output: each target is read to check it is crjob's
    const where = batchDir;
    const col = (k) => runs.map((r) => r[k]);
    const ratio = (k, by = "floor") => runs.map((r) => r[k] / r[by]);
    const spread = (xs) => `median ${median(xs).toFixed(2)}, runs ${xs.map((x) => x.toFixed(2)).join(" ")}`;
    console.log(`Batch: ${specCount} varied specs in ${where}, ${batchRuns} runs, each between two floor runs (wall, ${availableParallelism()} cores)`);
    console.log(`  floor: a bare loop in one process writing ${specCount} files of ${sample.length} bytes there (temporary name, chmod, rename)`);
    console.log(`  memory: ${keep ? "every run's files kept (BENCH_KEEP=1): runs write into memory the guest has not used before" : "each run's files deleted once measured: runs write into memory the guest has used (BENCH_KEEP=1: keep them)"}`);
    console.log(`  ${fmt(median(floors))}  floor runs: ${floors.map((f) => f.toFixed(0)).join(", ")} ms`);
    console.log(`  ${fmt(median(col("render")))}  (min ${Math.min(...col("render")).toFixed(1)})  crjob render <${specCount} specs> --site examples/site.yaml --outdir OUT`);
    console.log(`  ${fmt(again)}  same, over the previous output`);
    console.log(`  ${fmt(median(col("check")))}  (min ${Math.min(...col("check")).toFixed(1)})  crjob render --check <${specCount} specs> --outdir OUT`);
    console.log(`  render --outdir / its floor: ${spread(ratio("render"))} (target <= 2)`);
    console.log(`  render --check / its floor:  ${spread(ratio("check"))} (target <= 1)`);
    // The floor runs inside this process; crjob is a new one, and Node's own start-up (before any
    // line of crjob runs) is part of its time. The bounds: what a Node process doing only the file work takes.
    console.log(`  ${fmt(median(col("writeBound")))}  bound for --outdir: node bench/bound.mjs write (read each spec, write a script's bytes; one thread): ` +
      `${median(ratio("writeBound")).toFixed(2)}x floor; crjob ${median(ratio("render", "writeBound")).toFixed(2)}x this bound`);
    console.log(`  ${fmt(median(col("checkBound")))}  bound for --check: node bench/bound.mjs check (read each spec and script, CRC-32; one thread): ` +
      `${median(ratio("checkBound")).toFixed(2)}x floor; crjob ${median(ratio("check", "checkBound")).toFixed(2)}x this bound`);
    const without = (k) => median(runs.map((r) => (r[k] - r.start) / r.floor));
    console.log(`  ${fmt(median(col("start")))}  node -e '' (Node's start-up, same runs); without it: render --outdir / floor ` +
      `${without("render").toFixed(2)}, render --check / floor ${without("check").toFixed(2)}`);
    // Wall time is what the targets are about, but on a shared machine it mostly measures the load;
    // CPU time (all threads) over cores shows what the same runs take on an idle one.
    const cores = Math.min(availableParallelism(), 2);
    console.log(`  CPU (user+sys, all threads): floor ${median(cpuFloors).toFixed(0)} ms, render ${median(col("cpuRender")).toFixed(0)} ms, ` +
      `--check ${median(col("cpuCheck")).toFixed(0)} ms; CPU/${cores} cores vs its floor's CPU: render ${median(ratio("cpuRender", "cpuFloor").map((x) => x / cores)).toFixed(2)}, ` +
      `--check ${median(ratio("cpuCheck", "cpuFloor").map((x) => x / cores)).toFixed(2)}`);
    return median(col("render"));
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
