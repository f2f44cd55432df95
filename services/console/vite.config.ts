import { defineConfig } from "vite";

// The console is served by the suite at /console/ (services/console/console.go
// embeds dist/). Built files are named by content, so the Go side can let
// browsers cache them for good; everything else is no-cache.
export default defineConfig({
  base: "/console/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // Browsers the console supports all preload modules natively, and a
    // polyfill would be one more script to allow.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
    // Timings of plugins vary with the machine's load; they are not a warning.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
});
