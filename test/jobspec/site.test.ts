import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/diagnostics.js";
import { findSitePath, loadSite } from "../../src/jobspec/site.js";

describe("findSitePath", () => {
  const root = path.resolve("/proj");
  const files = new Set([path.join(root, "crjob.site.yaml"), path.join(root, "jobs", "deep", "crjob.site.yaml")]);
  const exists = (p: string) => files.has(p);
  const cases: [string, { explicit?: string; env?: Record<string, string>; specFile: string; want: string | null }][] = [
    ["--site wins", { explicit: "a.yaml", env: { CRJOB_SITE: "b.yaml" }, specFile: "/proj/jobs/x.yaml", want: "a.yaml" }],
    ["--site wins even when missing", { explicit: "/nope.yaml", specFile: "/proj/x.yaml", want: "/nope.yaml" }],
    ["then $CRJOB_SITE", { env: { CRJOB_SITE: "b.yaml" }, specFile: "/proj/jobs/x.yaml", want: "b.yaml" }],
    ["empty $CRJOB_SITE is unset", { env: { CRJOB_SITE: "" }, specFile: "/proj/jobs/x.yaml", want: path.join(root, "crjob.site.yaml") }],
    ["then the spec's directory", { specFile: "/proj/jobs/deep/x.yaml", want: path.join(root, "jobs", "deep", "crjob.site.yaml") }],
    ["then a parent", { specFile: "/proj/jobs/x.yaml", want: path.join(root, "crjob.site.yaml") }],
    ["else none", { specFile: "/elsewhere/x.yaml", want: null }],
  ];
  it.each(cases)("%s", (_, { explicit, env = {}, specFile, want }) => {
    expect(findSitePath({ explicit, env, specFile, exists })).toBe(want);
  });

  it("resolves a relative spec path from the working directory", () => {
    const seen: string[] = [];
    findSitePath({ env: {}, specFile: "jobs/x.yaml", exists: (p) => (seen.push(p), false) });
    expect(seen[0]).toBe(path.resolve("jobs", "crjob.site.yaml"));
    expect(seen.at(-1)).toBe(path.join(path.parse(process.cwd()).root, "crjob.site.yaml"));
  });
});

describe("loadSite", () => {
  it("loads a valid profile", () => {
    const site = loadSite("flavour: openlava\nqueues:\n  mw256: { blcr: /b, requeue_exit_values: [99] }\n", "s.yaml");
    expect(site.diagnostics).toEqual([]);
    expect(site.data).toEqual({ flavour: "openlava", queues: { mw256: { blcr: "/b", requeue_exit_values: [99] } } });
  });

  const cases: [string, { given: string; want: string[] }][] = [
    ["empty", { given: "", want: ["s.yaml:1:1 error the file is empty; a site profile is a mapping of fields"] }],
    ["a list", { given: "- a\n", want: ["s.yaml:1:1 error a site profile must be a mapping of fields (key: value), got a list"] }],
    ["bad flavour", { given: "flavour: lsf\n", want: ['s.yaml:1:10 error flavour: must be one of "ibm", "openlava", "slurm", got "lsf"'] }],
    ["misspelt key", { given: "flavor: ibm\n", want: ['s.yaml:1:1 error flavor: unknown property (did you mean "flavour"?)'] }],
    ["queue field typo", { given: "queues:\n  mw256:\n    blrc: /b\n", want: ['s.yaml:3:5 error queues.mw256.blrc: unknown property (did you mean "blcr"?)'] }],
    ["empty queue", { given: "queues:\n  mw256:\n", want: ["s.yaml:2:3 error queues.mw256: expected a mapping, got an empty value"] }],
    ["bad queue name", { given: "queues:\n  'my queue': {}\n", want: ['s.yaml:2:3 error queues["my queue"]: invalid name "my queue": must be a name of letters, digits, "_", "." and "-" that starts with a letter or digit'] }],
    ["relative blcr prefix", { given: "queues:\n  q: { blcr: share/blcr }\n", want: ['s.yaml:2:14 error queues.q.blcr: must be an absolute path, or one starting with "~" or "$HOME", got "share/blcr"'] }],
    ["requeue values", { given: "queues:\n  q: { requeue_exit_values: 99 }\n", want: ["s.yaml:2:29 error queues.q.requeue_exit_values: expected a list, got a number"] }],
    ["duplicate queue", { given: "queues:\n  q: {}\n  q: {}\n", want: ["s.yaml:3:3 error queues.q: duplicate key (already set on line 2)"] }],
  ];
  it.each(cases)("%s", (_, { given, want }) => {
    expect(loadSite(given, "s.yaml").diagnostics.map(formatDiagnostic)).toEqual(want);
  });

  it("gives {} as data when the profile is not a mapping", () => {
    expect(loadSite("- a\n", "s.yaml").data).toEqual({});
  });
});
