// Bundle the LSF emulator (src/lsf/main.ts) into dist/lsf-emu.mjs.
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

await build({
  entryPoints: [join(root, "src/lsf/main.ts")],
  outfile: join(root, "dist/lsf-emu.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
  banner: { js: "// LSF emulator for crjob: built from src/lsf by scripts/build-lsf.mjs" },
});
