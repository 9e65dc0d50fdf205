// A bulk render assembles each script from the text rendered for its spec and the kept partials'
// bytes, with its CRC-32 combined from theirs (src/render/segments.ts), instead of rendering one
// string and encoding it. It must write exactly the bytes a render of one spec writes, fingerprint
// line included, whatever the spec or the templates hold.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compileJob, renderCompiled, renderCompiledBytes } from "../src/index.js";
import { loadSite } from "../src/jobspec/site.js";
import { bundledTemplatesDir, loadTemplateSet } from "../src/render/engine.js";
import { crc32Combine, crc32Js, crc32Shift } from "../src/render/crc32.js";
import { specYaml } from "../bench/specs.mjs";
import { crjob, ROOT, tempDir } from "./helpers.js";

describe("CRC-32 continued and combined", () => {
  it("give zlib's CRC of the bytes end to end, for pieces of any length (none too)", () => {
    for (let t = 0; t < 300; t++) {
      const a = randomBytes(t % 7 === 0 ? 0 : Math.floor(Math.random() * 3000));
      const b = randomBytes(t % 5 === 0 ? t % 3 : Math.floor(Math.random() * 60000));
      const whole = zlibCrc32(Buffer.concat([a, b]));
      expect(crc32Js(b, crc32Js(a))).toBe(whole);
      expect(crc32Combine(crc32Js(a), crc32Js(b), crc32Shift(b.length))).toBe(whole);
    }
  });
});

describe("a bulk render's assembled script", () => {
  it("is byte for byte a one-spec render's, over 600 varied specs and the examples, hits and misses mixed", () => {
    const site = (file: string) => loadSite(readFileSync(join(ROOT, "examples", file), "utf8"), file);
    const [lsf, slurm] = [site("site.yaml"), site("site-slurm.yaml")];
    const specs: [string, string, ReturnType<typeof site>][] = [];
    for (let i = 0; i < 600; i++) specs.push([specYaml(i), `s${i}.yaml`, i % 5 === 4 && i % 4 !== 1 ? slurm : lsf]);
    for (const ex of ["stars", "dmtcp", "gromacs", "md-sim", "pickle", "plain"]) {
      const file = join(ROOT, "examples", `${ex}.yaml`);
      specs.push([readFileSync(file, "utf8"), file, lsf]);
    }
    const templates = loadTemplateSet(); // its own: nothing kept yet
    let differing = 0;
    for (const [source, file, s] of [...specs, ...[...specs].reverse()]) {
      const opts = { site: s, templates };
      const compiled = compileJob(source, file, opts);
      const bulk = Buffer.from(renderCompiledBytes(compiled, file, opts)); // a copy: the next render reuses it
      if (!bulk.equals(Buffer.from(renderCompiled(compiled, file, opts).script, "utf8"))) differing++;
    }
    expect(differing).toBe(0);
  });

  // Through the CLI: `render --outdir` (assembled) against `render -o` (one string), for specs and
  // templates that hold what a token is made of, and a kept partial that Handlebars indents.
  it("is what `render -o` writes, also when a spec or a template holds a token's characters, and for an indented partial", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "specs"));
    const specs = ["plain", "odd"].map((name) => `specs/${name}.yaml`);
    writeFileSync(join(dir, specs[0]!), specYaml(2));
    // U+E000 and U+E001 as YAML escapes: the characters a token is made of, around a segment's number.
    writeFileSync(join(dir, specs[1]!), specYaml(4).replace("name: job-00004", "name: odd").replace('"a b"', '"\\ue0000\\ue001 \\ue000"'));
    expect(readFileSync(join(dir, specs[1]!), "utf8")).toContain("\\ue0000\\ue001");
    const site = join(ROOT, "examples", "site.yaml");
    const bundled = bundledTemplatesDir();
    const overrides = {
      none: null,
      // A kept partial (the library: kept by the scheduler) called on an indented line.
      indented: { "partials/supervise": `${readFileSync(join(bundled, "partials", "supervise.hbs"), "utf8")}if false; then\n  {{> partials/lib}}\nfi\n` },
      // A template holding a token's first character (in a comment).
      marked: { "partials/watch": `${readFileSync(join(bundled, "partials", "watch.hbs"), "utf8")}# \uE0000\uE001 \uE000\n` },
    };
    for (const [label, files] of Object.entries(overrides)) {
      const more: string[] = [];
      if (files) {
        const t = join(dir, `t-${label}`);
        for (const [name, text] of Object.entries(files)) {
          mkdirSync(join(t, name, ".."), { recursive: true });
          writeFileSync(join(t, `${name}.hbs`), text);
        }
        more.push("--templates", t);
      }
      const [bulk, one] = [`bulk-${label}`, `one-${label}`];
      for (const d of [bulk, one]) mkdirSync(join(dir, d));
      // Both specs in one command: the second is rendered after the first has filled the kept partials.
      const r = crjob(["render", ...specs, "--site", site, "--outdir", bulk, ...more], { cwd: dir });
      expect(r.stderr, label).toBe("");
      expect(r.code, label).toBe(0);
      for (const [spec, name] of [[specs[0]!, "job-00002"], [specs[1]!, "odd"]]) {
        const o = crjob(["render", spec, "--site", site, "-o", `${one}/${name}.sh`, ...more], { cwd: dir });
        expect(o.code, `${label} ${name}: ${o.stderr}`).toBe(0);
        const [a, b] = [readFileSync(join(dir, bulk, `${name}.sh`)), readFileSync(join(dir, one, `${name}.sh`))];
        expect(a.equals(b), `${label} ${name}`).toBe(true);
        if (label === "indented") expect(a.toString("utf8")).toMatch(/\n {2}crjob_\w+\(\) \{\n {4}/); // the library, indented line by line
      }
      expect(readFileSync(join(dir, bulk, "odd.sh"), "utf8")).toContain("\uE0000\uE001 \uE000"); // the spec's value, as it is
    }
  });
});
