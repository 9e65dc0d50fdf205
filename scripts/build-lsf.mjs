// Bundle the LSF emulator (src/lsf/main.ts) into dist/lsf-emu.mjs.
import { build } from "esbuild";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// Optional argument: another output file (tests build a private copy).
const outfile = process.argv[2] ? resolve(process.argv[2]) : join(root, "dist/lsf-emu.mjs");

await build({
  entryPoints: [join(root, "src/lsf/main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
  banner: { js: "// LSF emulator for crjob: built from src/lsf by scripts/build-lsf.mjs" },
});
