#!/usr/bin/env node
// Steady under load: the whole suite (vitest with its default workers) RUNS times in a row while a
// busy loop holds one core, stopping at the first failing run. A test that fails now and then is a
// failing test; this is how one is found before CI finds it.
//
//   node scripts/steady.mjs [--runs N] [-- vitest args...]      (npm run test:steady builds first)
import { spawn, spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const sep = args.indexOf("--");
const own = sep < 0 ? args : args.slice(0, sep);
const extra = sep < 0 ? [] : args.slice(sep + 1);
const runs = own.includes("--runs") ? Number(own[own.indexOf("--runs") + 1]) : 5;
if (!Number.isInteger(runs) || runs < 1) {
  console.error("steady: --runs takes a whole number ≥ 1");
  process.exit(2);
}

// The busy loop: a child process of its own, so it holds a core whatever this one does.
const busy = spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
const stopBusy = () => {
  if (busy.exitCode === null) busy.kill("SIGKILL");
};
process.on("exit", stopBusy);
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

const times = [];
for (let i = 1; i <= runs; i++) {
  const t0 = Date.now();
  console.log(`steady: run ${i}/${runs} (busy loop pid ${busy.pid} holds one core)`);
  const r = spawnSync(join(ROOT, "node_modules", ".bin", "vitest"), ["run", ...extra], { cwd: ROOT, stdio: "inherit" });
  const seconds = Math.round((Date.now() - t0) / 1000);
  times.push(seconds);
  if (r.status !== 0) {
    console.error(`steady: run ${i}/${runs} FAILED after ${seconds}s (exit ${r.status ?? r.signal}); earlier runs: ${times.slice(0, -1).join("s, ") || "none"}`);
    process.exit(1);
  }
  console.log(`steady: run ${i}/${runs} passed in ${seconds}s`);
}
console.log(`steady: ${runs} of ${runs} runs passed under load (${times.map((t) => `${t}s`).join(", ")})`);
stopBusy(); // the busy child would keep this process (and the load) alive after the last run

