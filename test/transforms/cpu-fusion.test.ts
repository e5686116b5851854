// jit on the CPU fuses float elementwise chains into one generated loop each; results are
// bit-identical to eager evaluation (every intermediate is rounded to its dtype).
import { jit, nnFunctions, np, random, type NDArray } from "graft";
import { describe, expect, it } from "vitest";
import { cpuBackend } from "../../backends/cpu";
import type { CpuExecutable } from "../../backends/cpu/fuse";

function loops(f: (...xs: NDArray[]) => NDArray, ...args: NDArray[]): { out: NDArray; count: number } {
  let last: CpuExecutable | null = null;
  const compile = cpuBackend.compile.bind(cpuBackend);
  cpuBackend.compile = (j) => (last = compile(j));
  try { return { out: jit(f)(...args), count: last ? (last as CpuExecutable).loopCount : 0 }; } finally { cpuBackend.compile = compile; }
}
const bits = (x: NDArray) => Array.from(new Uint8Array((x.dataSync() as Float32Array).slice().buffer));

describe("CPU jit fusion", () => {
  const x = np.concatenate([random.normal(random.key(0), [997]).mul(5), np.array([0, -0, NaN, Infinity, -Infinity, 1e-40])]);
  const cases: [string, (x: NDArray) => NDArray, number][] = [
    ["tanh(x*1.5+0.5)*2", (x) => np.tanh(x.mul(1.5).add(0.5)).mul(2), 1],
    ["x*x - exp(-x)/3 (a value used twice)", (x) => { const y = np.sin(x.mul(0.1)); return y.mul(y).sub(np.exp(y.neg()).div(3)); }, 1],
    ["logistic, max, min, sqrt(abs)", (x) => np.maximum(nnFunctions.sigmoid(x), np.minimum(np.sqrt(np.abs(x)), 0.7)), 1],
    ["where(x > 0, log1p(x), expm1(x))", (x) => np.where(x.gt(0), np.log1p(x), np.expm1(x)), 1],
  ];
  for (const [name, f, maxLoops] of cases) {
    it(`${name}: fused, bit-identical to eager in float32 and float64`, () => {
      for (const xs of [x, x.astype("float64")]) {
        const { out, count } = loops(f, xs);
        expect(count).toBeGreaterThanOrEqual(1);
        expect(count).toBeLessThanOrEqual(maxLoops);
        const want = f(xs);
        expect(out.dtype).toBe(want.dtype);
        if (xs.dtype === "float32") expect(bits(out)).toEqual(bits(want));
        else expect(Array.from(out.dataSync())).toEqual(Array.from(want.dataSync()));
      }
    });
  }
});
