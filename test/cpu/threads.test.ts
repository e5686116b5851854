// The CPU backend's worker threads (backends/cpu/threads.ts): `config.update("cpuThreads", n)`
// validates its value; large products run on the pool and agree with one thread; setting 1
// again keeps work on the calling thread; and in the published build the pool never keeps
// Node alive (a child process doing large products on 2 threads exits by itself, ESM and CJS).
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { config, np } from "graft";
import { poolInfo } from "../../backends/cpu/threads";

const root = fileURLToPath(new URL("../..", import.meta.url));
const built = existsSync(`${root}/dist/index.js`) && existsSync(`${root}/dist/index.cjs`);
const linux = existsSync("/proc/self/status");

describe("config cpuThreads", () => {
  it("defaults to the cores, at most 8", () => {
    const n = config.get("cpuThreads");
    expect(Number.isInteger(n) && n >= 1 && n <= 8).toBe(true);
  });
  it("takes positive integers only", () => {
    const saved = config.get("cpuThreads");
    try {
      for (const bad of [0, -2, 1.5, NaN, Infinity, "2", true]) {
        expect(() => config.update("cpuThreads", bad as number)).toThrow(/^config.update: cpuThreads takes a positive integer, got /);
      }
      expect(() => config.update("debugNans", 1 as unknown as boolean)).toThrow(/debugNans takes a boolean/);
      config.update("cpuThreads", 3);
      expect(config.get("cpuThreads")).toBe(3);
    } finally { config.update("cpuThreads", saved); }
  });
});

describe("the CPU thread pool", () => {
  it("runs large products on 2 threads, and on the calling thread again after cpuThreads 1", async () => {
    const saved = config.get("cpuThreads");
    const a = np.reshape(np.sin(np.arange(300 * 200)), [300, 200]), b = np.reshape(np.cos(np.arange(200 * 170)), [200, 170]);
    try {
      config.update("cpuThreads", 1);
      const before = poolInfo().parallelRuns;
      const one = np.matmul(a, b).dataSync();
      expect(poolInfo().parallelRuns).toBe(before);
      config.update("cpuThreads", 2);
      // The worker is ready a few ms after the first product that wants it.
      for (let i = 0; i < 500 && poolInfo().ready < 1; i++) { np.matmul(a, b).dataSync(); await new Promise((r) => setTimeout(r, 10)); }
      const runs = poolInfo().parallelRuns;
      const two = np.matmul(a, b).dataSync();
      expect(poolInfo().parallelRuns).toBe(runs + 1);
      // Each thread computes whole register tiles with the same depth order: bit-identical.
      expect(Array.from(two)).toEqual(Array.from(one));
      config.update("cpuThreads", 1);
      const again = np.matmul(a, b).dataSync();
      expect(poolInfo().parallelRuns).toBe(runs + 1);
      expect(Array.from(again)).toEqual(Array.from(one));
    } finally { config.update("cpuThreads", saved); }
  });
});

describe("the CPU thread pool under a race", () => {
  it("shares the packing of A between threads before either reads it (repeated, bit-identical to 1 thread)", async () => {
    // 8 packing units of 128×512 (the default blocking) that both threads claim; a thread
    // starting its products before the other's unit is packed would read stale panels.
    const saved = config.get("cpuThreads");
    const x = np.reshape(np.sin(np.arange(512 * 1024)), [512, 1024]), y = np.reshape(np.cos(np.arange(1024 * 64)), [1024, 64]);
    const z = np.reshape(np.cos(np.arange(512 * 1024).mul(0.5)), [512, 1024]);
    try {
      config.update("cpuThreads", 1);
      const want = [np.matmul(x, y).dataSync(), np.matmul(z, y).dataSync()].map((d) => Array.from(d));
      config.update("cpuThreads", 2);
      for (let i = 0; i < 500 && poolInfo().ready < 1; i++) { np.matmul(x, y).dataSync(); await new Promise((r) => setTimeout(r, 10)); }
      const runs = poolInfo().parallelRuns;
      for (let r = 0; r < 60; r++) {
        // alternate operands so that stale panels in the packing area differ from fresh ones
        expect(Array.from(np.matmul(r % 2 ? z : x, y).dataSync())).toEqual(want[r % 2]);
      }
      expect(poolInfo().parallelRuns).toBe(runs + 60);
    } finally { config.update("cpuThreads", saved); }
  });
});

// A child that does large products and reports the OS threads it gained (one per worker).
const child = (threads: number) => `
  const a = np.ones([512, 512]);
  config.update("cpuThreads", ${threads});
  np.matmul(np.ones([8, 8]), np.ones([8, 8])).dataSync();   // compile the kernels first
  const count = () => ${linux ? `Number(/Threads:\\s+(\\d+)/.exec(require("node:fs").readFileSync("/proc/self/status", "utf8"))[1])` : "0"};
  const before = count();
  let s = 0;
  for (let i = 0; i < 20; i++) s = np.matmul(a, a).sum().item();
  console.log(JSON.stringify({ s, gained: count() - before }));`;
const run = (args: string[]) => JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout: 30_000 }).trim());

describe.runIf(built)("the CPU thread pool in the dist build", () => {
  it("never keeps Node alive (ESM), and starts no worker with cpuThreads 1", () => {
    const esm = (n: number) => run(["--input-type=module", "-e",
      `import { np, config } from "graft"; import { createRequire } from "node:module"; const require = createRequire(import.meta.url);${child(n)}`]);
    const two = esm(2);
    expect(two.s).toBe(512 ** 3);
    if (linux) expect(two.gained).toBe(1);
    const one = esm(1);
    expect(one.s).toBe(512 ** 3);
    expect(one.gained).toBe(0);
  });
  it("never keeps Node alive (CommonJS)", () => {
    const out = run(["-e", `const { np, config } = require("graft");${child(2)}`]);
    expect(out.s).toBe(512 ** 3);
    if (linux) expect(out.gained).toBe(1);
  });
});
