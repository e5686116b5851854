import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests import the package by name, resolved to the sources (the dist build is checked
// separately in test/package.test.ts).
export default defineConfig({
  resolve: {
    alias: [
      { find: /^graft\/nn$/, replacement: here("./nn/index.ts") },
      { find: /^graft\/science$/, replacement: here("./science/index.ts") },
      { find: /^graft\/testing$/, replacement: here("./testing/index.ts") },
      { find: /^graft$/, replacement: here("./index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts", "property-tests/**/*.test.ts"],
    setupFiles: ["test/setup-device.ts"],
    testTimeout: 60_000,
    pool: "forks",
  },
});
