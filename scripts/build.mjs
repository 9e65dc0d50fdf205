// Build the CLI into dist/: one bundle whose commands load lazily, plus the LSF emulator.
//
// Start-up time matters (crjob runs in save hooks and pre-commit; see bench/ and the README's
// "Performance"), so the bundle never runs a compiler and Node compiles as little as possible:
// - src/jobspec/validators.ts (ajv compiling the schemas at run time) is swapped for ajv standalone
//   code generated here from the same schemas and options: same validate functions, same errors.
// - src/render/precompiled.ts (empty) is swapped for templates/**/*.hbs precompiled here, plus
//   `handlebars/runtime`; the full compiler is loaded only for template overrides.
// - dist/crjob.cjs is a single script (no module graph to resolve, link and compile at start-up).
//   dist/cli.cjs loads it with Node's compile cache where Node has one (module.enableCompileCache,
//   Node >= 22.1), else (Node 20) with V8 code cache made here by one warm-up render
//   (dist/crjob.cjs.cache; V8 ignores a cache made by another Node or for other source).
// - Every byte of start-up counts on a machine where each fresh page of memory is slow to fault in
//   (the development VM: a verb's start-up was 40-70 ms over `node -e ''`, half of it reading and
//   compiling the bundle): the entry (bin/crjob, dist/cli.cjs) is CommonJS, so Node does not set
//   up its ES module loader for it; the bundle is plain ASCII (esbuild escapes the rest), read
//   as latin1 (no UTF-8 decoding, a third fewer page faults than utf8); whitespace and comments
//   are left out of it (names are kept: stack traces still say where).
// Everything is generated from source by each build; nothing generated is committed.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import module from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** How dist/crjob.cjs begins and ends (see the bundle's banner). */
const WRAPPER = "(function (exports, require, module, __filename, __dirname) {";
const CALL = "(exports, require, module, __filename, __dirname);\n";
process.chdir(root);

// Built beside dist/ and swapped in at the end: crjob runs from dist/ meanwhile (other builds and
// test runs share this checkout).
const out = `dist.build-${process.pid}`;
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "gen"), { recursive: true });
try {
  const { validatorsModule, precompiledModule } = await generate();
  // Kept for inspection and for bench/standalone-check.mjs (which compares it with ajv at run time).
  writeFileSync(join(out, "gen/validators.mjs"), validatorsModule);
  writeFileSync(join(out, "gen/precompiled.mjs"), precompiledModule);

  await build({
    // The CLI, or in a worker thread started by `crjob render` over many specs, a render worker.
    stdin: {
      // (worker_threads is loaded only in render workers, which crjob starts with CRJOB_RENDER_WORKER set)
      contents: [
        "const worker = process.env.CRJOB_RENDER_WORKER && process.getBuiltinModule(\"node:worker_threads\");",
        "if (worker && !worker.isMainThread && worker.workerData?.crjobRenderWorker) {",
        '  import("./src/commands/render-worker.ts").then((w) => w.runRenderWorker());',
        "} else {",
        '  import("./src/cli.ts");',
        "}",
      ].join("\n"),
      resolveDir: root,
      sourcefile: "crjob-entry.js",
      loader: "js",
    },
    outfile: join(out, "crjob.cjs"),
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    // ESM sources in a CommonJS script: strict as modules are, and import.meta.url of the script.
    // The script is CommonJS's wrapper function, called at its end (CALL): Node's own loader runs
    // it as any CommonJS file, and the Node 20 loader compiles the text before CALL (a slice of
    // the file's bytes) as is, instead of pasting it into a wrapper, a copy of 800 KB.
    banner: { js: `${WRAPPER}"use strict";\nconst __crjobImportMetaUrl = require("node:url").pathToFileURL(__filename).href;` },
    footer: { js: `\n})${CALL.trimEnd()}` }, // esbuild ends the file with a newline
    define: { "import.meta.url": "__crjobImportMetaUrl" },
    plugins: [swapModules({ "src/jobspec/validators.ts": validatorsModule, "src/render/precompiled.ts": precompiledModule })],
    charset: "ascii",
    minifyWhitespace: true,
    logLevel: "warning",
  });
  const bundle = readFileSync(join(out, "crjob.cjs"));
  // The loader reads it as latin1, which is its text only while every byte is ASCII.
  const wide = bundle.findIndex((b) => b > 0x7f);
  if (wide >= 0) throw new Error(`build: dist/crjob.cjs has a non-ASCII byte at offset ${wide}; the loader reads it as latin1`);
  if (bundle.toString("latin1", bundle.length - CALL.length) !== CALL) throw new Error("build: dist/crjob.cjs does not end in the wrapper's call");
  // The loader accepts only a code cache made for this very bundle.
  const buildId = createHash("sha256").update(bundle).digest("hex").slice(0, 16);
  writeFileSync(join(out, "cli.cjs"), loader(buildId));
  if (!module.enableCompileCache) warmCodeCache(out);
  swapIn(out, "dist");
} finally {
  rmSync(out, { recursive: true, force: true });
}
if (existsSync("scripts/build-lsf.mjs")) await import("./build-lsf.mjs");

/** The generated modules' source text: standalone validators and precompiled templates. */
async function generate() {
  // The build's view of the source: schemas, ajv options and template options, bundled with
  // esbuild (TypeScript) into a throwaway module.
  const tmp = join(out, "gen", "source.mjs");
  await build({
    stdin: {
      contents: [
        'export { AJV_OPTIONS, newAjv, siteSchema, specSchema } from "./src/jobspec/validators.ts";',
        'export { TEMPLATE_OPTIONS } from "./src/render/engine.ts";',
        'export { templateReads } from "./src/render/memo.ts";',
      ].join("\n"),
      resolveDir: root,
      loader: "ts",
    },
    outfile: tmp,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  let src;
  try {
    src = await import(pathToFileURL(join(root, tmp)).href);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { validatorsModule: await standaloneValidators(src), precompiledModule: await precompiledTemplates(src) };
}

/** ajv standalone code for both schemas, exporting what src/jobspec/validators.ts exports. */
async function standaloneValidators({ AJV_OPTIONS, newAjv, specSchema, siteSchema }) {
  const { default: standaloneCode } = await import("ajv/dist/standalone/index.js");
  const ajv = newAjv({ code: { source: true, esm: true } });
  ajv.addSchema(specSchema);
  ajv.addSchema(siteSchema);
  const code = standaloneCode(ajv, { validateSpec: specSchema.$id, validateSite: siteSchema.$id });
  return `// Generated by scripts/build.mjs: ajv standalone code for src/jobspec/schema.ts.
${code}
export function specValidator() { return validateSpec; }
export function siteValidator() { return validateSite; }
/** The options this code was generated with. */
export const AJV_OPTIONS = ${JSON.stringify(AJV_OPTIONS)};
`;
}

/**
 * templates/**\/*.hbs (discovered now: others add templates), each precompiled with the options the
 * engine compiles with. A template that does not compile is left out, so that the engine compiles
 * it at run time and reports the error exactly as it would without a build.
 */
async function precompiledTemplates({ TEMPLATE_OPTIONS, templateReads }) {
  const { default: Handlebars } = await import("handlebars");
  const dir = join(root, "templates");
  const entries = [];
  const digest = createHash("sha256");
  const walk = (d) => {
    for (const entry of readdirSync(d).sort()) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (entry.endsWith(".hbs")) {
        const name = relative(dir, p).split(sep).join("/").replace(/\.hbs$/, "");
        const source = readFileSync(p, "utf8");
        let spec, reads;
        try {
          spec = Handlebars.precompile(source, TEMPLATE_OPTIONS);
          reads = templateReads(Handlebars.parse(source));
        } catch {
          continue;
        }
        entries.push(`  [${JSON.stringify(name)}, { source: ${JSON.stringify(source)}, spec: ${spec}, reads: ${JSON.stringify(reads)} }],`);
        digest.update(`${name}\u0000${Buffer.byteLength(source)}:`).update(source); // as templateDigest in engine.ts
      }
    }
  };
  walk(dir);
  return `// Generated by scripts/build.mjs: templates/**/*.hbs, precompiled.
import runtime from "handlebars/runtime.js";
export { runtime };
export const precompiled = new Map([
${entries.join("\n")}
]);
export const digest = ${JSON.stringify(digest.digest("hex"))};
`;
}

/** An esbuild plugin that replaces the given source files with generated module text. */
function swapModules(byFile) {
  const swapped = new Map(Object.entries(byFile).map(([file, contents]) => [join(root, file), contents]));
  return {
    name: "crjob-swap-modules",
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const contents = swapped.get(args.path);
        return contents === undefined ? undefined : { contents, loader: "js", resolveDir: root };
      });
    },
  };
}

/**
 * V8 code cache for Node 20: one render in a child process, run exactly as the CLI runs, whose
 * loader saves the code compiled by then. Best effort: without it crjob is only slower.
 */
function warmCodeCache(dir) {
  // V8 keeps the script's name in the cache (stack traces show it): name it as it will be in dist/.
  const r = spawnSync(process.execPath, [join(dir, "cli.cjs"), "render", "examples/stars.yaml", "--site", "examples/site.yaml"], {
    env: { ...process.env, CRJOB_SITE: "", CRJOB_WRITE_CODE_CACHE: join(root, "dist", "crjob.cjs") },
    stdio: "ignore",
  });
  if (!existsSync(join(dir, "crjob.cjs.cache"))) {
    console.warn(`build: no V8 code cache (warm-up render exited ${r.status}); crjob works, only starts slower`);
  }
}

/** Replace `to` with the directory `from` (another build may be swapping in its own meanwhile). */
function swapIn(from, to) {
  for (let attempt = 1; ; attempt++) {
    rmSync(to, { recursive: true, force: true });
    try {
      renameSync(from, to);
      return;
    } catch (e) {
      if (attempt >= 5 || !["ENOTEMPTY", "EEXIST"].includes(e.code)) throw e;
    }
  }
}

function loader(buildId) {
  // Two threads' worth of specs (render.ts decides the same from its SPECS_PER_THREAD).
  const perThread = /const SPECS_PER_THREAD = (\d+);/.exec(readFileSync("src/commands/render.ts", "utf8"));
  if (!perThread) throw new Error("build: SPECS_PER_THREAD not found in src/commands/render.ts");
  const EARLY_WORKER_SPECS = 2 * Number(perThread[1]);
  return `// crjob's entry (bin/crjob requires it), generated by scripts/build.mjs: runs crjob.cjs with
// compiled code cached. Node >= 22.1: its own compile cache. Node 20: V8 code cache made by the
// build (crjob.cjs.cache); V8 checks it against this Node and this source and ignores a stale one.
// CommonJS, as bin/crjob is: Node does not set up its ES module loader for it (start-up time).
"use strict";
const { readFileSync, writeFileSync } = require("node:fs");
const { dirname, join } = require("node:path");
const vm = require("node:vm");

// A bulk render (\`crjob render\` and hundreds of specs) shares its specs with worker threads
// (src/commands/render.ts, renderSpecs), one per core but this one (CRJOB_THREADS: threads in
// all; 1, none). They start here and only here, so that each loads crjob while this thread does,
// not after it (a worker takes 100 ms to start); render.ts gives them their work, or ends them.
// Not in a worker itself (CRJOB_RENDER_WORKER), nor for fewer specs than two threads take.
if (process.argv[2] === "render" && process.argv.length >= 3 + ${EARLY_WORKER_SPECS} && !process.env.CRJOB_RENDER_WORKER) {
  const { Worker } = process.getBuiltinModule("node:worker_threads");
  const { availableParallelism } = process.getBuiltinModule("node:os");
  const threads = Number(process.env.CRJOB_THREADS);
  const count = (Number.isInteger(threads) && threads >= 1 ? threads : availableParallelism()) - 1;
  const env = { ...process.env, CRJOB_RENDER_WORKER: "1" };
  globalThis[Symbol.for("crjob.renderWorkers")] = Array.from({ length: count }, () => {
    const early = { worker: new Worker(__filename, { workerData: { crjobRenderWorker: true }, env }), gone: false };
    early.worker.unref(); // an idle one does not keep crjob running
    early.worker.on("error", () => {}); // render.ts does without one that failed to start
    early.worker.once("exit", () => (early.gone = true));
    return early;
  });
}

const BUILD = "${buildId}";
const file = join(__dirname, "crjob.cjs");
// node:module (which sets up the ES module loader) only where Node has a compile cache: crjob.cjs
// is beside this file, so this file's own require resolves as its would.
const [major, minor] = process.versions.node.split(".").map(Number);
const nodeModule = major > 22 || (major === 22 && minor >= 1) ? require("node:module") : undefined;
if (nodeModule?.enableCompileCache) {
  try {
    nodeModule.enableCompileCache();
  } catch {
    // a cache that cannot be set up only costs speed
  }
  require(file);
} else {
  // The cache starts with a header: the build it was made for (V8 itself checks little more than
  // the source's length) and the script's path (V8 reports the path it was made with).
  const cacheFile = \`\${file}.cache\`;
  const madeFor = process.env.CRJOB_WRITE_CODE_CACHE; // the build's warm-up run: the path in dist/
  const header = \`\${BUILD}\\0\${madeFor ?? file}\\0\`;
  let cachedData;
  try {
    const cache = madeFor ? undefined : readFileSync(cacheFile);
    const size = Buffer.byteLength(header);
    if (cache?.toString("utf8", 0, size) === header) cachedData = cache.subarray(size);
  } catch {
    // none: compile as usual
  }
  // The wrapper function without the call at its end (the build wrote both), read as latin1: the
  // build checked that every byte is ASCII, so this is the text, without UTF-8 decoding.
  const bytes = readFileSync(file);
  const source = bytes.latin1Slice(0, bytes.length - ${JSON.stringify(CALL)}.length);
  const script = new vm.Script(source, { filename: madeFor ?? file, cachedData });
  if (madeFor) {
    // Keep what has been compiled by the time crjob exits.
    process.once("exit", () => writeFileSync(cacheFile, Buffer.concat([Buffer.from(header), script.createCachedData()])));
  }
  const cjsModule = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext().call(cjsModule.exports, cjsModule.exports, require, cjsModule, file, dirname(file));
}
`;
}
