import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// One UI, served two ways: by the Tauri app (custom protocol) and by
// kordon-server to supervisors' browsers, possibly under a sub-path.
// Relative asset URLs work in both.
export default defineConfig({
  base: "./",
  plugins: [react()],
  build: {
    outDir: "dist",
    target: "es2022",
    sourcemap: true,
  },
  server: {
    // Never try to open a browser: this runs on headless machines too.
    open: false,
  },
  test: {
    // Logic tests run in node; component tests opt into jsdom with a
    // `@vitest-environment jsdom` comment at the top of the file.
    environment: "node",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    // A screen test walks a whole flow in jsdom (open, mark, decide); on
    // a loaded two-core machine the longest take about 5 s, Vitest's
    // default limit. A test that hangs still fails, at 20 s.
    testTimeout: 20_000,
    // The layout tests read the stylesheet's text (`styles.css?raw`);
    // Vitest hands other CSS to tests as empty.
    css: { include: [/\/src\/styles\.css/] },
  },
});
