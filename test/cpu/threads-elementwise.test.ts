// Big elementwise kernels and reductions on the CPU thread pool (backends/cpu/parallel.ts),
// with its thresholds lowered so that small arrays go through the threads: results equal
// one thread's bit for bit (elementwise: the same code per element; reductions: an order
// that depends on the sizes alone), jit equals eager, the blocked order of long rows matches
// a float64 loop written from its definition, NaN and ties resolve as in one pass, a failing
// worker surfaces on the caller and leaves the pool usable, and without SharedArrayBuffer
// everything runs on the calling thread with the same results.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { config, jit, np, type NDArray } from "graft";
import { PARALLEL, parallelElementwise, threadCode, threadsForWork } from "../../backends/cpu/parallel";
import { poolInfo } from "../../backends/cpu/threads";

const root = fileURLToPath(new URL("../..", import.meta.url));
const saved = { ...PARALLEL, threads: config.get("cpuThreads") };
// Small thresholds: 2 threads from 4096 units of work, counting no copies (so that adds go
// to the threads too), blocks of 1024 elements, rows of 3000 elements and more reduced in
// blocks of 1000.
const KNOBS = { minWork: 4096, staging: 0, block: 1024, minSplit: 3000, rowBlock: 1000 };
beforeAll(() => { Object.assign(PARALLEL, KNOBS); });
afterAll(() => { const { threads, ...p } = saved; Object.assign(PARALLEL, p); config.update("cpuThreads", threads); });

/** A deterministic pseudo-random float32 stream in [-2, 2) (xorshift). */
function data(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed | 1;
  for (let i = 0; i < n; i++) { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; a[i] = ((s >>> 0) / 2 ** 32) * 4 - 2; }
  return a;
}
const bits = (x: NDArray) => Array.from(x.dataSync() as ArrayLike<number>);
const runs = () => poolInfo("elementwise").parallelRuns;

/** cpuThreads 2 with the worker ready (it starts with the first big kernel, a few ms later). */
async function twoThreads(): Promise<void> {
  config.update("cpuThreads", 2);
  for (let i = 0; i < 500 && poolInfo("elementwise").ready < 1; i++) {
    np.exp(np.ones([20000])).dataSync();
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(poolInfo("elementwise").ready).toBe(1);
}

/** f's results with 1 thread, then with 2 (which must run on the pool); returns both. */
async function oneAndTwo(f: () => NDArray[]): Promise<[number[][], number[][]]> {
  config.update("cpuThreads", 1);
  const before = runs();
  const one = f().map(bits);
  expect(runs()).toBe(before);
  await twoThreads();
  const r0 = runs();
  const two = f().map(bits);
  expect(runs()).toBeGreaterThan(r0);
  return [one, two];
}

// Sizes around the work threshold (4096 / cost elements) and around block boundaries
// (multiples of 1024, and of 4 for the SIMD tails).
const SIZES = [4095, 4096, 4097, 5 * 1024 - 1, 5 * 1024 + 1, 5 * 1024 + 3, 8 * 1024, 12345];

describe("elementwise kernels on 2 threads", () => {
  it("float32 SIMD kernels (eager) equal one thread's bit for bit", async () => {
    const xs = SIZES.map((n, k) => np.array(data(n, 11 + k)));
    const ops = (x: NDArray) => [np.tanh(x), np.exp(x), np.sin(x.mul(40)), np.log(np.abs(x)), x.add(x.mul(0.5)), np.maximum(x, 0.25), x.div(3)];
    const [one, two] = await oneAndTwo(() => xs.flatMap(ops));
    expect(two).toEqual(one);
  });
  it("fused float32 and float64 jit chains equal one thread's and eager's", async () => {
    const chain = (x: NDArray) => np.tanh(x.mul(1.5).add(0.5)).mul(2);
    const f64 = (x: NDArray) => np.exp(x.mul(0.5)).sub(np.log1p(x.mul(x))).mul(x);
    const jc = jit(chain), jf = jit(f64);
    const x32 = SIZES.map((n, k) => np.array(data(n, 31 + k)));
    const x64 = SIZES.map((n, k) => np.array(Float64Array.from(data(n, 51 + k))));
    const [one, two] = await oneAndTwo(() => [...x32.map((x) => jc(x)), ...x64.map((x) => jf(x))]);
    expect(two).toEqual(one);
    expect(two).toEqual([...x32.map((x) => bits(chain(x))), ...x64.map((x) => bits(f64(x)))]);
  });
  it("float64 JS loops, with scalar operands on either side, equal one thread's", async () => {
    const xs = SIZES.map((n, k) => np.array(Float64Array.from(data(n, 71 + k))));
    const s = np.array(new Float64Array([0.75]));
    const ops = (x: NDArray) => [np.exp(x), np.sin(x), s.sub(x), x.div(s), x.mul(x), np.less(x, s)];
    const [one, two] = await oneAndTwo(() => xs.flatMap(ops));
    expect(two).toEqual(one);
  });
  it("stays on the calling thread below the threshold", async () => {
    await twoThreads();
    // the default copying cost: tanh (10 per element) counts 8, an add nothing
    Object.assign(PARALLEL, { minWork: 60000, staging: 2 });
    try {
      const r0 = runs();
      np.tanh(np.array(data(7499, 3))).dataSync();
      np.add(np.array(data(200000, 4)), 1).dataSync();
      np.exp(np.array(Float64Array.from(data(1999, 4)))).dataSync();   // Math.exp: 30
      expect(runs()).toBe(r0);
      np.tanh(np.array(data(7500, 3))).dataSync();
      np.exp(np.array(Float64Array.from(data(2143, 4)))).dataSync();
      expect(runs()).toBe(r0 + 2);
    } finally { Object.assign(PARALLEL, KNOBS); }
  });
});

/** The documented order in a float64 loop: rows folded in order, long rows in blocks of 1000 combined in order. */
function oracle(x: ArrayLike<number>, r: number, step: (a: number, v: number) => number, init: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < x.length / r; o++) {
    const fold = (lo: number, hi: number) => { let a = init; for (let k = lo; k < hi; k++) a = step(a, x[k]); return a; };
    if (r < KNOBS.minSplit) { out.push(fold(o * r, o * r + r)); continue; }
    let a = fold(o * r, o * r + KNOBS.rowBlock);
    for (let lo = o * r + KNOBS.rowBlock; lo < o * r + r; lo += KNOBS.rowBlock) a = step(a, fold(lo, Math.min(o * r + r, lo + KNOBS.rowBlock)));
    out.push(a);
  }
  return out;
}

describe("reductions on 2 threads", () => {
  // rows around minSplit and the row blocks; many short rows; one long row
  const SHAPES = [[3, 2999], [3, 3000], [2, 3001], [1, 4001], [1, 12345], [40, 301], [5000, 1]];

  it("sum, prod, max and min equal one thread's, jit equals eager, and both follow the documented order", async () => {
    const cases: [string, (x: NDArray) => NDArray, (a: number, v: number) => number, number][] = [
      ["sum", (x) => np.sum(x, -1), (a, v) => a + v, 0],
      ["prod", (x) => np.prod(x, -1), (a, v) => a * v, 1],
      ["max", (x) => np.max(x, -1), (a, v) => (v > a ? v : a), -Infinity],
      ["min", (x) => np.min(x, -1), (a, v) => (v < a ? v : a), Infinity],
    ];
    const inputs = SHAPES.flatMap(([m, r], k) => {
      const d = data(m * r, 91 + k).map((v) => 1 + v / 64);   // products stay finite
      return [np.array(d).reshape([m, r]), np.array(Float64Array.from(d)).reshape([m, r])];
    });
    const all = () => inputs.flatMap((x) => cases.map(([, f]) => f(x)));
    const [one, two] = await oneAndTwo(all);
    expect(two).toEqual(one);
    // jit runs the same reductions (unfused: a bare reduction), and fused into the loop of its operand
    const fused = inputs.flatMap((x) => [jit((y: NDArray) => np.sum(y.mul(2), -1))(x), jit((y: NDArray) => np.max(np.tanh(y), -1))(x)]);
    const eager = inputs.flatMap((x) => [np.sum(x.mul(2), -1), np.max(np.tanh(x), -1)]);
    expect(fused.map(bits)).toEqual(eager.map(bits));
    expect(inputs.flatMap((x) => cases.map(([, f]) => bits(jit(f)(x))))).toEqual(two);
    // the order, from its definition, in float64 then rounded to the dtype
    inputs.forEach((x, i) => cases.forEach(([name, , step, init], c) => {
      const r = x.shape[1], want = oracle(x.dataSync() as ArrayLike<number>, r, step, init);
      const rounded = x.dtype === "float32" ? want.map(Math.fround) : want;
      expect(two[i * cases.length + c], `${name} ${x.dtype}[${x.shape}]`).toEqual(rounded);
    }));
  });

  it("int32 sums wrap as in one pass, and are the same on 1 and 2 threads", async () => {
    const d = Int32Array.from(data(12345, 5), (v) => Math.round(v * 2 ** 29));
    const x = np.array(d);
    let want = 0;
    for (const v of d) want = (want + v) | 0;
    const [one, two] = await oneAndTwo(() => [np.sum(x), np.sum(x.reshape([5, 2469]), 1)]);
    expect(two).toEqual(one);
    expect(two[0]).toEqual([want]);
  });

  it("max and min keep NaN and the first of equal values (-0 before +0) wherever they fall", async () => {
    const n = 12345, base = data(n, 17).map((v) => v / 4);   // all in [-0.5, 0.5)
    const planted = (at: number[], vals: number[]) => { const d = base.slice(); at.forEach((p, i) => { d[p] = vals[i]; }); return np.array(d); };
    // NaN in an early block, in the last element, in two blocks; a tie of maxima across blocks
    const inputs = [planted([999, 5000], [NaN, 7]), planted([12344], [NaN]), planted([0, 11000], [NaN, NaN]), planted([100, 7000, 7001], [7, 7, -7])];
    // every element -1 but zeros from 3000 on, alternating -0 (first) and +0: max keeps the first zero, -0;
    // negated, min keeps the first zero, +0
    const zeros = np.array(Float32Array.from({ length: n }, (_, i) => (i < 3000 ? -1 : i % 2 ? 0 : -0)));
    const [one, two] = await oneAndTwo(() => [...inputs.flatMap((x) => [np.max(x), np.min(x)]), np.max(zeros), np.min(np.negative(zeros))]);
    expect(two).toEqual(one);
    expect(two.slice(0, 6)).toEqual([[NaN], [NaN], [NaN], [NaN], [NaN], [NaN]]);
    expect(two.slice(6, 8)).toEqual([[7], [-7]]);
    expect(Object.is(two[8][0], -0)).toBe(true);
    expect(Object.is(two[9][0], 0)).toBe(true);
    // jit agrees
    expect(bits(jit((x: NDArray) => np.max(x))(zeros))).toEqual(two[8]);
  });

  it("gives the same bits call after call", async () => {
    await twoThreads();
    const x = np.array(data(12345, 23));
    const first = bits(np.sum(x));
    for (let i = 0; i < 30; i++) expect(bits(np.sum(x))).toEqual(first);
  });
});

describe("random sizes, shapes and kernels", () => {
  it("give the same bits on 1 and 2 threads, eager and jit", async () => {
    await twoThreads();
    const r0 = runs();
    const kernels: Record<string, (x: NDArray) => NDArray> = {
      tanh: np.tanh, exp: np.exp, cos: np.cos, chain: (x) => np.tanh(x.mul(1.5).add(0.5)).mul(2), scale: (x) => x.mul(3).sub(1),
      sum: (x) => np.sum(x, -1), max: (x) => np.max(x, -1), prod: (x) => np.prod(x.mul(0.01).add(1), -1),
      sumChain: (x) => np.sum(np.exp(x.mul(0.5)), -1), minChain: (x) => np.min(x.mul(x), -1),
    };
    fc.assert(fc.property(fc.integer({ min: 1, max: 20000 }), fc.integer({ min: 1, max: 5 }), fc.constantFrom("float32", "float64"),
      fc.constantFrom(...Object.keys(kernels)), fc.integer(), (len, rows, dtype, name, seed) => {
        const r = Math.ceil(len / rows), d = data(rows * r, seed);
        const x = np.array(dtype === "float32" ? d : Float64Array.from(d)).reshape([rows, r]), f = kernels[name];
        config.update("cpuThreads", 1);
        const one = bits(f(x));
        config.update("cpuThreads", 2);
        expect(bits(f(x))).toEqual(one);
        expect(bits(jit(f)(x))).toEqual(one);
      }), { numRuns: 60 });
    expect(runs()).toBeGreaterThan(r0);
  });
});

describe("failures on the pool", () => {
  it("a worker's error reaches the caller, and the pool keeps working", async () => {
    await twoThreads();
    const n = 20000, x = data(n, 29), out = new Float32Array(n);
    const bad = threadCode(false, { params: ["xs", "ys", "out", "mode"], body: "throw new Error('planted failure in a worker')" });
    const T = threadsForWork(n);
    expect(T).toBe(2);
    // the caller's blocks take 10 ms each, so that the worker surely claims some
    const nap = new Int32Array(new SharedArrayBuffer(4));
    expect(() => parallelElementwise(T, bad, [x], [false], out, 0, undefined, (lo, hi) => { Atomics.wait(nap, 0, 0, 10); out.set(x.subarray(lo, hi), lo); }))
      .toThrow(/cpu threads: a worker thread failed while running a kernel: planted failure in a worker/);
    const [one, two] = await oneAndTwo(() => [np.tanh(np.array(x))]);
    expect(two).toEqual(one);
  });
  it("an error on the calling thread's blocks reaches the caller, and the pool keeps working", async () => {
    await twoThreads();
    const n = 20000, x = data(n, 31), out = new Float32Array(n);
    // the workers' blocks take 5 ms each, so that the caller surely claims one
    const code = threadCode(false, { params: ["xs", "ys", "out", "mode"],
      body: "const t = Date.now(); while (Date.now() - t < 5); for (let i = 0; i < out.length; i++) out[i] = xs[i];" });
    expect(() => parallelElementwise(2, code, [x], [false], out, 0, undefined, () => { throw new Error("planted failure on the caller"); }))
      .toThrow(/planted failure on the caller/);
    // and a correct job right after, through the same code
    expect(parallelElementwise(2, code, [x], [false], out, 0, undefined, (lo, hi) => out.set(x.subarray(lo, hi), lo))).toBe(true);
    expect(Array.from(out)).toEqual(Array.from(x));
  });
});

describe("without SharedArrayBuffer", () => {
  it("runs on the calling thread with the same results", async () => {
    // A child process without SharedArrayBuffer (a page that is not cross-origin isolated).
    const script = `delete globalThis.SharedArrayBuffer;
      const { np, config } = await import("./index.ts");
      const { PARALLEL } = await import("./backends/cpu/parallel.ts");
      const { poolInfo } = await import("./backends/cpu/threads.ts");
      Object.assign(PARALLEL, ${JSON.stringify(KNOBS)});
      config.update("cpuThreads", 2);
      const x = np.array(Float32Array.from(${JSON.stringify(Array.from(data(6000, 41)))}));
      const out = [np.tanh(x), np.sum(x), np.max(x), np.sum(x.reshape([3, 2000]), 1)].map((y) => Array.from(y.dataSync()));
      console.log(JSON.stringify({ out, pool: poolInfo("elementwise") }));`;
    const got = JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: root, encoding: "utf8", timeout: 60_000 }).trim());
    const x = np.array(data(6000, 41));
    const [one] = await oneAndTwo(() => [np.tanh(x), np.sum(x), np.max(x), np.sum(x.reshape([3, 2000]), 1)]);
    expect(got.pool).toEqual({ workers: 0, ready: 0, parallelRuns: 0 });
    expect(got.out).toEqual(one);
  });
});
