// The tests StrykerJS runs against each mutant of src/jobspec (stryker.config.mjs): only the fast
// in-process tests of the spec code. Tests that spawn bin/crjob run dist/, which Stryker does not
// mutate, so they could not kill a mutant and would only slow every run down.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/jobspec/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
  },
});
