// The published build: `npm test` builds dist/ first; here Node loads it by package name
// (a package can import itself through its `exports`), as ESM and as CommonJS.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: "utf8" }).trim();
const built = existsSync(`${root}/dist/index.js`) && existsSync(`${root}/dist/index.cjs`);

describe.runIf(built)("dist build", () => {
  it("loads as ESM with every entry point", () => {
    const out = run(["--input-type=module", "-e", `
      import { np, makeJaxpr } from "graft";
      import * as nn from "graft/nn";
      import * as science from "graft/science";
      import { arrays } from "graft/testing";
      console.log(JSON.stringify([np.matmul(np.eye(2), np.array([1, 2])).js(), typeof nn.relu,
        science.stats.normalLogPdf(0).item().toFixed(4), typeof arrays,
        makeJaxpr((x) => np.sin(x))(np.ones([3])).toString()]));`]);
    expect(JSON.parse(out)).toEqual([[1, 2], "function", "-0.9189", "function", "{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b) }"]);
  });
  it("loads as CommonJS", () => {
    const out = run(["-e", `const { np } = require("graft"); const nn = require("graft/nn");
      console.log(JSON.stringify([np.arange(3).sum().item(), nn.relu(np.array([-1, 2])).js()]));`]);
    expect(JSON.parse(out)).toEqual([3, [0, 2]]);
  });
});

it("the build exists when tests run through npm test", () => {
  // `npm test` builds before vitest; a bare `vitest run` may skip the suite above.
  expect(built || !process.env.npm_lifecycle_event?.startsWith("test")).toBe(true);
});
