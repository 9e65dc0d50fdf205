// The schemas as documents: `crjob schema` prints the spec schema for editors
// (yaml-language-server shows each description on hover and offers the defaults), so every field
// must explain itself, and a field with a default must say it the way normalizeSpec applies it.
// That every field has a description is checked in validate.test.ts ("the schemas"); what the
// schemas accept and reject is tested through the validator (validate.test.ts, the invalid corpus).
import { describe, expect, it } from "vitest";
import { patternHelp, siteSchema, specSchema } from "../../src/jobspec/schema.js";

interface Field {
  path: string;
  schema: Record<string, unknown>;
}

/** Every property schema, with its dotted path; `*` for a mapping's values, `[]` for list items. */
function fields(schema: Record<string, unknown>, at = ""): Field[] {
  const out: Field[] = [];
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  for (const [k, sub] of Object.entries(props)) {
    const path = at ? `${at}.${k}` : k;
    out.push({ path, schema: sub }, ...fields(sub, path));
    if (typeof sub.additionalProperties === "object") out.push(...fields(sub.additionalProperties as Record<string, unknown>, `${path}.*`));
    if (typeof sub.items === "object") out.push(...fields(sub.items as Record<string, unknown>, `${path}[]`));
  }
  return out;
}

const SCHEMAS = [
  ["spec", specSchema],
  ["site", siteSchema],
] as const;

describe.each(SCHEMAS)("the %s schema", (_, schema) => {
  const all = fields(schema);

  it("has a title and a description", () => {
    expect(schema.title).toMatch(/^crjob /);
    expect(schema.description.length).toBeGreaterThan(40);
  });

  it("states each default in the description, as normalizeSpec applies it", () => {
    const withDefault = all.filter((f) => "default" in f.schema);
    expect(withDefault.length).toBeGreaterThan(0);
    for (const { path, schema: s } of withDefault) {
      expect(s.description, path).toContain(`Default: ${String(s.default)}.`);
    }
  });

  it("explains every pattern it uses", () => {
    for (const { path, schema: s } of all) {
      if (typeof s.pattern === "string") expect(patternHelp[s.pattern], path).toMatch(/^(a|an) /);
    }
  });
});

describe("defaults the schema announces", () => {
  const defaults = Object.fromEntries(
    SCHEMAS.flatMap(([name, schema]) => fields(schema).filter((f) => "default" in f.schema).map((f) => [`${name}:${f.path}`, f.schema.default])),
  );
  it("are the values normalizeSpec uses", () => {
    expect(defaults).toEqual({
      "spec:slots": 1,
      "spec:mode": "auto",
      "spec:checkpoint.tool": "blcr",
      "spec:checkpoint.keep": 2,
      "spec:checkpoint.keep_on_success": false,
      "spec:checkpoint.restore_pid": "auto",
      "spec:lsf.rerunnable": false,
      "spec:lsf.requeue_exit": 99,
      "spec:lsf.requeue": "auto",
      "site:flavour": "ibm",
    });
  });
});
