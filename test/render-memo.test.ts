// Partials kept by the values they read (src/render/memo.ts) render exactly what Handlebars renders
// without keeping anything, spec after spec in any order; what a partial reads is found from its
// syntax tree, and a partial whose reads cannot be pinned down is not kept.
import Handlebars from "handlebars";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileJob } from "../src/index.js";
import { loadSite } from "../src/jobspec/site.js";
import { bundledTemplatesDir, loadTemplateSet, renderScript, TEMPLATE_OPTIONS } from "../src/render/engine.js";
import { registerHelpers } from "../src/render/helpers.js";
import { memoized, partialKeys, templateReads } from "../src/render/memo.js";
import { specYaml } from "../bench/specs.mjs";
import { ROOT } from "./helpers.js";

/** The bundled templates compiled the plain way: every partial runs every time. */
function plainRenderer(): (job: unknown) => string {
  const hb = Handlebars.create();
  registerHelpers(hb);
  const set = loadTemplateSet();
  for (const [name, path] of set.files) if (name !== "run.sh") hb.registerPartial(name, hb.compile(readFileSync(path, "utf8"), TEMPLATE_OPTIONS));
  return hb.compile(readFileSync(join(bundledTemplatesDir(), "run.sh.hbs"), "utf8"), TEMPLATE_OPTIONS);
}

const reads = (src: string) => templateReads(Handlebars.parse(src) as never);

describe("partials kept by what they read", () => {
  it("render byte for byte what plain Handlebars renders, over 600 varied specs and the examples, in an order that mixes hits and misses", () => {
    const lsfSite = loadSite(readFileSync(join(ROOT, "examples", "site.yaml"), "utf8"), "site.yaml");
    const slurmSite = loadSite(readFileSync(join(ROOT, "examples", "site-slurm.yaml"), "utf8"), "site-slurm.yaml");
    const plain = plainRenderer();
    const jobs: unknown[] = [];
    // Every fifth spec for Slurm, unless it has lsf.resources (no Slurm equivalent: an error).
    const siteOf = (i: number) => (i % 5 === 4 && i % 4 !== 1 ? slurmSite : lsfSite);
    for (let i = 0; i < 600; i++) jobs.push(compileJob(specYaml(i), `s${i}.yaml`, { site: siteOf(i) }).job);
    for (const ex of ["stars", "dmtcp", "gromacs", "md-sim", "pickle", "plain"]) {
      const file = join(ROOT, "examples", `${ex}.yaml`);
      jobs.push(compileJob(readFileSync(file, "utf8"), file, { site: lsfSite }).job);
    }
    const set = loadTemplateSet(); // a set of its own: its partials start with nothing kept
    let differing = 0;
    // Twice over, the second time backwards: the same values come back after others.
    for (const job of [...jobs, ...[...jobs].reverse()]) {
      const got = renderScript(job as never, set);
      if (got !== plain(job)) differing++;
    }
    expect(differing).toBe(0);
  });

  it("find what the bundled partials read: the library only the scheduler, the settings every field they show", () => {
    const all = new Map<string, ReturnType<typeof reads>>();
    for (const [name, path] of loadTemplateSet().files) all.set(name, reads(readFileSync(path, "utf8")));
    const hb = Handlebars.create();
    registerHelpers(hb);
    const keys = partialKeys(all, new Set(Object.keys(hb.helpers)));
    expect(keys.get("partials/lib")).toEqual(["scheduler"]);
    expect(keys.get("partials/watch")).toEqual([]);
    expect(keys.get("tools/blcr/tool")).toEqual(["blcrPrefix", "queue", "restorePid"]);
    expect(keys.get("partials/main")).toEqual(["array", "jobIdVar", "scheduler", "warningSignal"]);
    expect(keys.get("partials/settings")).toEqual(expect.arrayContaining(["app.args", "app.env", "name", "stageIn", "tool"]));
  });

  it("do not keep a partial whose reads cannot be pinned down", () => {
    expect(reads("{{this}}").paths).toBeNull(); // the whole context
    expect(reads("{{@root.name}}").paths).toBeNull();
    expect(reads("{{../name}}").paths).toBeNull(); // above the partial
    expect(reads("{{#custom x}}{{y}}{{/custom}}").paths).toBeNull(); // a block helper not followed
    expect(reads("{{#x}}{{y}}{{/x}}").paths).toBeNull(); // a section: another context
    expect(reads("{{#> layout}}x{{/layout}}").paths).toBeNull(); // a partial block
    expect(reads("{{#each items as |i|}}{{i}}{{/each}}").paths).toBeNull(); // block params
    // What is followed: if/unless keep the context, each/with read their value whole, {{else}} of
    // each is the outer context, @index inside each, helpers' arguments, hash values.
    const r = reads('{{#if a}}{{b.c}}{{else}}{{d}}{{/if}}{{#each e.f}}{{this}}{{@index}}{{g}}{{../h}}{{else}}{{k}}{{/each}}{{sh m}}{{x n=o}}');
    expect(r.paths).toEqual(["a", "b.c", "e.f", "h", "m", "o"]);
    expect(r.callees).toEqual(["d", "k", "sh", "x"]); // fields unless helpers; g is part of e.f
    // A computed partial name: the names it can take.
    expect(reads('{{> (concat "tools/" tool "/tool")}}').partials).toEqual([{ pattern: "^tools\\/[^]*\\/tool$" }]);
  });

  it("a partial that reads a field keeps one text per value of it, and a missing field is not a null one", () => {
    let runs = 0;
    const fn = (ctx: unknown) => {
      runs++;
      const v = (ctx as { a?: unknown }).a;
      if (!Object.hasOwn(ctx as object, "a")) throw new Error("a not defined");
      return `a=${String(v)}`;
    };
    const kept = memoized(fn, ["a"]);
    expect(kept({ a: 1, b: 1 })).toBe("a=1");
    expect(kept({ a: 1, b: 2 })).toBe("a=1"); // b is not read: the kept text
    expect(runs).toBe(1);
    expect(kept({ a: "1" })).toBe("a=1"); // another value (a string): rendered
    expect(runs).toBe(2);
    expect(kept({ a: null })).toBe("a=null");
    expect(() => kept({})).toThrow("a not defined"); // missing ≠ null: rendered, and it throws
    expect(runs).toBe(4);
  });
});
