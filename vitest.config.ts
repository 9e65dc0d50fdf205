import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // A safety net against a hang, not a measure: each wait in a test has its own deadline and says
    // what it waited for. Lifecycle tests that take 10 s on an idle machine take 50-60 s under the
    // steady load (npm run test:steady), so the net sits well above that.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // Lifecycle tests run real job scripts with sleeps; two workers on this 2-core machine.
    maxWorkers: 2,
  },
});
