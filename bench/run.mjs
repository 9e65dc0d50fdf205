#!/usr/bin/env node
// Start-up and throughput figures for crjob (run through `npm run bench`, which builds first).
//
//   cold start:  median wall time of N interleaved runs of `node -e ''`, `crjob render` and
//                `crjob validate` of examples/stars.yaml, and the ratio to bare node
//   throughput:  `crjob render <10,000 specs> --site examples/site.yaml --outdir OUT` (wall)
//
//   floor:       the same number of files written by a bare loop (temporary name, chmod, rename, as
//                crjob writes), in the same file system: what creating files costs there
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

/** Wall time of one run in ms; throws when the command fails. */
function timeOnce(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ["ignore", devNull, "pipe"], cwd: opts.cwd ?? root, maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
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
  const cases = [
    ["node -e ''", process.execPath, ["-e", ""]],
    ["crjob render examples/stars.yaml --site examples/site.yaml", crjob, ["render", "examples/stars.yaml", "--site", "examples/site.yaml"]],
    ["crjob validate examples/stars.yaml --site examples/site.yaml", crjob, ["validate", "examples/stars.yaml", "--site", "examples/site.yaml"]],
    ["crjob --version", crjob, ["--version"]],
  ];
  const times = cases.map(() => []);
  // Warm the page cache, then interleave so that load on the machine hits every case alike.
  for (const [, cmd, args] of cases) timeOnce(cmd, args);
  for (let i = 0; i < runs; i++) cases.forEach(([, cmd, args], k) => times[k].push(timeOnce(cmd, args)));

  const base = median(times[0]);
  console.log(`Cold start: median of ${runs} interleaved runs (wall, ${process.version}, ${process.platform})`);
  cases.forEach(([label], k) => {
    const m = median(times[k]);
    const ratio = k === 0 ? "" : `  ${(m / base).toFixed(2)}x node`;
    console.log(`  ${fmt(m)}  (min ${Math.min(...times[k]).toFixed(1)})${ratio.padEnd(12)}  ${label}`);
  });
  const ratio = median(times[1]) / base;
  console.log(`  render/node ratio ${ratio.toFixed(2)} (target <= 1.5)`);
  return ratio;
}

/** Milliseconds for a bare loop to write `count` files of `bytes` into `out`, as crjob does. */
function writeFloor(out, count, bytes) {
  mkdirSync(out);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const file = join(out, `job-${i}.sh`);
    const tmp = join(out, `.job-${i}.sh.tmp`);
    writeFileSync(tmp, bytes, { mode: 0o755 });
    chmodSync(tmp, 0o755);
    renameSync(tmp, file);
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Flush what earlier runs wrote, so that write-back does not land on the next timed run. */
const settle = () => spawnSync("sync");

function batch() {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), "crjob-bench-"));
  try {
    const files = writeSpecs(join(dir, "specs"), specCount);
    const site = join(root, "examples", "site.yaml");
    const sample = Buffer.from(readFileSync(join(root, "examples", "stars.sh")));
    const times = [];
    const floors = [];
    // Relative spec paths (cwd = dir) keep the command line short.
    const render = (out, ...more) => timeOnce(crjob, ["render", ...more, ...files, "--site", site, "--outdir", out], { cwd: dir });
    for (let i = 0; i < batchRuns; i++) {
      settle();
      floors.push(writeFloor(join(dir, `floor${i}`), specCount, sample));
      const out = join(dir, `out${i}`);
      mkdirSync(out);
      settle();
      times.push(render(`out${i}`));
      const written = readdirSync(out).filter((f) => f.endsWith(".sh")).length;
      if (written !== specCount) throw new Error(`expected ${specCount} scripts in ${out}, found ${written}`);
    }
    settle();
    const again = render("out0"); // over its own earlier output: each target is read to check it is crjob's
    settle();
    const check = render("out0", "--check");
    const where = process.env.BENCH_DIR ?? tmpdir();
    console.log(`Batch: ${specCount} varied specs in ${where}, median of ${batchRuns} runs (wall, ${availableParallelism()} cores)`);
    console.log(`  ${fmt(median(times))}  (min ${Math.min(...times).toFixed(1)})  crjob render <${specCount} specs> --site examples/site.yaml --outdir OUT  (target < 1500 ms)`);
    console.log(`  ${fmt(again)}  same, over the previous output`);
    console.log(`  ${fmt(check)}  crjob render --check <${specCount} specs> --outdir OUT`);
    console.log(`  ${fmt(median(floors))}  (min ${Math.min(...floors).toFixed(1)})  floor: a bare loop in one process writing ${specCount} files of ${sample.length} bytes there (temporary name, chmod, rename)`);
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
