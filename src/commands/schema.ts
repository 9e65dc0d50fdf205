// `crjob schema`: the spec's JSON Schema, for editors (`# yaml-language-server: $schema=...`).
import { specSchema } from "../jobspec/schema.js";
import { out } from "../output.js";

export async function schemaCommand(): Promise<number> {
  out(`${JSON.stringify(specSchema, null, 2)}\n`);
  return 0;
}
