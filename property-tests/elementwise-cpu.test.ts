// Compiled vs interpreted float32 elementwise chains on the CPU: random chains of unary and
// binary primitives (over a second array, a rank-0 array or a literal, with comparisons and
// where) on random lengths, run under jit (fused into WebAssembly SIMD loops, fuse.ts) and
// eagerly (one kernel per primitive): the same bits (NaNs compared as NaN), and the same as
// a float64 evaluation of the chain with every step rounded to float32, within the SIMD
// math's error for one-step chains; reductions of chains (folded into the chain's loop by
// fuse-reduce.ts) likewise.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { jit, np, type NDArray } from "graft";
import { cpuBackend } from "../backends/cpu";
import type { CpuExecutable } from "../backends/cpu/fuse";
import { RUNS } from "./util";

/** f under jit, and how many reductions its compiled form folded into a loop. */
function jitted(f: (...xs: NDArray[]) => NDArray, ...args: NDArray[]): { out: NDArray; reductions: number } {
  let last: CpuExecutable | null = null;
  const compile = cpuBackend.compile.bind(cpuBackend);
  cpuBackend.compile = (j) => (last = compile(j));
  try {
    const out = jit(f)(...args);
    return { out, reductions: (last as CpuExecutable | null)?.fusedReductionCount ?? 0 };
  } finally { cpuBackend.compile = compile; }
}

type Step = { op: string; arg: "array" | "scalar" | "literal"; lit: number };
const UNARY: Record<string, (x: NDArray) => NDArray> = {
  exp: np.exp, log: (x) => np.log(np.abs(x)), tanh: np.tanh, sin: np.sin, cos: np.cos, expm1: np.expm1,
  log1p: (x) => np.log1p(np.abs(x)), sqrt: (x) => np.sqrt(np.abs(x)), neg: np.negative, floor: np.floor,
  logistic: (x) => np.reciprocal(np.add(np.exp(np.negative(x)), 1)), square: (x) => x.mul(x),
};
const BINARY: Record<string, (a: NDArray, b: NDArray | number) => NDArray> = {
  add: (a, b) => np.add(a, b), sub: (a, b) => np.subtract(a, b), mul: (a, b) => np.multiply(a, b),
  div: (a, b) => np.divide(a, b), max: (a, b) => np.maximum(a, b), min: (a, b) => np.minimum(a, b),
  where: (a, b) => np.where(np.greater(a, b), a, np.multiply(a, 0.5)),
};
const step = fc.record({
  op: fc.constantFrom(...Object.keys(UNARY), ...Object.keys(BINARY)),
  arg: fc.constantFrom("array" as const, "scalar" as const, "literal" as const),
  lit: fc.constantFrom(0.5, -1.5, 2, 0, 3.25),
});
const lengths = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(4095, 4097, 8199));

function chain(steps: Step[]) {
  return (x: NDArray, y: NDArray, s: NDArray): NDArray => {
    let v = x;
    for (const st of steps) {
      if (st.op in UNARY) v = UNARY[st.op](v);
      else v = BINARY[st.op](v, st.arg === "array" ? y : st.arg === "scalar" ? s : st.lit);
    }
    return v;
  };
}
const f32 = (n: number, seed: number, special: boolean) => {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(seed + 12.9898 * i) * 4;
  if (special && n > 3) { out[0] = NaN; out[1] = -0; out[2] = Infinity; }
  return np.array(out, { dtype: "float32" });
};
const canon = (x: NDArray) => Array.from(x.dataSync() as ArrayLike<number>, (v) => (Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? "-0" : v));

describe("float32 elementwise chains: jit (SIMD loops) == eager", () => {
  it("random chains, lengths, operands and special values give the same bits", () => {
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), lengths, fc.nat(1000), fc.boolean(), (steps, n, seed, special) => {
      const f = chain(steps);
      const x = f32(n, seed, special), y = f32(n, seed + 1, false), s = np.array(1.25, { dtype: "float32" });
      expect(canon(jit(f)(x, y, s)), steps.map((st) => st.op).join(" ")).toEqual(canon(f(x, y, s)));
    }), { numRuns: RUNS });
  });

  it("a reduction of a random chain (folded into the chain's loop) gives the same bits, float32 and float64", () => {
    const reds = { sum: np.sum, max: np.max, min: np.min } as Record<string, (x: NDArray, axis?: number) => NDArray>;
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 4 }), fc.constantFrom(...Object.keys(reds)), lengths, fc.integer({ min: 1, max: 3 }),
      fc.boolean(), fc.constantFrom("float32" as const, "float64" as const), fc.nat(1000), fc.boolean(), (steps, red, n, rows, all, dtype, seed, special) => {
        const c = chain(steps);
        // the last axis (each row folds into its own output) or all axes (one output)
        const f = (x: NDArray, y: NDArray, s: NDArray) => reds[red](c(x, y, s), all ? undefined : -1);
        const x = f32(n * rows, seed, special).reshape([rows, n]).astype(dtype), y = f32(n * rows, seed + 1, false).reshape([rows, n]).astype(dtype);
        const s = np.array(1.25, { dtype });
        const what = `${dtype} ${red}${all ? "" : "(-1)"} of ${steps.map((st) => st.op).join(" ")}`;
        const { out, reductions } = jitted(f, x, y, s);
        expect(reductions, `folded: ${what}`).toBe(1);
        expect(canon(out), what).toEqual(canon(f(x, y, s)));
      }), { numRuns: RUNS });
  });

  it("single primitives agree with float64 Math rounded to float32 (4 ulp)", () => {
    const ref: Record<string, (v: number) => number> = { exp: Math.exp, tanh: Math.tanh, sin: Math.sin, cos: Math.cos, expm1: Math.expm1 };
    fc.assert(fc.property(fc.constantFrom(...Object.keys(ref)), lengths, fc.nat(1000), (op, n, seed) => {
      const x = f32(n, seed, false), got = jit(UNARY[op])(x).dataSync(), xs = x.dataSync();
      for (let i = 0; i < n; i++) {
        const want = ref[op](xs[i]), ulp = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(Math.fround(want)) || 2 ** -126)), -126) - 23);
        expect(Math.abs(got[i] - want) / ulp, `${op}(${xs[i]})`).toBeLessThanOrEqual(4);
      }
    }), { numRuns: RUNS });
  });
});
