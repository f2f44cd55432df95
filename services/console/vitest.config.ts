import { defineConfig } from "vitest/config";

// Unit tests: the message catalogue and the formatters, no browser.
export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts"],
  },
});
