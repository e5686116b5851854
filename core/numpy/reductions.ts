// np reductions: sum/prod/mean/var/std/max/min/arg*/any/all, cumulative ops, median,
// quantile and average.
import type { Axis, NDArray, Operand, ReduceOpts } from "../array";
import { defaultFloat } from "../config";
import { type DType, isComplex, isFloat, isInexact, isInt } from "../dtype";
import { msg, normalizeAxis } from "../errors";
import { prims } from "../primitives";
import { array } from "./creation";
import { add, divide, isnan, multiply, notEqual, sqrt, square, subtract, where } from "./elementwise";
import { moveaxis, ravel } from "./shapes";
import { takeAlongAxis } from "./indexing";
import { asArray, astype, broadcastTo, normalizeAxes, reshape, scalarArray } from "./util";

type Opts = ReduceOpts & { dtype?: DType };

function keep(x: NDArray, out: NDArray, axes: number[], keepdims?: boolean): NDArray {
  if (!keepdims) return out;
  return reshape(out, x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
}

/** bool sums count in int32 (as JAX), other dtypes keep theirs. */
const sumDType = (d: DType): DType => (d === "bool" ? "int32" : d);

/** @example np.sum(x, 0, { keepdims: true }) */
export function sum(x: Operand, axis?: Axis, opts: Opts = {}): NDArray {
  let a = asArray(x);
  const axes = normalizeAxes("sum", axis, a.ndim);
  a = astype(a, opts.dtype ?? sumDType(a.dtype), a.weakType);
  return keep(a, prims.reduce_sum.bind1([a], { axes }), axes, opts.keepdims);
}
/** @example np.prod(x) */
export function prod(x: Operand, axis?: Axis, opts: Opts = {}): NDArray {
  let a = asArray(x);
  const axes = normalizeAxes("prod", axis, a.ndim);
  a = astype(a, opts.dtype ?? sumDType(a.dtype), a.weakType);
  return keep(a, prims.reduce_prod.bind1([a], { axes }), axes, opts.keepdims);
}

function extremum(name: "max" | "min", x: Operand, axis: Axis, opts: ReduceOpts): NDArray {
  const a = asArray(x);
  const axes = normalizeAxes(name, axis, a.ndim);
  if (axes.some((ax) => a.shape[ax] === 0)) {
    throw new RangeError(msg(name, "zero-size reduction has no identity; reduce over non-empty axes", a.aval.str()));
  }
  const prim = name === "max" ? prims.reduce_max : prims.reduce_min;
  return keep(a, prim.bind1([a], { axes }), axes, opts.keepdims);
}
/** @example np.max(x, -1) */ export const max = (x: Operand, axis?: Axis, opts: ReduceOpts = {}) => extremum("max", x, axis, opts);
/** @example np.min(x, -1) */ export const min = (x: Operand, axis?: Axis, opts: ReduceOpts = {}) => extremum("min", x, axis, opts);
export const amax = max, amin = min;

const countOf = (a: NDArray, axes: number[]) => axes.reduce((n, ax) => n * a.shape[ax], 1);
const meanDType = (d: DType): DType => (isInexact(d) ? d : defaultFloat());

/** @example np.mean(x, [0, 1]) */
export function mean(x: Operand, axis?: Axis, opts: Opts = {}): NDArray {
  const a = asArray(x);
  const axes = normalizeAxes("mean", axis, a.ndim);
  const d = opts.dtype ?? meanDType(a.dtype);
  const s = sum(astype(a, d, a.weakType), axes, { keepdims: opts.keepdims });
  return prims.div.bind1([s, scalarArray(countOf(a, axes), d, true)], {});
}

/** Variance with `ddof` delta degrees of freedom. @example np.var(x, 0, { ddof: 1 }) */
export function var_(x: Operand, axis?: Axis, opts: Opts & { ddof?: number } = {}): NDArray {
  const a0 = asArray(x);
  const axes = normalizeAxes("var", axis, a0.ndim);
  const a = astype(a0, opts.dtype ?? meanDType(a0.dtype), a0.weakType);
  const centered = subtract(a, mean(a, axes, { keepdims: true }));
  const n = countOf(a, axes) - (opts.ddof ?? 0);
  // Complex data: the mean of |x - mean|^2, real-valued (as NumPy).
  const sq = isComplex(a.dtype) ? prims.real.bind1([multiply(centered, prims.conj.bind1([centered], {}))], {}) : square(centered);
  const ss = sum(sq, axes, { keepdims: opts.keepdims });
  return prims.div.bind1([ss, scalarArray(n, ss.dtype, true)], {});
}
export { var_ as var };
/** @example np.std(x) */
export const std = (x: Operand, axis?: Axis, opts: Opts & { ddof?: number } = {}): NDArray => sqrt(var_(x, axis, opts));

function argReduce(name: "argmax" | "argmin", x: Operand, axis: number | null | undefined, opts: ReduceOpts): NDArray {
  let a = asArray(x);
  if (axis === null || axis === undefined) {
    const out = (name === "argmax" ? prims.argmax : prims.argmin).bind1([ravel(a)], { axis: 0, indexDtype: "int32" });
    return opts.keepdims ? reshape(out, a.shape.map(() => 1)) : out;
  }
  const ax = normalizeAxis(name, axis, a.ndim);
  const out = (name === "argmax" ? prims.argmax : prims.argmin).bind1([a], { axis: ax, indexDtype: "int32" });
  return keep(a, out, [ax], opts.keepdims);
}
/** Index of the first maximum (the first NaN if any). @example np.argmax(x, 1) */
export const argmax = (x: Operand, axis?: number | null, opts: ReduceOpts = {}) => argReduce("argmax", x, axis, opts);
/** @example np.argmin(x) */
export const argmin = (x: Operand, axis?: number | null, opts: ReduceOpts = {}) => argReduce("argmin", x, axis, opts);

function logicalReduce(name: "any" | "all", x: Operand, axis: Axis, opts: ReduceOpts): NDArray {
  let a = asArray(x);
  if (a.dtype !== "bool") a = notEqual(a, 0);
  const axes = normalizeAxes(name, axis, a.ndim);
  return keep(a, (name === "any" ? prims.reduce_or : prims.reduce_and).bind1([a], { axes }), axes, opts.keepdims);
}
/** @example np.any(x.gt(0)) */ export const any = (x: Operand, axis?: Axis, opts: ReduceOpts = {}) => logicalReduce("any", x, axis, opts);
/** @example np.all(x.gt(0), 0) */ export const all = (x: Operand, axis?: Axis, opts: ReduceOpts = {}) => logicalReduce("all", x, axis, opts);

function cumulative(name: "cumsum" | "cumprod" | "cummax" | "cummin", x: Operand, axis: number | null | undefined, opts: { dtype?: DType; reverse?: boolean }): NDArray {
  let a = asArray(x);
  if (axis === null || axis === undefined) { a = ravel(a); axis = 0; }
  const ax = normalizeAxis(name, axis, a.ndim);
  if (name === "cumsum" || name === "cumprod") a = astype(a, opts.dtype ?? sumDType(a.dtype), a.weakType);
  return prims[name].bind1([a], { axis: ax, reverse: opts.reverse ?? false });
}
/** Flattens first when `axis` is null/undefined, as NumPy. @example np.cumsum(x, 0) */
export const cumsum = (x: Operand, axis?: number | null, opts: { dtype?: DType } = {}) => cumulative("cumsum", x, axis, opts);
/** @example np.cumprod(x, -1) */
export const cumprod = (x: Operand, axis?: number | null, opts: { dtype?: DType } = {}) => cumulative("cumprod", x, axis, opts);
/** Running maximum (like lax.cummax). @example np.cummax(x, 0) */
export const cummax = (x: Operand, axis?: number | null, opts: { reverse?: boolean } = {}) => cumulative("cummax", x, axis, opts);
/** Running minimum. @example np.cummin(x, 0) */
export const cummin = (x: Operand, axis?: number | null, opts: { reverse?: boolean } = {}) => cumulative("cummin", x, axis, opts);

/**
 * Quantiles with linear interpolation (NumPy's default method). `q` in [0, 1], a number or
 * array; the output has q's shape in front of the reduced shape. NaN in a slice gives NaN.
 * @example np.quantile(x, [0.25, 0.75], 0)
 */
export function quantile(x: Operand, q: Operand | readonly number[], axis?: Axis, opts: ReduceOpts = {}): NDArray {
  let a = asArray(x);
  if (!isFloat(a.dtype)) a = astype(a, defaultFloat());
  const qa = Array.isArray(q) ? array(q as number[], { dtype: a.dtype }) : astype(asArray(q as Operand), a.dtype);
  const axes = normalizeAxes("quantile", axis, a.ndim);
  // Move the reduced axes to the end and merge them into one.
  const keptShape = a.shape.filter((_, i) => !axes.includes(i));
  const moved = moveaxis(a, axes, axes.map((_, i) => a.ndim - axes.length + i));
  const n = axes.reduce((m, ax) => m * a.shape[ax], 1);
  if (n === 0) throw new RangeError(msg("quantile", "cannot take the quantile of an empty slice", a.aval.str()));
  const flat = reshape(moved, [...keptShape, n]);
  const sorted = prims.sort.bind([flat], { dimension: flat.ndim - 1, numKeys: 1 })[0];
  // pos = q (n - 1); interpolate between floor(pos) and ceil(pos) (NumPy's _lerp form).
  const pos = multiply(qa, n - 1);
  const lo = prims.floor.bind1([pos], {});
  const t = subtract(pos, lo);
  const loI = astype(lo, "int32");
  const hiI = astype(prims.ceil.bind1([pos], {}), "int32");
  const gather = (idx: NDArray) => {
    const qShape = qa.shape;
    // Gather per q: idx has q's shape; take along the last axis of `sorted` for each q.
    const flatIdx = reshape(idx, [qa.size]);
    const tiled = broadcastTo("quantile", reshape(flatIdx, [...keptShape.map(() => 1), qa.size]), [...keptShape, qa.size]);
    const g = takeAlongAxis(sorted, tiled, -1);                // [...kept, nq]
    return reshape(moveaxis(g, -1, 0), [...qShape, ...keptShape]);
  };
  const va = gather(loI), vb = gather(hiI);
  const tb = reshape(t, [...qa.shape, ...keptShape.map(() => 1)]);
  const diff = subtract(vb, va);
  const res = where(prims.ge.bind1([broadcastTo("quantile", tb, va.shape), scalarArray(0.5, a.dtype, true)], {}),
    subtract(vb, multiply(diff, subtract(1, tb))), add(va, multiply(diff, tb)));
  const last = prims.slice.bind1([sorted], { startIndices: [...keptShape.map(() => 0), n - 1], limitIndices: [...keptShape, n], strides: null });
  const nanMask = reshape(isnan(last), keptShape);
  let out = where(nanMask, NaN, res);
  if (opts.keepdims) out = reshape(out, [...qa.shape, ...a.shape.map((d, i) => (axes.includes(i) ? 1 : d))]);
  return out;
}
/** @example np.median(x, 0) */
export const median = (x: Operand, axis?: Axis, opts: ReduceOpts = {}): NDArray => quantile(x, 0.5, axis, opts);
/** @example np.percentile(x, 90) */
export const percentile = (x: Operand, q: Operand | readonly number[], axis?: Axis, opts: ReduceOpts = {}): NDArray =>
  quantile(x, Array.isArray(q) ? (q as number[]).map((v) => v / 100) : divide(q as Operand, 100), axis, opts);

/**
 * Weighted average; `weights` has x's shape, or is 1-D along a single `axis`.
 * @example np.average(x, 0, { weights: w })
 */
export function average(x: Operand, axis?: Axis, opts: ReduceOpts & { weights?: Operand | null; returned?: boolean } = {}): NDArray | [NDArray, NDArray] {
  const a = asArray(x);
  if (opts.weights === undefined || opts.weights === null) {
    const m = mean(a, axis, opts);
    if (!opts.returned) return m;
    const axes = normalizeAxes("average", axis, a.ndim);
    return [m, broadcastTo("average", scalarArray(countOf(a, axes), m.dtype, false), m.shape)];
  }
  let w = asArray(opts.weights);
  const axes = normalizeAxes("average", axis, a.ndim);
  if (w.ndim !== a.ndim) {
    if (w.ndim !== 1 || axes.length !== 1 || w.shape[0] !== a.shape[axes[0]]) {
      throw new TypeError(msg("average", "1-D weights need a single axis of the same length", `${w.aval.str()} for ${a.aval.str()} along axis ${String(axis)}`));
    }
    w = reshape(w, a.shape.map((d, i) => (i === axes[0] ? d : 1)));
  }
  const num = sum(multiply(a, w), axes, { keepdims: opts.keepdims });
  let den = sum(broadcastTo("average", w, broadcastTo("average", multiply(a, w), a.shape).shape), axes, { keepdims: opts.keepdims });
  if (!isFloat(den.dtype) && !isInt(num.dtype)) den = astype(den, num.dtype);
  const avg = divide(num, den);
  return opts.returned ? [avg, astype(den, avg.dtype)] : avg;
}
