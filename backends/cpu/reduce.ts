// CPU kernels for reductions, arg-reductions, cumulative scans and dot_general. Big
// reductions run on several threads, and rows of PARALLEL.minSplit elements or more are
// summed in blocks (parallel.ts says in which order; fuse-reduce.ts follows it under jit).
import type { DType, TypedArray } from "../../core/dtype";
import type { ArgReduceParams, CumulativeParams, DotGeneralParams, ReduceParams } from "../../core/primitives";
import { prod } from "../../core/shape";
import { fastDotGeneral } from "./matmul";
import { alloc, aroundAxis, generated, type Kernel, permuted } from "./util";
import { type Fold, PARALLEL, parallelReduce, reduceWork, threadCode, type ThreadCode, threadsForWork } from "./parallel";

type Combine = (acc: number, v: number) => number;
interface Monoid { init: number; step: Combine }

const isIntD = (d: DType) => d === "int32" || d === "uint32";
// NaN propagates: a NaN v is taken, and a NaN accumulator is never replaced (v > NaN is
// false). Testing v > a first keeps the common path to one comparison (3x faster on 4M floats
// than testing both for NaN first); equal values keep the first, as before.
const nanMax: Combine = (a, v) => (v > a ? v : v !== v ? v : a);
const nanMin: Combine = (a, v) => (v < a ? v : v !== v ? v : a);

export function monoid(name: string, d: DType): Monoid {
  const int = isIntD(d);
  switch (name) {
    // Integer accumulators wrap every step so they stay exact (as C's int32 arithmetic).
    case "sum": return { init: 0, step: int ? (d === "int32" ? (a, v) => (a + v) | 0 : (a, v) => (a + v) >>> 0) : (a, v) => a + v };
    case "prod": return { init: 1, step: int ? (d === "int32" ? Math.imul : (a, v) => Math.imul(a, v) >>> 0) : (a, v) => a * v };
    case "max": return { init: d === "int32" ? -2147483648 : d === "uint32" || d === "bool" ? 0 : -Infinity, step: int || d === "bool" ? Math.max : nanMax };
    case "min": return { init: d === "int32" ? 2147483647 : d === "uint32" ? 4294967295 : d === "bool" ? 1 : Infinity, step: int || d === "bool" ? Math.min : nanMin };
    case "and": return { init: d === "bool" ? 1 : -1, step: (a, v) => a & v };
    case "or": return { init: 0, step: (a, v) => a | v };
  }
  throw new Error(`cpu: unknown reduction ${name}`);
}

/** The step of a reduction as a JS expression over the accumulator `a` and element `v`. */
export function stepSource(name: string, d: DType): string | null {
  const int = isIntD(d), float = !int && d !== "bool";
  switch (name) {
    case "sum": return d === "int32" ? "(a + v) | 0" : d === "uint32" ? "(a + v) >>> 0" : "a + v";
    case "prod": return d === "int32" ? "Math.imul(a, v)" : d === "uint32" ? "Math.imul(a, v) >>> 0" : "a * v";
    case "max": return float ? "(v > a ? v : v !== v ? v : a)" : "(v > a ? v : a)";
    case "min": return float ? "(v < a ? v : v !== v ? v : a)" : "(v < a ? v : a)";
    case "and": return "a & v";
    case "or": return "a | v";
  }
  return null;
}

type ReduceLoop = (t: ArrayLike<number>, out: { [i: number]: number; length: number }, r: number, init: number) => void;
// One generated loop per (reduction, dtype): a shared loop calling a step closure over
// several typed-array kinds goes megamorphic, and V8 then ran a 4M-float sum ~7x slower.
const loops = new Map<string, ReduceLoop | null>();
function reduceLoop(name: string, d: DType): ReduceLoop | null {
  const step = stepSource(name, d);
  return step === null ? null : generated<ReduceLoop>(loops, `${name}|${d}`, ["t", "out", "r", "init"], `
    for (let o = 0; o < out.length; o++) {
      let a = init;
      for (let k = o * r, end = k + r; k < end; k++) { const v = t[k]; a = ${step}; }
      out[o] = a;
    }`);
}

/**
 * A reduction's fold, for chunks of an operand (fuse-reduce.ts) and for blocks of one
 * (parallel.ts): folds c[lo, hi) into st = [accumulator, elements left in the current
 * output, output index], writing out[o] as each output completes, then starting the next
 * from init. The inner loop runs to the end of the chunk or of the output, whichever is
 * first, so it has no branch per element (a per-element "output done?" test made a 4M-float
 * fold ~2x slower). Generated per (reduction, dtype), for the reason given above.
 */
export interface FoldCode { fn: Fold; code: ThreadCode }
const folds = new Map<string, FoldCode | null>();
export function foldOf(name: string, d: DType): FoldCode | null {
  const key = `${name}|${d}`;
  let f = folds.get(key);
  if (f === undefined) {
    const step = stepSource(name, d), params = ["c", "lo", "hi", "st", "out", "r", "init"];
    const body = `"use strict";
      let a = st[0], left = st[1], o = st[2], i = lo;
      while (i < hi) {
        const end = Math.min(hi, i + left);
        left -= end - i;
        for (; i < end; i++) { const v = c[i]; a = ${step}; }
        if (left === 0) { out[o++] = a; a = init; left = r; }
      }
      st[0] = a; st[1] = left; st[2] = o;`;
    try { f = step === null ? null : { fn: new Function(...params, body) as Fold, code: threadCode(false, { params, body }) }; } catch { f = null; }
    folds.set(key, f);
  }
  return f;
}
/** Typed arrays the worker threads can view (parallel-task.ts). */
const THREADABLE = new Set(["float32", "float64", "int32", "uint32", "bool"]);

/**
 * Folds rows of r elements (n in all) of `t` into `out` on several threads, or in the
 * blocked order of parallel.ts for rows of PARALLEL.minSplit elements or more. Returns false
 * where neither applies (the caller's single loop runs), as for every small reduction.
 */
function bigReduction(name: string, d: DType, t: TypedArray, n: number, r: number, out: TypedArray): boolean {
  if (r === 0 || n === 0 || !THREADABLE.has(d)) return false;
  const T = threadsForWork(reduceWork(n, name));
  if (T === 1 && r < PARALLEL.minSplit) return false;
  const f = foldOf(name, d);
  if (!f) return false;
  const { init, step } = monoid(name, d);
  parallelReduce(T, n, r, f.fn, f.code, init, step, out, (lo, hi, sink) => sink(t, lo, hi - lo),
    { kind: 2, ins: [t], scalar: [false] });
  return true;
}

function reduction(name: string): Kernel<ReduceParams> {
  return ([x], { axes }, [outAval]) => {
    const shape = x.aval.shape;
    const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const t = permuted(x, [...kept, ...axes]);
    const r = prod(axes.map((a) => shape[a]));
    const out = alloc(outAval);
    if (bigReduction(name, x.aval.dtype, t, out.length * r, r, out)) return [out];
    const { init, step } = monoid(name, x.aval.dtype);
    const loop = reduceLoop(name, x.aval.dtype);
    if (loop) { loop(t, out, r, init); return [out]; }
    for (let o = 0; o < out.length; o++) {
      let acc = init;
      for (let k = o * r, end = k + r; k < end; k++) acc = step(acc, t[k]);
      out[o] = acc;
    }
    return [out];
  };
}

function argReduction(better: (v: number, best: number) => boolean): Kernel<ArgReduceParams> {
  return ([x], { axis }, [outAval]) => {
    const [outer, n, inner] = aroundAxis(x.aval.shape, axis);
    const out = alloc(outAval);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let best = x.data[base], bi = 0;
        for (let j = 1; j < n && best === best; j++) {
          const v = x.data[base + j * inner];
          if (v !== v || better(v, best)) { best = v; bi = j; }   // the first NaN wins, as NumPy
        }
        out[o * inner + i] = bi;
      }
    }
    return [out];
  };
}

function cumulative(name: string): Kernel<CumulativeParams> {
  return ([x], { axis, reverse }, [outAval]) => {
    const [outer, n, inner] = aroundAxis(x.aval.shape, axis);
    const out = alloc(outAval);
    const { step } = monoid(name, x.aval.dtype);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let acc = 0;
        for (let jj = 0; jj < n; jj++) {
          const p = base + (reverse ? n - 1 - jj : jj) * inner;
          acc = jj === 0 ? x.data[p] : step(acc, x.data[p]);
          out[p] = acc;
        }
      }
    }
    return [out];
  };
}

export const dotGeneral: Kernel<DotGeneralParams> = ([a, b], { dimensionNumbers: [[lc, rc], [lb, rb]] }, [outAval]) => {
  const free = (nd: number, used: readonly number[]) => [...Array(nd).keys()].filter((i) => !used.includes(i));
  const lf = free(a.aval.ndim, [...lc, ...lb]), rf = free(b.aval.ndim, [...rc, ...rb]);
  const A = permuted(a, [...lb, ...lf, ...lc]);   // [B, M, K]
  const Bm = permuted(b, [...rb, ...rc, ...rf]);  // [B, K, N]
  const nb = prod(lb.map((d) => a.aval.shape[d]));
  const M = prod(lf.map((d) => a.aval.shape[d]));
  const K = prod(lc.map((d) => a.aval.shape[d]));
  const N = prod(rf.map((d) => b.aval.shape[d]));
  const out = alloc(outAval);
  const dt = a.aval.dtype;
  const row = new Float64Array(N);
  for (let bi = 0; bi < nb; bi++) {
    for (let i = 0; i < M; i++) {
      const aOff = (bi * M + i) * K;
      if (isIntD(dt) || dt === "bool") {
        for (let j = 0; j < N; j++) {
          let acc = 0;
          for (let k = 0; k < K; k++) {
            const p = A[aOff + k], q = Bm[(bi * K + k) * N + j];
            acc = dt === "bool" ? acc | (p & q) : (acc + Math.imul(p, q)) | 0;
          }
          out[(bi * M + i) * N + j] = acc;
        }
        continue;
      }
      row.fill(0);
      for (let k = 0; k < K; k++) {
        const av = A[aOff + k];
        const bOff = (bi * K + k) * N;
        for (let j = 0; j < N; j++) row[j] += av * Bm[bOff + j];
      }
      out.set(row, (bi * M + i) * N);
    }
  }
  return [out];
};

export const reduceKernels = {
  reduce_sum: reduction("sum"),
  reduce_prod: reduction("prod"),
  reduce_max: reduction("max"),
  reduce_min: reduction("min"),
  reduce_and: reduction("and"),
  reduce_or: reduction("or"),
  argmax: argReduction((v, best) => v > best),
  argmin: argReduction((v, best) => v < best),
  cumsum: cumulative("sum"),
  cumprod: cumulative("prod"),
  cummax: cumulative("max"),
  cummin: cumulative("min"),
  // float32/float64 above a small size run on the WebAssembly SIMD GEMM (matmul.ts); this
  // loop stays the reference for the rest and the oracle in property-tests/matmul-cpu.test.ts.
  dot_general: fastDotGeneral(dotGeneral),
};
