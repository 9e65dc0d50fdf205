// `npm run test:mutants:ts`: StrykerJS over the spec code (stryker.config.mjs), then one line with
// the score, for people and for `npm run test:mutants`, which runs this beside the template mutants.
// Exit 1 when the score is under the break threshold (or Stryker fails), 0 otherwise.
//
// Arguments go to `stryker run`: e.g. `--incremental` (reuse reports/stryker-incremental.json:
// retest only mutants whose code or covering tests changed) or `--mutate src/jobspec/load.ts`.
// With --incremental, every mutant not killed last time is dropped from that file first, so it is
// always retested: Stryker reuses a surviving static mutant (one in a module-level constant, e.g. a
// schema field) even when a new test kills it, because it records no covering tests for those.
// `--report-only` reads the last reports/mutation/mutation.json without running Stryker.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { config } from "../stryker.config.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const reportFile = join(root, config.jsonReporter.fileName);
const breakAt = config.thresholds.break;

const args = process.argv.slice(2);
const reportOnly = args.includes("--report-only");
let strykerStatus = 0;
let seconds = null;
if (!reportOnly) {
  // A report left by an earlier run must not pass for this one's.
  rmSync(reportFile, { force: true });
  if (args.includes("--incremental")) retestSurvivors(join(root, "reports/stryker-incremental.json"));
  const bin = join(dirname(createRequire(import.meta.url).resolve("@stryker-mutator/core/package.json")), "bin/stryker.js");
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, "run", ...args], { cwd: root, stdio: "inherit" });
  seconds = Number(process.hrtime.bigint() - started) / 1e9;
  strykerStatus = r.status ?? 1;
}
if (!existsSync(reportFile)) {
  console.error(`Stryker score: none (no report at ${config.jsonReporter.fileName}; stryker exited ${strykerStatus})`);
  process.exit(1);
}

const counts = summarize(JSON.parse(readFileSync(reportFile, "utf8")));
const detected = counts.Killed + counts.Timeout;
const valid = detected + counts.Survived + counts.NoCoverage;
const score = valid === 0 ? 0 : (100 * detected) / valid;

for (const s of counts.survivors) console.log(`survived: ${s}`);
const time = seconds === null ? "" : `; ${Math.round(seconds)}s`;
console.log(
  `Stryker score: ${score.toFixed(2)}% (killed ${counts.Killed}, survived ${counts.Survived}, timeout ${counts.Timeout}, ` +
    `no coverage ${counts.NoCoverage}, ignored ${counts.Ignored}, errors ${counts.CompileError + counts.RuntimeError}; ` +
    `${counts.total} mutants${time}; break at ${breakAt}%)`,
);
// Stryker itself exits 1 under the threshold, and on any other failure (then the score is not to be trusted).
process.exit(score < breakAt || strykerStatus !== 0 ? 1 : 0);

/** Mutant counts by status, and "file:line mutator → replacement" for each survivor. */
function summarize(report) {
  const out = { Killed: 0, Survived: 0, Timeout: 0, NoCoverage: 0, Ignored: 0, CompileError: 0, RuntimeError: 0, Pending: 0, total: 0, survivors: [] };
  for (const [file, result] of Object.entries(report.files)) {
    for (const m of result.mutants) {
      out[m.status] = (out[m.status] ?? 0) + 1;
      out.total++;
      if (m.status === "Survived" || m.status === "NoCoverage") {
        const where = `${file}:${m.location.start.line}:${m.location.start.column}`;
        out.survivors.push(`${where} ${m.mutatorName}${m.status === "NoCoverage" ? " (no coverage)" : ""} → ${JSON.stringify(m.replacement ?? "")}`);
      }
    }
  }
  return out;
}

/** Keep only killed (or timed-out) mutants in Stryker's incremental file: the rest run again. */
function retestSurvivors(file) {
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, "utf8"));
  for (const result of Object.values(report.files)) {
    result.mutants = result.mutants.filter((m) => m.status === "Killed" || m.status === "Timeout");
  }
  writeFileSync(file, JSON.stringify(report));
}
