import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Lifecycle tests run real job scripts with sleeps; two workers on this 2-core machine.
    maxWorkers: 2,
  },
});
