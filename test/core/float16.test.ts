// float16 on the CPU against NumPy (test/fixtures/float16.json, gen_float16.py): conversions
// bit for bit (float64 in one rounding, never through float32), +, -, *, /, sqrt, max bit for
// bit, exp/log/sin/tanh within one binary16 ulp, sums and products rounded once from exact
// values within one ulp; every bit pattern survives storage; jit equals eager; grad and vmap.
import { grad, jit, lax, np, random, vmap, type NDArray } from "graft";
import * as nn from "graft/nn";
import { describe, expect, it } from "vitest";
import { f16round, fromHalfBits, halfBits, halfValue, toHalfBits } from "../../core/float16";
import fx from "../fixtures/float16.json";

const num = (v: number | string): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : (v as number));
/** A float16 array holding the given bit patterns (exact values, so creation rounds nothing). */
const fromBits = (bits: number[], shape?: number[]): NDArray => np.array(fromHalfBits(bits), { dtype: "float16", shape });
const bitsOf = (x: NDArray): number[] => Array.from(toHalfBits(x.dataSync() as Float32Array));
const ulp = (v: number) => (Math.abs(v) < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(Math.abs(v))) - 10));
const sameBits = (got: number[], want: number[], what: string) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const nan = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
    if (nan(want[i]) ? !nan(got[i]) : got[i] !== want[i]) {
      expect.fail(`${what}[${i}]: got ${got[i].toString(16)} (${halfValue(got[i])}), want ${want[i].toString(16)} (${halfValue(want[i])})`);
    }
  }
};
const withinUlp = (got: NDArray, want: number[], what: string, ulps = 1) => {
  const g = Array.from(got.dataSync() as Float32Array), w = want.map(halfValue);
  for (let i = 0; i < w.length; i++) {
    if (!Number.isFinite(w[i])) { expect(Object.is(g[i], w[i]) || (Number.isNaN(g[i]) && Number.isNaN(w[i])), `${what}[${i}]`).toBe(true); continue; }
    if (!(Math.abs(g[i] - w[i]) <= ulps * ulp(w[i]))) expect.fail(`${what}[${i}]: got ${g[i]}, want ${w[i]}`);
  }
};

describe("float16 storage and conversions", () => {
  it("converts float64 values like NumPy, in one rounding", () => {
    const v = fx.convert_f64.values.map(num);
    sameBits(v.map(halfBits), fx.convert_f64.bits, "halfBits");
    sameBits(bitsOf(np.array(v, { dtype: "float16" })), fx.convert_f64.bits, "np.array");
    sameBits(bitsOf(np.array(v, { dtype: "float64" }).astype("float16")), fx.convert_f64.bits, "astype from float64");
    // 1 + 2^-11 + 2^-30 rounds to 1 + 2^-10; through float32 it would tie and go to 1.
    expect(f16round(1 + 2 ** -11 + 2 ** -30)).toBe(1 + 2 ** -10);
  });

  it("converts float32 values like NumPy", () => {
    const v = Float32Array.from(fx.convert_f32.values.map(num));
    sameBits(Array.from(toHalfBits(v)), fx.convert_f32.bits, "toHalfBits");
    sameBits(bitsOf(np.array(v).astype("float16")), fx.convert_f32.bits, "astype from float32");
  });

  it("converts to and from complex like NumPy: the real part in one rounding, values (not bits) into complex", () => {
    const v = fx.convert_f64.values.map(num);
    const c128 = lax.complex(np.array(v, { dtype: "float64" }), np.full([v.length], 3, { dtype: "float64" }));
    expect(c128.dtype).toBe("complex128");
    sameBits(bitsOf(c128.astype("float16")), fx.convert_f64.bits, "complex128 -> float16");
    const c64 = np.array(Float32Array.from(fx.convert_f32.values.map(num))).astype("complex64");
    sameBits(bitsOf(c64.astype("float16")), fx.convert_f32.bits, "complex64 -> float16");
    const h = fromBits(fx.operands.a);
    const back = h.astype("complex64").js() as { re: number; im: number }[];
    expect(back.map((z) => z.re)).toEqual(fx.operands.a.map(halfValue));
    expect(back.every((z) => z.im === 0)).toBe(true);
    // float16 input to an FFT is its values in complex64 (JAX's upcast), not its bit patterns.
    expect(np.fft.fft(h.slice([0, 16])).js()).toEqual(np.fft.fft(h.slice([0, 16]).astype("float32")).js());
  });

  it("keeps every binary16 bit pattern through storage, reads and float32", () => {
    const all = Array.from({ length: 65536 }, (_, h) => h);
    const x = fromBits(all);
    expect(x.dtype).toBe("float16");
    expect(x.dataSync()).toBeInstanceOf(Float32Array);
    sameBits(bitsOf(x), all, "stored");
    sameBits(bitsOf(x.astype("float32").astype("float16")), all, "via float32");
  });

  it("promotes like JAX: float16 with weak floats stays float16, with float32 becomes float32", () => {
    const h = np.array([1, 2], { dtype: "float16" });
    expect(h.mul(2.5).dtype).toBe("float16");
    expect(h.add(np.array([1, 1], { dtype: "int32" })).dtype).toBe("float16");
    expect(h.add(np.ones([2])).dtype).toBe("float32");
    expect(np.zeros([2], { dtype: "float16" }).js()).toEqual([0, 0]);
    expect(np.eye(2, null, 0, { dtype: "float16" }).js()).toEqual([[1, 0], [0, 1]]);
    expect(np.full([2], 0.1, { dtype: "float16" }).js()).toEqual([0.0999755859375, 0.0999755859375]);
    expect(np.arange(0, 2, 0.5, { dtype: "float16" }).js()).toEqual([0, 0.5, 1, 1.5]);
    expect(String(np.array([1.5, 65504, 70000], { dtype: "float16" }))).toContain("inf");
  });
});

describe("float16 operations against NumPy", () => {
  const { a, b, pos, small } = fx.operands;
  const [A, B, P, S] = [fromBits(a), fromBits(b), fromBits(pos), fromBits(small)];
  it("+, -, *, /, max, negation and sqrt match bit for bit", () => {
    sameBits(bitsOf(A.add(B)), fx.ops.add, "add");
    sameBits(bitsOf(A.sub(B)), fx.ops.subtract, "subtract");
    sameBits(bitsOf(A.mul(B)), fx.ops.multiply, "multiply");
    sameBits(bitsOf(A.div(B)), fx.ops.divide, "divide");
    sameBits(bitsOf(np.maximum(A, B)), fx.ops.maximum, "maximum");
    sameBits(bitsOf(A.neg()), fx.ops.negative, "negative");
    sameBits(bitsOf(np.sqrt(P)), fx.ops.sqrt, "sqrt");
  });
  it("exp, log, sin and tanh are within one ulp", () => {
    withinUlp(np.exp(S), fx.ops.exp, "exp");
    withinUlp(np.log(P), fx.ops.log, "log");
    withinUlp(np.sin(A), fx.ops.sin, "sin");
    withinUlp(np.tanh(A), fx.ops.tanh, "tanh");
    for (const r of [np.exp(S), np.sin(A)]) expect(r.dtype).toBe("float16");
  });
  it("sums, means and matmuls are the exact result rounded, within one ulp; max is exact", () => {
    const r = fx.reductions, m = fromBits(r.m, [6, 40]), w = fromBits(r.w, [40, 5]);
    withinUlp(np.sum(m, 0), r.sum0, "sum0");
    withinUlp(np.sum(m, 1), r.sum1, "sum1");
    withinUlp(np.mean(m, 1), r.mean1, "mean1");
    sameBits(bitsOf(np.max(m, 1)), r.max1, "max1");
    withinUlp(np.matmul(m, w), r.matmul, "matmul");
    expect(np.sum(m).dtype).toBe("float16");
  });
});

describe("float16 under transformations", () => {
  const x = np.array([0.5, -1.25, 2, 0.1, -3, 7.5], { dtype: "float16" });
  const f = (v: NDArray) => np.sum(np.tanh(v.mul(0.7)).mul(v).add(np.exp(v.mul(-0.2))));
  it("jit equals eager bit for bit", () => {
    const g = (v: NDArray) => np.tanh(v.mul(1.5).add(0.5)).mul(2).sub(np.sqrt(np.abs(v)));
    sameBits(bitsOf(jit(g)(x)), bitsOf(g(x)), "jit");
    sameBits(bitsOf(jit(f)(x)), bitsOf(f(x)), "jit sum");
  });
  it("grad is float16 and close to the float32 gradient", () => {
    const g16 = grad(f)(x), g32 = grad(f)(x.astype("float32"));
    expect(g16.dtype).toBe("float16");
    const a = Array.from(g16.dataSync() as Float32Array), b = Array.from(g32.dataSync() as Float32Array);
    b.forEach((v, i) => expect(Math.abs(a[i] - v)).toBeLessThanOrEqual(8 * ulp(v) + 1e-3));
  });
  it("vmap equals a loop", () => {
    const xs = x.reshape([2, 3]);
    const h = (v: NDArray) => np.sum(np.sin(v).mul(v));
    sameBits(bitsOf(vmap(h)(xs)), [0, 1].flatMap((i) => bitsOf(h(xs.slice(i)).reshape([1]))), "vmap");
  });
});

describe("float16 in safetensors checkpoints", () => {
  it("saves binary16 bytes under dtype F16 and loads them back", () => {
    const x = fromBits(fx.operands.a.slice(0, 12), [3, 4]);
    const bytes = nn.toSafetensors({ w: x });
    const parsed = nn.parseSafetensors(bytes);
    expect(parsed.tensors.w.dtype).toBe("F16");
    expect(parsed.tensors.w.data_offsets[1] - parsed.tensors.w.data_offsets[0]).toBe(24);
    const back = nn.fromSafetensors(bytes, { w: np.zeros([3, 4], { dtype: "float16" }) }).w;
    expect(back.dtype).toBe("float16");
    sameBits(bitsOf(back), fx.operands.a.slice(0, 12), "loaded");
  });
});

describe("float16 random samplers", () => {
  const N = 20000, k = random.key(7), d = { dtype: "float16" as const };
  const vals = (x: NDArray) => { expect(x.dtype).toBe("float16"); return Array.from(x.dataSync() as Float32Array); };
  const moments = (v: number[]) => { const m = v.reduce((a, b) => a + b, 0) / v.length; return [m, v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length]; };
  it("uniform draws multiples of 2^-10 in [0, 1) (and [minval, maxval)); normal has mean 0, variance 1 and finite tails", () => {
    const u = vals(random.uniform(k, [N], d));
    expect(u.every((x) => x >= 0 && x < 1 && Number.isInteger(x * 1024))).toBe(true);
    const [um, uv] = moments(u);
    expect(Math.abs(um - (1 - 2 ** -10) / 2)).toBeLessThan(5 * Math.sqrt(1 / 12 / N));
    expect(Math.abs(uv - 1 / 12)).toBeLessThan(0.004);
    expect(vals(random.uniform(k, [N], { ...d, minval: -2, maxval: 3 })).every((x) => x >= -2 && x < 3)).toBe(true);
    const z = vals(random.normal(k, [N], d));
    expect(z.every(Number.isFinite)).toBe(true);
    const [zm, zv] = moments(z);
    expect(Math.abs(zm)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(zv - 1)).toBeLessThan(0.06);
  });
  it("the other samplers give finite float16 values with the right means", () => {
    const cases: [NDArray, number][] = [
      [random.exponential(k, [N], d), 1], [random.gamma(k, 2.5, [N], d), 2.5], [random.beta(k, 2, 5, [N], d), 2 / 7],
      [random.laplace(k, [N], d), 0], [random.logistic(k, [N], d), 0], [random.gumbel(k, [N], d), 0.5772],
    ];
    for (const [x, mean] of cases) {
      const v = vals(x);
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Math.abs(moments(v)[0] - mean)).toBeLessThan(0.06);
    }
    expect(vals(random.truncatedNormal(k, -1, 2, [N], d)).every((x) => x >= -1 && x <= 2)).toBe(true);
  });
});
