// Mutation testing of the spec code (issue 9): `npm run test:mutants:ts` (scripts/stryker-score.mjs).
// Every mutant Stryker makes of src/jobspec is run against the in-process spec tests; a mutant no
// test kills is a change to the checking code that no test notices. Survivors that cannot change
// behaviour are listed in docs/mutation.md ("Equivalent mutants") and marked in the code.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export const config = {
  // The glob stays general so new spec code (e.g. another scheduler flavour) is mutated too.
  mutate: [
    "src/jobspec/**/*.ts",
    // Types only: nothing to mutate.
    "!src/jobspec/**/types.ts",
    // ajv wiring only; the CLI build replaces it with standalone code.
    "!src/jobspec/**/validators.ts",
  ],
  testRunner: "vitest",
  vitest: { configFile: "vitest.stryker.config.ts" },
  coverageAnalysis: "perTest",
  // The machine is 2 cores shared by several agents.
  concurrency: 1,
  thresholds: { high: 90, low: 85, break: 85 },
  reporters: ["clear-text", "json", "progress"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  tempDirName: ".stryker-tmp",
  // Stryker makes each sandbox 0700. As root, the unreadable-file tests run the CLI as nobody
  // (test/helpers.ts), who must be able to reach the sandbox's bin/crjob.
  buildCommand: "chmod 755 .",
  // dist/, examples/ and bench/ are copied in: a few spec tests run the built CLI (bin/crjob) or
  // read the examples and the bench's specs.
  ignorePatterns: ["dist.build-*", "reports", "coverage"],
  cleanTempDir: true,
};
export default config;
