// Varied, valid job specs for the throughput bench (queues from examples/site.yaml).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const BLCR_QUEUES = ["mw256", "test", "tinymem"];
const PLAIN_QUEUES = ["hp12", "mw128"];
const INTERVALS = ["30m", "1h", "6h", "12h", "1d", "2h30m"];
const RUNLIMITS = ["36h", "48h", "2d", "36:00", 2880, "3d"]; // all longer than any interval

/** YAML for spec number `i`: a different mix of optional fields for each. */
export function specYaml(i) {
  const name = `job-${String(i).padStart(5, "0")}`;
  const blcr = i % 4 !== 3;
  const queue = blcr ? BLCR_QUEUES[i % BLCR_QUEUES.length] : PLAIN_QUEUES[i % PLAIN_QUEUES.length];
  const lines = [`# bench spec ${i}`, `name: ${name}`, `queue: ${queue}`];
  if (i % 5 === 0) lines.push(`slots: ${1 + (i % 8)}`);
  if (i % 7 === 0) lines.push(`mode: ${blcr ? ["auto", "fresh", "restart"][i % 3] : "fresh"}`);
  lines.push("app:", `  command: ./app-${i % 13}`);
  if (i % 2 === 0) lines.push(`  args: [-n, "${i}", --label, "run of 'today' $HOME", "a b"]`);
  if (i % 3 === 0) lines.push(`  output: out-${i}.log`);
  if (i % 6 === 0) lines.push("  env:", `    OMP_NUM_THREADS: "${1 + (i % 4)}"`, `    RUN_ID: "r${i}"`);
  if (i % 3 !== 1) {
    lines.push("stage:", `  in: [app-${i % 13}, inputs/, "params ${i % 5}.conf"]`, `  out: ["results/*.dat", out-${i}.log]`);
  }
  lines.push("checkpoint:");
  if (blcr) {
    lines.push("  tool: blcr", `  interval: ${INTERVALS[i % INTERVALS.length]}`);
    if (i % 4 === 0) lines.push(`  keep: ${1 + (i % 3)}`);
  } else {
    lines.push("  tool: none");
  }
  lines.push("lsf:", `  output: ${name}.%J.out`);
  if (i % 2 === 1) lines.push(`  error: ${name}.%J.err`);
  if (i % 3 === 0) lines.push(`  runlimit: ${JSON.stringify(RUNLIMITS[i % RUNLIMITS.length])}`);
  if (i % 4 === 1) lines.push(`  resources: "select[mem>${1000 + i}] rusage[mem=${1000 + i}]"`);
  return lines.join("\n") + "\n";
}

/** Write `count` specs into `dir`; returns their paths relative to dir's parent ("specs/…"). */
export function writeSpecs(dir, count) {
  mkdirSync(dir, { recursive: true });
  const files = [];
  for (let i = 0; i < count; i++) {
    const file = `job-${String(i).padStart(5, "0")}.yaml`;
    writeFileSync(join(dir, file), specYaml(i));
    files.push(join("specs", file));
  }
  return files;
}
