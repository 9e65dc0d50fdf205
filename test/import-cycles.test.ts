// No module under src/ imports itself through others (type-only imports count too: a cycle of
// types still ties the two modules' designs together, and tools that map code trip over it).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Relative imports and re-exports of a module, as .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gms)) {
    out.push(resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts")));
  }
  return out;
}

/** Every cycle found by a depth-first walk, each as the list of files around it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === "open") found.push(stack.slice(stack.indexOf(g)).concat(g));
      else if (!state.has(g) && graph.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return found;
}

describe("src/ module graph", () => {
  it("has no import cycles", () => {
    const files = sources(join(ROOT, "src"));
    expect(files.length).toBeGreaterThan(20);
    const graph = new Map(files.map((f) => [f, importsOf(f)]));
    expect(cycles(graph).map((c) => c.map((f) => relative(ROOT, f)).join(" → "))).toEqual([]);
  });

  it("the walk finds a cycle when there is one", () => {
    // requests.ts importing supervisor.ts again, as it did: proof that the test above can fail.
    const files = sources(join(ROOT, "src"));
    const graph = new Map(files.map((f) => [f, importsOf(f)]));
    const req = join(ROOT, "src", "lsf", "requests.ts");
    graph.get(req)!.push(join(ROOT, "src", "lsf", "supervisor.ts"));
    expect(cycles(graph).map((c) => c.map((f) => relative(ROOT, f)).join(" → "))).toEqual([
      "src/lsf/supervisor.ts → src/lsf/requests.ts → src/lsf/supervisor.ts",
    ]);
  });
});
