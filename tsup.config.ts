import { defineConfig } from "tsup";

// One bundle per public entry; ESM + CommonJS + .d.ts, as package.json `exports` maps them.
export default defineConfig({
  entry: {
    index: "index.ts",
    "nn/index": "nn/index.ts",
    "science/index": "science/index.ts",
    "testing/index": "testing/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  // nn/science/testing import "graft" like users do; keep it a package import in their bundles.
  external: ["graft", "fast-check", "webgpu"],
});
