// The float32 WebAssembly SIMD math (backends/cpu/simd-math.ts) against float64 Math.*: the
// largest error in ulp over random and edge inputs stays under a per-function bound, C99
// special values come out exactly (signed zeros included), tails of every length and chunk
// boundaries are computed, scalars broadcast, and NaN propagates. Bounds measured over 2^20
// inputs: exp 1.02, log 0.77, expm1 1.61, log1p 1.18, tanh 2.25, logistic 2.30, sin 1.51,
// cos 1.53, tan 3.33 ulp.
import { describe, expect, it, vi } from "vitest";
import { CHUNK, simdAvailable, simdKernel, simdOp } from "../../backends/cpu/elementwise-wasm";
import { inputs, REFERENCE, ulpError } from "./simd-ulp";

const BOUND: Record<string, number> = { exp: 1.5, log: 1, expm1: 2, log1p: 1.5, tanh: 2.5, logistic: 2.5, sin: 2, cos: 2, tan: 3.5 };
/** log-uniform magnitudes 2^lo..2^hi and uniform [-u, u]: each function's interesting ranges */
const RANGES: Record<string, [number, number, number]> = {
  exp: [-30, 7, 100], log: [-149, 128, 10], expm1: [-30, 7, 3], log1p: [-30, 128, 1], tanh: [-30, 5, 10],
  logistic: [-30, 7, 20], sin: [-30, 22, 10], cos: [-30, 22, 10], tan: [-30, 22, 10],
};
const F32_MAX = 3.4028234663852886e38, TINY = 2 ** -149;
const EDGES = [0, -0, Infinity, -Infinity, NaN, TINY, -TINY, 1e-40, -1e-40, 1.1754942e-38, 1.17549435e-38, F32_MAX, -F32_MAX,
  1, -1, 0.5, 2, 88.72283935546875, 88.72284698486328, 88.7, 89, 100, -87.33654, -87.3366, -103.97207, -103.97209, -104, -150,
  0.625, -0.625, 9, 9.1, 20, 2 ** -12, 2 ** -13, 2 ** -24, 2 ** -25, 0.29289, 0.41421, -0.29289, -0.999999, -0.5,
  Math.PI / 2, Math.PI, 3 * Math.PI / 2, 1e5, 1e6, 1.0001e6, 1e7, 16777216, 1e30, -1e30, 12582912, 1e-30];

function run(op: string, xs: Float32Array): Float32Array {
  const out = new Float32Array(xs.length);
  simdOp(op, [false])!([xs], out);
  return out;
}
function maxUlp(op: string, xs: Float32Array): { ulp: number; at: number } {
  const got = run(op, xs);
  let ulp = 0, at = NaN;
  for (let i = 0; i < xs.length; i++) {
    const e = ulpError(got[i], REFERENCE[op](xs[i]));
    if (e > ulp) { ulp = e; at = xs[i]; }
  }
  return { ulp, at };
}

describe.skipIf(!simdAvailable())("float32 SIMD math", () => {
  for (const op of Object.keys(BOUND)) {
    it(`${op}: within ${BOUND[op]} ulp of float64 Math over random and edge inputs`, () => {
      const [lo, hi, u] = RANGES[op];
      const xs = new Float32Array([...EDGES, ...inputs(1 << 17, lo, hi, u, op.length)]);
      const { ulp, at } = maxUlp(op, xs);
      expect(ulp, `${op}: worst at x = ${at}`).toBeLessThanOrEqual(BOUND[op]);
    });
  }

  it("gives C99 special values exactly, signed zeros included", () => {
    const cases: [string, number, number][] = [
      ["exp", -Infinity, 0], ["exp", Infinity, Infinity], ["exp", -0, 1], ["exp", 88.72284698486328, Infinity], ["exp", -104, 0],
      ["log", 0, -Infinity], ["log", -0, -Infinity], ["log", -1, NaN], ["log", -Infinity, NaN], ["log", Infinity, Infinity], ["log", 1, 0],
      ["log", TINY, Math.fround(Math.log(TINY))],
      ["expm1", -0, -0], ["expm1", -Infinity, -1], ["expm1", Infinity, Infinity], ["expm1", TINY, TINY],
      ["log1p", -0, -0], ["log1p", -1, -Infinity], ["log1p", -2, NaN], ["log1p", Infinity, Infinity], ["log1p", -TINY, -TINY],
      ["tanh", -0, -0], ["tanh", Infinity, 1], ["tanh", -Infinity, -1], ["tanh", -TINY, -TINY], ["tanh", 1e30, 1],
      ["logistic", -Infinity, 0], ["logistic", Infinity, 1], ["logistic", -0, 0.5], ["logistic", -200, 0],
      ["sin", -0, -0], ["sin", Infinity, NaN], ["sin", -Infinity, NaN], ["sin", -TINY, -TINY], ["sin", 1e30, Math.fround(Math.sin(Math.fround(1e30)))],
      ["cos", -0, 1], ["cos", Infinity, NaN], ["cos", 1e30, Math.fround(Math.cos(Math.fround(1e30)))],
      ["tan", -0, -0], ["tan", -Infinity, NaN], ["tan", -1e-30, Math.fround(-1e-30)],
    ];
    for (const op of Object.keys(BOUND)) expect(Number.isNaN(run(op, new Float32Array([NaN]))[0]), `${op}(NaN)`).toBe(true);
    for (const [op, x, want] of cases) expect(run(op, new Float32Array([x]))[0], `${op}(${x})`).toBe(want);
  });

  it("computes tails (any length) and across chunk boundaries, each element as alone", () => {
    const big = inputs(3 * CHUNK + 5, -10, 5, 4);
    for (const op of ["tanh", "sin", "log1p", "neg"]) {
      const whole = run(op, big);
      for (const n of [1, 2, 3, 5, 7, 4 * 33 + 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 3, 3 * CHUNK + 5]) {
        const part = run(op, big.slice(0, n));
        expect(Array.from(part), `${op} n=${n}`).toEqual(Array.from(whole.slice(0, n)));
        expect(Array.from(part.slice(-3)).every((y, i) => ulpError(y, (REFERENCE[op] ?? ((x: number) => -x))(big[Math.max(0, n - 3) + i])) <= 4 || n < 3), `${op} n=${n} tail`).toBe(true);
      }
    }
  });

  it("broadcasts rank-0 scalars on either side, and propagates NaN", () => {
    const xs = new Float32Array([1, -2, NaN, 4, Infinity, 0, -0]);
    for (const [op, f] of [["sub", (a: number, b: number) => a - b], ["div", (a: number, b: number) => a / b], ["max", Math.max], ["min", Math.min]] as const) {
      const left = new Float32Array(xs.length), right = new Float32Array(xs.length);
      simdOp(op, [true, false])!([2.5, xs], left);
      simdOp(op, [false, true])!([xs, 2.5], right);
      xs.forEach((x, i) => {
        expect(left[i], `${op}(2.5, ${x})`).toBe(Math.fround(f(2.5, x)));
        expect(right[i], `${op}(${x}, 2.5)`).toBe(Math.fround(f(x, 2.5)));
      });
    }
    // a chain over two arrays and a scalar: tanh(a * s + b)
    const k = simdKernel({ scalars: [false, true, false], nodes: [
      { op: "mul", args: [{ input: 0 }, { input: 1 }] }, { op: "add", args: [{ node: 0 }, { input: 2 }] }, { op: "tanh", args: [{ node: 1 }] }] })!;
    const b = new Float32Array([0.5, NaN, 0, -1, 0, 3, 1]), out = new Float32Array(xs.length);
    k([xs, -0.75, b], out);
    out.forEach((y, i) => expect(ulpError(y, Math.tanh(Math.fround(Math.fround(xs[i] * -0.75) + b[i]))), `i=${i}`).toBeLessThanOrEqual(BOUND.tanh));
    expect([1, 2].every((i) => Number.isNaN(out[i]))).toBe(true);
  });
});

describe("without WebAssembly", () => {
  it("eager and jit float32 math run Math.* in JS loops, and still agree bit for bit", async () => {
    vi.resetModules();
    vi.stubGlobal("WebAssembly", undefined);
    try {
      const ew = await import("../../backends/cpu/elementwise-wasm");
      expect(ew.simdAvailable()).toBe(false);
      const { jit, np } = await import("graft");
      const f = (x: import("graft").NDArray) => np.tanh(x.mul(1.5).add(0.5)).mul(2);
      const xs = new Float32Array([0.1, -2, NaN, 7, -0, 1e-3, 3, 0.5, -0.25]);
      const x = np.array(xs, { dtype: "float32" });
      const eager = Array.from(f(x).dataSync()), jitted = Array.from(jit(f)(x).dataSync());
      expect(jitted).toEqual(eager);
      expect(eager).toEqual(Array.from(xs, (v) => Math.fround(2 * Math.fround(Math.tanh(Math.fround(Math.fround(v * 1.5) + 0.5))))));
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});
