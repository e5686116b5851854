// jit on the CPU fuses float elementwise chains into one generated loop each (WebAssembly SIMD
// for float32, JS for float64); results are bit-identical to eager evaluation (every
// intermediate is rounded to its dtype, and eager float32 math runs the same SIMD kernels).
// NaN payloads aside: all NaNs compare equal here.
import { grad, jit, nnFunctions, np, random, type NDArray } from "graft";
import { describe, expect, it } from "vitest";
import { cpuBackend } from "../../backends/cpu";
import { simdAvailable } from "../../backends/cpu/elementwise-wasm";
import type { CpuExecutable } from "../../backends/cpu/fuse";
import { REFERENCE, ulpError } from "../cpu/simd-ulp";

function loops(f: (...xs: NDArray[]) => NDArray, ...args: NDArray[]): { out: NDArray; count: number; simd: number; reductions: number; broadcasts: number } {
  let last: CpuExecutable | null = null;
  const compile = cpuBackend.compile.bind(cpuBackend);
  cpuBackend.compile = (j) => (last = compile(j));
  try {
    const out = jit(f)(...args);
    const exe = last as CpuExecutable | null;
    const broadcasts = exe ? exe.steps.filter((st) => st.kind === "eqn" && st.eqn.prim.name === "broadcast_in_dim").length : 0;
    return { out, count: exe ? exe.loopCount : 0, simd: exe ? exe.simdLoopCount : 0, reductions: exe ? exe.fusedReductionCount : 0, broadcasts };
  } finally { cpuBackend.compile = compile; }
}
/** The bytes of each element, every NaN written as the one canonical NaN. */
const bits = (x: NDArray) => {
  const v = (x.dataSync() as Float32Array).slice();
  v.forEach((y, i) => { if (Number.isNaN(y)) v[i] = NaN; });
  return Array.from(new Uint8Array(v.buffer));
};
const simd = simdAvailable();

describe("CPU jit fusion", () => {
  const x = np.concatenate([random.normal(random.key(0), [997]).mul(5), np.array([0, -0, NaN, Infinity, -Infinity, 1e-40])]);
  const cases: [string, (x: NDArray) => NDArray, number][] = [
    ["tanh(x*1.5+0.5)*2", (x) => np.tanh(x.mul(1.5).add(0.5)).mul(2), 1],
    ["x*x - exp(-x)/3 (a value used twice)", (x) => { const y = np.sin(x.mul(0.1)); return y.mul(y).sub(np.exp(y.neg()).div(3)); }, 1],
    ["logistic, max, min, sqrt(abs)", (x) => np.maximum(nnFunctions.sigmoid(x), np.minimum(np.sqrt(np.abs(x)), 0.7)), 1],
    ["where(x > 0, log1p(x), expm1(x))", (x) => np.where(x.gt(0), np.log1p(x), np.expm1(x)), 1],
    ["floor, ceil, cos, square", (x) => np.floor(np.cos(x)).add(np.ceil(x.mul(x).mul(0.01))), 1],
  ];
  for (const [name, f, maxLoops] of cases) {
    it(`${name}: fused, bit-identical to eager in float32 and float64`, () => {
      for (const xs of [x, x.astype("float64")]) {
        const { out, count, simd: nSimd } = loops(f, xs);
        expect(count).toBeGreaterThanOrEqual(1);
        expect(count).toBeLessThanOrEqual(maxLoops);
        // float32 loops are SIMD kernels where WebAssembly SIMD is present, float64 ones never
        expect(nSimd).toBe(xs.dtype === "float32" && simd ? count : 0);
        const want = f(xs);
        expect(out.dtype).toBe(want.dtype);
        if (xs.dtype === "float32") expect(bits(out)).toEqual(bits(want));
        else expect(Array.from(out.dataSync())).toEqual(Array.from(want.dataSync()));
      }
    });
  }

  it("float32: every length (tails of 1, 3, 5, 4k+1 and past a chunk) matches eager and float64 Math", () => {
    const f = (x: NDArray) => np.tanh(x.mul(1.5).add(0.5)).mul(2);
    const jf = jit(f);
    for (const n of [1, 2, 3, 5, 9, 4 * 25 + 1, 4097, 8195]) {
      const xs = random.uniform(random.key(n), [n], { minval: -3, maxval: 3 });
      const got = jf(xs), data = xs.dataSync();
      expect(bits(got), `n=${n}`).toEqual(bits(f(xs)));
      const g = got.dataSync();
      for (let i = 0; i < n; i++) {
        // the float32 chain rounds x*1.5+0.5 first; tanh's bound, then *2 is exact
        const arg = Math.fround(Math.fround(data[i] * 1.5) + 0.5);
        expect(ulpError(g[i] / 2, REFERENCE.tanh(arg)), `n=${n} i=${i}`).toBeLessThanOrEqual(2.5);
      }
    }
  });

  it("float32: rank-0 arrays broadcast into the loop; NaN propagates", () => {
    const f = (x: NDArray, s: NDArray) => np.exp(x.mul(s)).sub(np.log(s));
    const xs = np.array([1, NaN, -2, 0.5, 3], { dtype: "float32" }), s = np.array(0.25, { dtype: "float32" });
    const { out, simd: nSimd } = loops(f, xs, s);
    expect(nSimd).toBe(simd ? 2 : 0);   // log(s) over the one element, then the loop over x reading it
    expect(bits(out)).toEqual(bits(f(xs, s)));
    const o = out.dataSync();
    expect(Number.isNaN(o[1])).toBe(true);
    expect(ulpError(o[0], Math.exp(0.25) - Math.log(0.25))).toBeLessThan(4);
    expect(Number.isNaN(f(xs, np.array(NaN, { dtype: "float32" })).dataSync()[0])).toBe(true);
  });

  it("scalars broadcast to full shape (literals and rank-0 arrays) are read inside the loop, not materialized", () => {
    for (const dtype of ["float32", "float64"] as const) {
      // max(x, broadcast(s)): a rank-0 argument broadcast in the jaxpr
      const h = (x: NDArray, s: NDArray) => np.maximum(x, np.broadcastTo(s, x.shape)).mul(2);
      // relu's gradient: select_n over broadcasts of the literals 0.5, 1.0 and 0.0 (jit's simplifier already
      // turns literal broadcasts into scalar operands; checked here so that stays so)
      const g = grad((x: NDArray) => np.sum(nnFunctions.relu(x).mul(x)));
      const x = random.normal(random.key(1), [37, 5], { dtype }).at(0).set(0), s = np.array(0.25, { dtype });
      const a = loops(h, x, s), b = loops(g, x);
      expect([a.broadcasts, b.broadcasts]).toEqual([0, 0]);
      expect(b.count).toBeGreaterThan(0);
      expect(a.count).toBe(1);
      expect(Array.from(a.out.dataSync())).toEqual(Array.from(h(x, s).dataSync()));
      expect(Array.from(b.out.dataSync())).toEqual(Array.from(g(x).dataSync()));
    }
  });

  // A reduction of a fused chain folds the chain's chunks as they are made (no full-size
  // operand); eager rounds each element to its dtype and folds in order, and so must jit.
  describe("fused reductions", () => {
    const cases: [string, (x: NDArray) => NDArray][] = [
      ["sum of squares (JS loop in float64, SIMD in float32)", (x) => np.sum(np.square(x.sub(0.25)))],
      ["sum of tanh over the last axis", (x) => np.sum(np.tanh(x.mul(0.3)), -1)],
      ["max of exp over all axes", (x) => np.max(np.exp(x.mul(0.01)))],
      ["min over the last two axes", (x) => np.min(x.mul(x).sub(3), [1, 2])],
      ["mean (sum times 1/n) of logistic", (x) => np.mean(nnFunctions.sigmoid(x), -1)],
      ["prod over the last axis", (x) => np.prod(x.mul(0.01).add(1), -1)],
    ];
    // 3 × 5 × 2731: rows that end inside chunks of 4096 and a total past several chunks.
    const base = random.normal(random.key(7), [3, 5, 2731]).mul(4);
    const withNaN = base.at(1, 2, 100).set(NaN);
    for (const [name, f] of cases) {
      it(`${name}: folded into its loop, bit-identical to eager`, () => {
        for (const xs of [base, withNaN, base.astype("float64")]) {
          const { out, reductions } = loops(f, xs);
          expect(reductions, "fused reductions").toBe(1);
          const want = f(xs);
          expect(out.shape).toEqual(want.shape);
          expect(out.dtype).toBe(want.dtype);
          if (xs.dtype === "float32") expect(bits(out)).toEqual(bits(want));
          else expect(Array.from(out.dataSync())).toEqual(Array.from(want.dataSync()));
        }
      });
    }
    // Rows of 3 (many outputs end inside each chunk), of 1, and of 9001 (each spans chunks),
    // with totals that are not multiples of 4 or of the chunk.
    it("rows of any length fold in order, in SIMD (float32) and JS (float64) loops", () => {
      for (const shape of [[4099, 3], [5, 1], [3, 9001], [4097]]) {
        const x = random.normal(random.key(shape[0]), shape).mul(3);
        for (const xs of [x, x.astype("float64")]) {
          for (const f of [(v: NDArray) => np.sum(np.tanh(v.mul(0.7)), -1), (v: NDArray) => np.max(v.mul(v).sub(0.5), -1)]) {
            const { out, reductions, simd: nSimd } = loops(f, xs);
            expect(reductions, `${shape} ${xs.dtype}`).toBe(1);
            expect(nSimd).toBe(simd && xs.dtype === "float32" ? 1 : 0);
            expect(Array.from(out.dataSync()), `${shape} ${xs.dtype}`).toEqual(Array.from(f(xs).dataSync()));
          }
        }
      }
    });
    it("a reduction over leading axes, or of a value used elsewhere, is not folded (and still right)", () => {
      const lead = loops((x) => np.sum(np.tanh(x), 0), base);
      expect(lead.reductions).toBe(0);
      expect(bits(lead.out)).toEqual(bits(np.sum(np.tanh(base), 0)));
      const both = jit((x: NDArray) => { const y = np.exp(x.mul(0.1)); return np.sum(y).add(y); })(base);
      const y = np.exp(base.mul(0.1));
      expect(bits(both)).toEqual(bits(np.sum(y).add(y)));
    });
  });
});
