// The `yaml` library, loaded on first use. Plain specs are read by fast-yaml.ts; the library
// (with positions) is needed only for a spec fast-yaml does not take, or once a diagnostic must
// say where it is. Its module set-up was the largest of any module on the path of `crjob render`
// of one spec (2 ms of a start-up target of 50 ms over bare Node; bench/run.mjs, cold start).
//
// In the bundle (CommonJS) `require("yaml")` is the bundled library, initialised at this first
// call; from src/ (vitest, ES modules) Node's require loads the package.
import type * as Yaml from "yaml";

let lib: typeof Yaml | undefined;

export function yamlLib(): typeof Yaml {
  lib ??= (typeof require === "function" ? require("yaml") : process.getBuiltinModule("node:module").createRequire(import.meta.url)("yaml")) as typeof Yaml;
  return lib;
}
