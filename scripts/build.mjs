// Build the CLI into dist/: one ESM bundle with lazily loaded command chunks, plus the LSF emulator.
import { build } from "esbuild";
import { existsSync, rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: { cli: "src/cli.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outExtension: { ".js": ".mjs" },
  banner: { js: "import { createRequire as __crjobRequire } from 'node:module'; const require = __crjobRequire(import.meta.url);" },
  logLevel: "warning",
});
if (existsSync("scripts/build-lsf.mjs")) await import("./build-lsf.mjs");
