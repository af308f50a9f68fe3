// Tests run as compiled JavaScript (`tsc -b` first): no per-file transpiling, and the
// code under test is the code we ship. Source maps point failures back at the .ts files.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "sdk/dist/**/*.test.js",
      "services/*/dist/**/*.test.js",
      "cli/dist/**/*.test.js",
      "runtimes/*/dist/**/*.test.js",
      "cni/*/dist/**/*.test.js",
      "test/e2e/dist/**/*.test.js",
    ],
    exclude: ["**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: integration tests start child processes; keep parallelism modest.
    maxWorkers: 2,
  },
});
