// The CPU backend's fast paths (backends/cpu/matmul*.ts) against independent references:
// dot_general on the WebAssembly SIMD GEMM equals a naive triple loop in float64 on random
// shapes (odd sizes, edge tiles, size-1 dims, batch dims, every operand layout — contracting
// dims first, last or interleaved on either side), with the blocking shrunk so small shapes
// cross every cache-block boundary; float32 within a bound relative to Σ|a||b|, float64 to
// rounding; NaN/Inf patterns as the reference loop; the public API takes the fast path for
// large products. conv_general_dilated via im2col + GEMM equals the direct reference kernel
// on random conv configs (ranks, layouts, strides, padding, dilations, groups). Each runs
// with cpuThreads 1 and 2, the thread threshold lowered so that small products are split
// across the worker (by batch, row blocks or column blocks, with edge tiles at the seams).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc, { type Arbitrary } from "fast-check";
import { config, lax, np } from "graft";
import { ShapedArray } from "../core/aval";
import type { ConvGeneralDilatedParams, DotGeneralParams } from "../core/primitives";
import { convKernel } from "../backends/cpu/conv";
import { BLOCKING, fastDotGeneral, hasWasmMatmul, THREADING } from "../backends/cpu/matmul";
import { poolInfo } from "../backends/cpu/threads";
import { fastConv } from "../backends/cpu/matmul-conv";
import { dotGeneral as referenceDot } from "../backends/cpu/reduce";
import { RUNS, sizeOf, stridesOf, unravel } from "./util";
import { type ConvSpec as BaseConvSpec, convSpecs, dil, groupShapes } from "./conv-spec";

const fast = fastDotGeneral(() => { throw new Error("fast path not taken"); }, 0);
const EPS = { float32: 2 ** -24, float64: 2 ** -53 };
type FDT = "float32" | "float64";

function rng(seed: number) {
  let a = seed >>> 0;
  return () => { a = (Math.imul(a, 1664525) + 1013904223) >>> 0; return a / 2 ** 32 * 2 - 1; };
}
const fill = (dt: FDT, n: number, next: () => number) =>
  dt === "float32" ? Float32Array.from({ length: n }, next) : Float64Array.from({ length: n }, next);
const cpuIn = (data: Float32Array | Float64Array, shape: number[], dt: FDT) => ({ data, aval: new ShapedArray(shape, dt) });

// ---- a random dot_general ------------------------------------------------------------------

interface DotSpec { batch: number[]; m: number[]; k: number[]; n: number[]; permA: number[]; permB: number[]; dt: FDT; seed: number; blocked: boolean; threads?: number }

const perm = (n: number): Arbitrary<number[]> => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });
const dims = (max: number, size: Arbitrary<number>) => fc.array(size, { minLength: 0, maxLength: max });
/** Sizes around the register tiles (4 rows, 8/4 columns): 1, edges, and a few tiles. */
const size = fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 9 }), fc.integer({ min: 10, max: 37 }));

const sortRange = (p: number[], from: number, n: number) =>
  [...p.slice(0, from), ...p.slice(from, from + n).sort((x, y) => x - y), ...p.slice(from + n)];
const dotSpec: Arbitrary<DotSpec> = fc.record({
  batch: dims(2, fc.integer({ min: 1, max: 3 })), m: dims(2, size), k: dims(2, size), n: dims(2, size),
  dt: fc.constantFrom("float32" as const, "float64" as const), seed: fc.integer({ min: 1, max: 2 ** 30 }), blocked: fc.boolean(),
  threads: fc.constantFrom(1, 2),
}).chain((s) => fc.record({
  permA: perm(s.batch.length + s.m.length + s.k.length), permB: perm(s.batch.length + s.k.length + s.n.length),
}).map((p) => ({
  ...s,
  // dot_general orders the free dims of its output by axis: keep them in canonical order.
  permA: sortRange(p.permA, s.batch.length, s.m.length),
  permB: sortRange(p.permB, s.batch.length + s.k.length, s.n.length),
}))).filter((s) => sizeOf(s.batch) * sizeOf(s.m) * sizeOf(s.k) * sizeOf(s.n) <= 60_000);

/**
 * Operand A's canonical dims are [batch..., m..., k...] and B's [batch..., k..., n...]; each
 * is stored with canonical dim i at axis perm[i]. Returns the dot_general dimension numbers.
 */
function dotNumbers(s: DotSpec): DotGeneralParams {
  const nb = s.batch.length, nm = s.m.length, nk = s.k.length;
  const at = (p: number[], from: number, n: number) => p.slice(from, from + n);
  return {
    dimensionNumbers: [[at(s.permA, nb + nm, nk), at(s.permB, nb, nk)], [at(s.permA, 0, nb), at(s.permB, 0, nb)]],
    preferredElementType: null,
  };
}
/** Canonical-order data laid out by perm (canonical dim i at axis perm[i]). */
function layout(canon: Float32Array | Float64Array, shape: number[], p: number[]) {
  const stored = new Array<number>(shape.length);
  p.forEach((ax, i) => { stored[ax] = shape[i]; });
  const st = stridesOf(stored), out = canon.slice();
  for (let f = 0; f < canon.length; f++) {
    const idx = unravel(f, shape);
    out[idx.reduce((o, v, i) => o + v * st[p[i]], 0)] = canon[f];
  }
  return { data: out, shape: stored };
}

/** Naive triple loop in float64 over canonical data: C[b, i, j] = Σ_k A[b, i, k] B[b, k, j], and Σ|A||B|. */
function naive(a: ArrayLike<number>, b: ArrayLike<number>, B: number, M: number, K: number, N: number) {
  const c = new Float64Array(B * M * N), mag = new Float64Array(B * M * N);
  for (let q = 0; q < B; q++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let acc = 0, m = 0;
    for (let k = 0; k < K; k++) { const p = a[(q * M + i) * K + k] * b[(q * K + k) * N + j]; acc += p; m += Math.abs(p); }
    c[(q * M + i) * N + j] = acc; mag[(q * M + i) * N + j] = m;
  }
  return { c, mag };
}

function runDot(s: DotSpec, mutate?: (a: Float32Array | Float64Array, b: Float32Array | Float64Array) => void) {
  const next = rng(s.seed);
  const aShape = [...s.batch, ...s.m, ...s.k], bShape = [...s.batch, ...s.k, ...s.n];
  const a = fill(s.dt, sizeOf(aShape), next), b = fill(s.dt, sizeOf(bShape), next);
  mutate?.(a, b);
  const A = layout(a, aShape, s.permA), Bl = layout(b, bShape, s.permB);
  const outShape = [...s.batch, ...s.m, ...s.n];
  const params = dotNumbers(s);
  const [got] = fast([cpuIn(A.data, A.shape, s.dt), cpuIn(Bl.data, Bl.shape, s.dt)], params, [new ShapedArray(outShape, s.dt)]);
  return { got, ...naive(a, b, sizeOf(s.batch), sizeOf(s.m), sizeOf(s.k), sizeOf(s.n)), params, A, B: Bl, outShape };
}

/** |got - want| <= c·K·eps·Σ|a||b| (+ a float32 rounding of the result) elementwise. */
function expectWithinBound(got: ArrayLike<number>, want: Float64Array, mag: Float64Array, K: number, dt: FDT) {
  const eps = EPS[dt];
  for (let i = 0; i < want.length; i++) {
    const tol = 2 * (K + 2) * eps * mag[i] + (dt === "float32" ? eps * Math.abs(want[i]) : 0);
    if (!(Math.abs(got[i] - want[i]) <= tol)) expect.fail(`element ${i}: got ${got[i]}, want ${want[i]} ± ${tol}`);
  }
}

/**
 * Runs `f` with the cache blocks shrunk to a few tiles, so small shapes cross every boundary,
 * on `threads` threads (every product above 0 multiply-adds goes to the pool).
 */
function withBlocking<T>(on: boolean, f: () => T, threads = 1): T {
  const saved = { ...BLOCKING }, savedThreads = config.get("cpuThreads");
  if (on) Object.assign(BLOCKING, { MC: 8, KC: 5, NC: 16 });
  config.update("cpuThreads", threads);
  try { return f(); } finally { Object.assign(BLOCKING, saved); config.update("cpuThreads", savedThreads); }
}

// Start the worker before the properties run (it is ready a few ms after the first product
// that asks for it) and send every product through the thread dispatch.
const savedMinMacs = THREADING.minMacs;
beforeAll(async () => {
  THREADING.minMacs = 0;
  config.update("cpuThreads", 2);
  for (let i = 0; i < 500 && poolInfo().ready < 1; i++) {
    fast([cpuIn(new Float32Array(64), [8, 8], "float32"), cpuIn(new Float32Array(64), [8, 8], "float32")],
      { dimensionNumbers: [[[1], [0]], [[], []]], preferredElementType: null }, [new ShapedArray([8, 8], "float32")]);
    await new Promise((r) => setTimeout(r, 10));
  }
});
afterAll(() => { THREADING.minMacs = savedMinMacs; });
/** Asserts that products ran on two threads while `f` ran. */
function expectThreaded(f: () => void) {
  const before = poolInfo().parallelRuns;
  f();
  expect(poolInfo().parallelRuns).toBeGreaterThan(before);
}

describe("dot_general on the WebAssembly SIMD GEMM", () => {
  it("WebAssembly SIMD is available in this runtime", () => expect(hasWasmMatmul()).toBe(true));

  it("equals a naive triple loop (random shapes, batch dims, every layout, float32/float64, 1 or 2 threads)", () => {
    expect(poolInfo().ready).toBe(1);
    expectThreaded(() => fc.assert(fc.property(dotSpec, (s) => {
      const r = withBlocking(s.blocked, () => runDot(s), s.threads);
      expect(r.got.length).toBe(r.c.length);
      expectWithinBound(r.got, r.c, r.mag, sizeOf(s.k), s.dt);
    }), { numRuns: RUNS * 3 }));
  });

  it("splits by batch, row blocks and column blocks on 2 threads (edge tiles at the seams, transposed operands)", () => {
    // [batch, m, k, n]: batch splits (even and odd counts), more rows than columns (row split)
    // and the reverse (column split), sizes off the 4×8 / 4×4 tiles.
    const shapes = [[[4], 13, 21, 9], [[], 37, 19, 5], [[], 6, 23, 45], [[3], 11, 7, 29], [[2, 3], 9, 33, 7], [[], 5, 3, 9], [[5], 2, 40, 3]] as const;
    for (const [batch, m, k, n] of shapes) for (const dt of ["float32", "float64"] as const) for (const blocked of [false, true]) {
      const nb = batch.length, permA = [...Array(nb + 2).keys()], permB = [...Array(nb + 2).keys()];
      [permA[nb], permA[nb + 1]] = [nb + 1, nb];   // A stored [.., k, m]: Aᵀ
      const s: DotSpec = { batch: [...batch], m: [m], k: [k], n: [n], permA, permB, dt, seed: m * 1000 + k * 10 + n, blocked, threads: 2 };
      expectThreaded(() => {
        const r = withBlocking(blocked, () => runDot(s), 2);
        expectWithinBound(r.got, r.c, r.mag, k, dt);
      });
    }
  });

  it("propagates NaN and Inf as the reference loop does (Inf·0 = NaN included)", () => {
    fc.assert(fc.property(dotSpec, fc.nat(), fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity), (s, pa, pb, v) => {
      const r = withBlocking(s.blocked, () => runDot(s, (a, b) => {
        if (a.length) a[pa % a.length] = v;
        if (b.length) b[pb % b.length] = 0;
      }));
      const [want] = referenceDot([cpuIn(r.A.data, r.A.shape, s.dt), cpuIn(r.B.data, r.B.shape, s.dt)], r.params, [new ShapedArray(r.outShape, s.dt)]);
      for (let i = 0; i < want.length; i++) {
        expect(Number.isNaN(r.got[i]), `element ${i}`).toBe(Number.isNaN(want[i]));
        if (!Number.isFinite(want[i])) expect(r.got[i]).toBe(want[i]);
      }
    }), { numRuns: RUNS });
  });

  it("rounds float64 exactly as the reference on exactly representable sums", () => {
    // Small integers: every partial sum is exact in either order, so results are bit-identical.
    const M = 13, K = 300, N = 21;
    const a = Float64Array.from({ length: M * K }, (_, i) => (i * 7) % 11 - 5), b = Float64Array.from({ length: K * N }, (_, i) => (i * 5) % 9 - 4);
    const p: DotGeneralParams = { dimensionNumbers: [[[1], [0]], [[], []]], preferredElementType: null };
    const ins = [cpuIn(a, [M, K], "float64"), cpuIn(b, [K, N], "float64")], out = [new ShapedArray([M, N], "float64")];
    expect(Array.from(fast(ins, p, out)[0])).toEqual(Array.from(referenceDot(ins, p, out)[0]));
  });

  it("matrix-vector products (row or column vector, matrix rows or columns contiguous, ragged K)", () => {
    // Canonical A [m, k], B [k, n] with m = 1 or n = 1; perms put the contracting dim first or last.
    for (const dt of ["float32", "float64"] as const) {
      for (const [m, k, n] of [[1, 1, 1], [1, 77, 1], [1, 133, 45], [61, 133, 1], [1, 16, 9], [13, 3, 1], [1, 1000, 3], [3, 1000, 1]]) {
        for (const permA of [[0, 1], [1, 0]]) for (const permB of [[0, 1], [1, 0]]) {
          const s: DotSpec = { batch: [2], m: [m], k: [k], n: [n], permA: [0, 1 + permA[0], 1 + permA[1]], permB: [0, 1 + permB[0], 1 + permB[1]], dt, seed: m * k + n, blocked: false };
          const r = runDot(s);
          expectWithinBound(r.got, r.c, r.mag, k, dt);
        }
      }
    }
  });

  it("the public API takes the fast path for large products (matmul, batched, transposed; 1 and 2 threads)", () => {
    const next = rng(7);
    for (const [dt, threads] of [["float32", 1], ["float64", 1], ["float32", 2], ["float64", 2]] as const) withBlocking(false, () => {
      const x = np.array(fill(dt, 3 * 40 * 70, next), { shape: [3, 40, 70], dtype: dt });
      const y = np.array(fill(dt, 3 * 50 * 70, next), { shape: [3, 50, 70], dtype: dt });
      // x @ yᵀ per batch: contracting dim last on both sides.
      const z = lax.dotGeneral(x, y, [[[2], [2]], [[0], [0]]]);
      const { c, mag } = naive(x.dataSync(), np.transpose(y, [0, 2, 1]).dataSync(), 3, 40, 70, 50);
      expect(z.shape).toEqual([3, 40, 50]);
      expectWithinBound(z.dataSync(), c, mag, 70, dt);
    }, threads);
  });
});

// ---- conv: im2col + GEMM against the direct reference kernel ------------------------------

interface ConvSpec extends BaseConvSpec { dt: FDT; blocked: boolean; threads: number }
const convSpec: Arbitrary<ConvSpec> = fc.tuple(
  convSpecs({ maxN: 3, maxI: 4, maxOg: [9, 9], maxIn: [9, 5], fullWindows: true }),
  fc.constantFrom("float32" as const, "float64" as const), fc.boolean(), fc.constantFrom(1, 2),
).map(([s, dt, blocked, threads]) => ({ ...s, dt, blocked, threads }));

/** The conv's operands (laid out per spec), params and output aval. */
function convCase(s: ConvSpec) {
  const { fg, bg, lhs: lhsC, rhs: rhsC } = groupShapes(s);
  const outSp = s.inSp.map((n, i) => Math.floor((dil(n, s.ld[i]) + s.pads[i][0] + s.pads[i][1] - dil(s.kSp[i], s.rd[i])) / s.strides[i]) + 1);
  const outC = [s.N, s.Og * s.G, ...outSp];
  const next = rng(s.seed);
  const x = layout(fill(s.dt, sizeOf(lhsC), next), lhsC, s.lhsSpec), w = layout(fill(s.dt, sizeOf(rhsC), next), rhsC, s.rhsSpec);
  const outShape = new Array<number>(outC.length);
  s.outSpec.forEach((ax, i) => { outShape[ax] = outC[i]; });
  const p: ConvGeneralDilatedParams = {
    windowStrides: s.strides, padding: s.pads, lhsDilation: s.ld, rhsDilation: s.rd,
    dimensionNumbers: { lhsSpec: s.lhsSpec, rhsSpec: s.rhsSpec, outSpec: s.outSpec },
    featureGroupCount: fg, batchGroupCount: bg, preferredElementType: null,
  } as ConvGeneralDilatedParams;
  return { x, w, p, out: new ShapedArray(outShape, s.dt) };
}

const im2col = fastConv(() => { throw new Error("im2col path not taken"); }, () => true);

describe("conv_general_dilated via im2col + GEMM", () => {
  it("equals the direct reference kernel (any rank, layout, strides, padding, dilations, groups; 1 or 2 threads)", () => {
    expectThreaded(() => fc.assert(fc.property(convSpec, (s) => {
      const { x, w, p, out } = convCase(s);
      const ins = [cpuIn(x.data, x.shape, s.dt), cpuIn(w.data, w.shape, s.dt)];
      const [got] = withBlocking(s.blocked, () => im2col(ins, p, [out]), s.threads);
      const [want] = convKernel(ins, p, [out]);
      // Σ|w||x| per output: the same conv of absolute values, on the reference kernel.
      const abs = (d: Float32Array | Float64Array) => d.map(Math.abs);
      const [mag] = convKernel([cpuIn(abs(x.data), x.shape, s.dt), cpuIn(abs(w.data), w.shape, s.dt)], p, [out]);
      const R = s.I * sizeOf(s.kSp), eps = EPS[s.dt];
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) {
        const tol = 2 * (R + 2) * eps * mag[i] + eps * Math.abs(want[i]);
        if (!(Math.abs(got[i] - want[i]) <= tol)) expect.fail(`element ${i}: got ${got[i]}, want ${want[i]} ± ${tol}`);
      }
    }), { numRuns: RUNS * 2 }));
  });
});
