import { defineConfig } from "vitest/config";

// Browser tests: Debian's chromium driven by playwright-core against a real
// `stafett dev --demo` that test/browser/setup.ts starts on random ports.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    globalSetup: ["test/browser/setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    pool: "forks",
  },
});
