// The jit planner's kernel counts: chains fuse into one kernel, a dense layer (matmul + bias
// + tanh) is one kernel, softmax is four.
import { devicePut, jit, nnFunctions, np, random, type NDArray } from "graft";
import { describe, expect, it } from "vitest";
import { getBackend } from "../../core/device";
import type { WebGpuBackend } from "../../backends/webgpu/backend";
import type { Executable } from "../../backends/webgpu/compile";
import { startWebgpu } from "./setup";

const hasGpu = await startWebgpu();

/** Runs jit(f) on GPU copies of args; returns the result and the executable's kernel count. */
function kernels(f: (...xs: NDArray[]) => NDArray, ...args: NDArray[]): { out: NDArray; count: number } {
  const b = getBackend("webgpu") as WebGpuBackend;
  let last: Executable | null = null;
  const compile = b.compile.bind(b);
  b.compile = (j) => (last = compile(j));
  try {
    const out = jit(f)(...args.map((a) => devicePut(a, "webgpu")));
    return { out, count: last!.kernelCount };
  } finally { b.compile = compile; }
}
const close = (got: NDArray, want: NDArray) => {
  const g = got.dataSync(), w = want.dataSync();
  for (let i = 0; i < w.length; i++) expect(Math.abs(g[i] - w[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(w[i])));
};

describe.skipIf(!hasGpu)("webgpu fusion", () => {
  const x = random.normal(random.key(0), [1000]);
  it("an elementwise chain (with a value used twice) is one kernel", () => {
    const f = (x: NDArray) => { const y = np.tanh(x.mul(1.5).add(0.5)); return y.mul(y).mul(2).sub(np.exp(y.neg())); };
    const { out, count } = kernels(f, x);
    expect(count).toBe(1);
    close(out, f(x));
  });
  it("a dense layer is one kernel (matmul epilogue)", () => {
    const w = random.normal(random.key(1), [20, 30]), b = random.normal(random.key(2), [30]), xs = random.normal(random.key(3), [64, 20]);
    const f = (w: NDArray, b: NDArray, xs: NDArray) => np.tanh(np.matmul(xs, w).add(b));
    const { out, count } = kernels(f, w, b, xs);
    expect(count).toBe(1);
    close(out, f(w, b, xs));
  });
  it("softmax over rows is four kernels (max, exp, sum, divide)", () => {
    const f = (x: NDArray) => nnFunctions.softmax(x.reshape([10, 100]), -1);
    const { out, count } = kernels(f, x);
    expect(count).toBeLessThanOrEqual(4);
    close(out, f(x));
  });
});

describe.skipIf(!hasGpu)("webgpu scalars", () => {
  it("host-made scalars on the GPU trace as literals (no extra kernel inputs)", async () => {
    const { defaultDevice, makeJaxpr } = await import("graft");
    const before = defaultDevice();
    defaultDevice("webgpu");
    try {
      const x = np.ones([8]);
      const text = makeJaxpr((v: NDArray) => v.mul(np.array(1.5)).add(0.5))(x).toString();
      expect(text).toContain("1.5");
      expect(text).toContain("0.5");
      expect(text).not.toMatch(/lambda [a-z]+:/);   // no constvars
      const { out, count } = kernels((v: NDArray) => np.tanh(v.mul(1.5).add(0.5)), x);
      expect(count).toBe(1);
      expect(out.dataSync()[0]).toBeCloseTo(Math.tanh(2), 6);
    } finally { defaultDevice(before); }
  });
});
