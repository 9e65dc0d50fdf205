#!/usr/bin/env node
// Bulk render of two (or more) built crjob trees, interleaved, to tell a change's effect from the
// machine's drift: `crjob render <N specs> --site examples/site.yaml --outdir OUT` with each tree's
// dist/cli.cjs in turn (the order reversed every other round), a new output directory each time
// (the last one deleted first, so that every run writes into memory the machine has used before;
// run.mjs, BENCH_KEEP). Prints each tree's median wall and CPU (user + sys, all threads) time.
//
//   node bench/compare.mjs [--rounds N] [--threads T] [--check] TREE[:T] TREE[:T] ...
//
// TREE is a checkout with `npm run build` done (`git worktree add /tmp/base REV`, then build
// there); `:T` runs that tree with CRJOB_THREADS=T (else --threads, else crjob's default).
// --check times `render --check` of a fresh output instead. BENCH_SPECS (default 10000) and
// BENCH_DIR (default /dev/shm where there is one) as in run.mjs. Figures only.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSpecs } from "./specs.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
let rounds = 9;
let threads;
let check = false;
const trees = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--rounds") rounds = Number(args[++i]);
  else if (args[i] === "--threads") threads = args[++i];
  else if (args[i] === "--check") check = true;
  else trees.push(args[i]);
}
if (trees.length < 1 || !(rounds > 0)) {
  console.error("usage: compare.mjs [--rounds N] [--threads T] [--check] TREE[:T] TREE[:T] ...");
  process.exit(2);
}
const runs = trees.map((t) => {
  const [dir, t1 = threads] = t.split(":");
  const cli = join(resolve(dir), "dist", "cli.cjs");
  if (!existsSync(cli)) throw new Error(`${cli}: missing (npm run build in ${dir})`);
  return { label: t, cli, threads: t1, wall: [], cpu: [] };
});

/** CPU time (ms) of the children this process has waited for (Linux: /proc; 10 ms resolution). */
function childrenCpu() {
  const f = readFileSync("/proc/self/stat", "utf8").replace(/^.*\) /, "").split(" ");
  return (Number(f[13]) + Number(f[14])) * 10;
}

const base = process.env.BENCH_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
const dir = mkdtempSync(join(base, "crjob-compare-"));
try {
  const specs = writeSpecs(join(dir, "specs"), Number(process.env.BENCH_SPECS ?? 10000));
  const site = join(root, "examples", "site.yaml");
  const render = (run, out, more = []) => {
    const env = { ...process.env, CRJOB_SITE: "" };
    if (run.threads) env.CRJOB_THREADS = run.threads;
    const c0 = childrenCpu();
    const t0 = performance.now();
    const p = spawnSync(process.execPath, [run.cli, "render", ...more, ...specs, "--site", site, "--outdir", out], { cwd: dir, env });
    const wall = performance.now() - t0;
    if (p.status !== 0) throw new Error(`${run.label}: exit ${p.status}: ${p.stderr}`);
    return { wall, cpu: childrenCpu() - c0 };
  };
  const out = join(dir, "out");
  for (let r = 0; r < rounds; r++) {
    for (const run of r % 2 ? [...runs].reverse() : runs) {
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out);
      let t = render(run, out);
      if (check) t = render(run, out, ["--check"]);
      run.wall.push(t.wall);
      run.cpu.push(t.cpu);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(`${check ? "render --check" : "render --outdir"} of ${specs.length} specs in ${base}, ${rounds} interleaved rounds`);
  for (const run of runs) {
    console.log(`  ${run.label}: wall ${median(run.wall).toFixed(0)} ms, CPU ${median(run.cpu).toFixed(0)} ms  (walls ${run.wall.map((w) => w.toFixed(0)).join(" ")})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
