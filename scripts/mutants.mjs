#!/usr/bin/env node
// Mutation testing of the generated script: for each mutant of test/mutants/catalogue.mjs, apply
// its patches to a temporary copy of templates/, run its killer tests against that copy (the
// lifecycle harness renders with CRJOB_TEST_TEMPLATES as --templates), stop at the first failing
// test, and print killed/survived, the killing test and the kill rate. A failure counts as a kill
// only if that same test passes on the unmutated templates (run once per test, on demand), so a
// flaky test never kills a mutant. Exit 1 when a mutant survives or a patch no longer applies.
//
//   node scripts/mutants.mjs [--only name,name] [--every] [--list]   (npm run test:mutants builds first)
//   --every: run all of a mutant's killer tests, not just up to the first kill (shows that each
//   test named for a promise catches its mutant).
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MUTANTS } from "../test/mutants/catalogue.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const VITEST = join(ROOT, "node_modules", ".bin", "vitest");

const args = process.argv.slice(2);
const only = args.includes("--only") ? args[args.indexOf("--only") + 1].split(",") : null;
if (only) {
  const unknown = only.filter((n) => !MUTANTS.some((m) => m.name === n));
  if (unknown.length) fail(`unknown mutant(s): ${unknown.join(", ")} (known: ${MUTANTS.map((m) => m.name).join(", ")})`);
}
const every = args.includes("--every");
const chosen = MUTANTS.filter((m) => !only || only.includes(m.name));

function fail(msg) {
  console.error(`mutants: ${msg}`);
  process.exit(1);
}

/** Apply a mutant's patches to the templates under `dir`; throws naming the mutant and patch. */
function applyPatches(mutant, dir) {
  for (const [i, p] of mutant.patches.entries()) {
    const file = join(dir, p.file);
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      throw new Error(`mutant ${mutant.name}, patch ${i + 1}: no template ${p.file}`);
    }
    const count =
      typeof p.search === "string"
        ? text.split(p.search).length - 1
        : (text.match(new RegExp(p.search.source, p.search.flags.includes("g") ? p.search.flags : p.search.flags + "g")) ?? []).length;
    if (count !== 1) {
      throw new Error(
        `mutant ${mutant.name}, patch ${i + 1}: ${JSON.stringify(String(p.search))} matches ${count} times in templates/${p.file} (must be exactly once): the templates changed; write the mutant again`,
      );
    }
    writeFileSync(file, text.replace(p.search, () => p.replace));
  }
}

/** A fresh copy of templates/ with the mutant applied. */
function mutatedCopy(mutant) {
  const dir = mkdtempSync(join(tmpdir(), `crjob-mutant-${mutant.name}-`));
  cpSync(join(ROOT, "templates"), join(dir, "templates"), { recursive: true });
  applyPatches(mutant, join(dir, "templates"));
  return dir;
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Run one test (every test whose name contains `test`) in `file`; templates from `templates`. */
function runTest(killer, templates) {
  const report = join(mkdtempSync(join(tmpdir(), "crjob-mutant-report-")), "report.json");
  const env = { ...process.env };
  if (templates) env.CRJOB_TEST_TEMPLATES = templates;
  else delete env.CRJOB_TEST_TEMPLATES;
  const r = spawnSync(VITEST, ["run", killer.file, "-t", escape(killer.test), "--maxWorkers=1", "--reporter=json", `--outputFile=${report}`], {
    cwd: ROOT,
    env,
    encoding: "utf8",
  });
  let json;
  try {
    json = JSON.parse(readFileSync(report, "utf8"));
  } catch {
    throw new Error(`vitest gave no report for ${killer.file} -t ${JSON.stringify(killer.test)} (exit ${r.status}):\n${r.stderr}`);
  } finally {
    rmSync(resolve(report, ".."), { recursive: true, force: true });
  }
  const results = json.testResults.flatMap((f) => f.assertionResults);
  const ran = results.filter((t) => t.status === "passed" || t.status === "failed");
  if (ran.length === 0) throw new Error(`no test named ${JSON.stringify(killer.test)} ran in ${killer.file}: the catalogue names a test that is gone or skipped`);
  const failed = ran.filter((t) => t.status === "failed");
  return { passed: failed.length === 0, failed: failed.map((t) => `${t.fullName}: ${(t.failureMessages[0] ?? "").split("\n")[0]}`) };
}

// Every patch must apply before anything runs.
for (const m of chosen) {
  try {
    rmSync(mutatedCopy(m), { recursive: true, force: true });
  } catch (e) {
    fail(e.message);
  }
}
if (args.includes("--list")) {
  for (const m of chosen) console.log(`${m.name}: ${m.why}\n  killers: ${m.killers.map((k) => `${k.file} "${k.test}"`).join("; ")}`);
  process.exit(0);
}

const baseline = new Map(); // file + test -> passes on the unmutated templates
const results = [];
for (const m of chosen) {
  const dir = mutatedCopy(m);
  const started = Date.now();
  let killedBy = null;
  const alsoKilledBy = [];
  const notes = [];
  try {
    for (const k of m.killers) {
      const key = `${k.file}\0${k.test}`;
      process.stdout.write(`mutant ${m.name}: ${k.file} "${k.test}" ... `);
      const r = runTest(k, join(dir, "templates"));
      if (r.passed) {
        console.log("passes (mutant not caught)");
        notes.push(`${k.test}: passes with the mutant`);
        continue;
      }
      console.log(`fails: ${r.failed[0]}`);
      if (!baseline.has(key)) {
        process.stdout.write(`  the same test on the unmutated templates ... `);
        baseline.set(key, runTest(k, null).passed);
        console.log(baseline.get(key) ? "passes" : "FAILS too: not a kill (flaky or broken test)");
      }
      if (baseline.get(key)) {
        if (killedBy) alsoKilledBy.push(k);
        else killedBy = k;
        if (!every) break;
        continue;
      }
      notes.push(`${k.test}: fails on the unmutated templates too`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  results.push({ m, killedBy, alsoKilledBy, notes, seconds: Math.round((Date.now() - started) / 1000) });
}

console.log("\nmutant                            result    killing test");
for (const { m, killedBy, alsoKilledBy, notes, seconds } of results) {
  const what = killedBy ? `${killedBy.file} "${killedBy.test}"` : notes.join("; ") || "no killer test failed";
  console.log(`${m.name.padEnd(34)}${(killedBy ? "killed" : "SURVIVED").padEnd(10)}${what} (${seconds}s)`);
  for (const k of alsoKilledBy) console.log(`${"".padEnd(44)}also ${k.file} "${k.test}"`);
  if (every && killedBy) for (const n of notes) console.log(`${"".padEnd(44)}not: ${n}`);
}
const killed = results.filter((r) => r.killedBy).length;
console.log(`\nkill rate: ${killed}/${results.length} (${Math.round((100 * killed) / Math.max(1, results.length))} %)`);
process.exit(killed === results.length ? 0 : 1);
