// `crjob schema`: the spec's JSON Schema, for editors (`# yaml-language-server: $schema=...`).
import { specSchema } from "../jobspec/schema.js";

export async function schemaCommand(): Promise<number> {
  process.stdout.write(`${JSON.stringify(specSchema, null, 2)}\n`);
  return 0;
}
