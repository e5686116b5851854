// Indexing: basic slicing (`x.slice(...)`), functional updates (`x.at(...).set(v)`),
// take / takeAlongAxis, sort / argsort, and the comparison helpers.
import { type AdvancedIndexEntry, isArray, type IndexEntry, type NDArray, type Operand } from "../array";
import { defaultFloat } from "../config";
import { isFloat } from "../dtype";
import { msg, normalizeAxis, ShapeError } from "../errors";
import { prims } from "../primitives";
import type { ScatterMode } from "../primitives";
import { broadcastShapes } from "../shape";
import { evalTrace, withTrace } from "../trace";
import { arange, array } from "./creation";
import { abs, add, equal, isfinite, isnan, less, lessEqual, logicalAnd, logicalOr, multiply, subtract, where } from "./elementwise";
import { all } from "./reductions";
import { advancedGet, advancedUpdate, hasArrayIndex, type IndexOpts } from "./advanced";
import { ravel } from "./shapes";
import { asArray, astype, broadcastTo, promote, reshape } from "./util";

interface AxisSlice { start: number; count: number; step: number }

/** Python's slice.indices: normalised start and element count for (start, stop, step). */
function sliceIndices(n: number, start: number | null | undefined, stop: number | null | undefined, step: number | null | undefined): AxisSlice {
  const st = step ?? 1;
  if (st === 0 || !Number.isInteger(st)) throw new RangeError(msg("slice", "step must be a nonzero integer", String(step)));
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const norm = (v: number | null | undefined, dflt: number, lo: number, hi: number) =>
    v === null || v === undefined ? dflt : clamp(v < 0 ? v + n : v, lo, hi);
  const s = st > 0 ? norm(start, 0, 0, n) : norm(start, n - 1, -1, n - 1);
  const e = st > 0 ? norm(stop, n, 0, n) : norm(stop, -1, -1, n - 1);
  const count = st > 0 ? Math.max(0, Math.ceil((e - s) / st)) : Math.max(0, Math.ceil((s - e) / -st));
  return { start: s, count, step: st };
}

function describeIndex(index: readonly IndexEntry[]): string {
  return `[${index.map((e) => (e === null ? "null" : JSON.stringify(e))).join(", ")}]`;
}

/**
 * Indexing as NumPy's x[...]: ints, slices, null (new axis) and "..." (basic indexing), and
 * integer/bool arrays (advanced indexing, see advanced.ts).
 */
export function getIndex(x: NDArray, index0: readonly AdvancedIndexEntry[], opts?: IndexOpts): NDArray {
  if (hasArrayIndex(index0)) return advancedGet(x, index0, opts);
  const index = index0 as readonly IndexEntry[];
  const consuming = index.filter((e) => e !== null && e !== "...").length;
  const ellipses = index.filter((e) => e === "...").length;
  if (ellipses > 1) throw new TypeError(msg("slice", "at most one '...' is allowed", describeIndex(index)));
  if (consuming > x.ndim) {
    throw new RangeError(msg("slice", `too many indices for an array of rank ${x.ndim}`, `${describeIndex(index)} for ${x.aval.str()}`));
  }
  const full: IndexEntry[] = [];
  for (const e of index) {
    if (e === "...") for (let i = 0; i < x.ndim - consuming; i++) full.push([]);
    else full.push(e);
  }
  while (full.filter((e) => e !== null).length < x.ndim) full.push([]);

  const start: number[] = [], limit: number[] = [], strides: number[] = [], revDims: number[] = [];
  const outShape: number[] = [];
  let d = 0;
  for (const e of full) {
    if (e === null) { outShape.push(1); continue; }
    const n = x.shape[d];
    if (isArray(e)) throw new TypeError(msg("slice", "array indices are not basic indexing", e.aval.str(), "Use np.take / np.takeAlongAxis."));
    if (typeof e === "number") {
      if (!Number.isInteger(e)) throw new TypeError(msg("slice", "indices must be integers, pairs/triples, [], null or '...'", String(e)));
      if (e < -n || e >= n) throw new RangeError(msg("slice", `index must be in [${-n}, ${n}) for axis ${d} of size ${n}`, `${e} for ${x.aval.str()}`));
      const i = e < 0 ? e + n : e;
      start.push(i); limit.push(i + 1); strides.push(1);
    } else if (Array.isArray(e)) {
      if (e.length > 3) throw new TypeError(msg("slice", "a slice is [start, stop] or [start, stop, step]", JSON.stringify(e)));
      const s = e.length === 0 ? { start: 0, count: n, step: 1 } : sliceIndices(n, e[0], e[1], e[2]);
      if (s.step > 0) {
        start.push(s.start); limit.push(s.count ? s.start + (s.count - 1) * s.step + 1 : s.start); strides.push(s.step);
      } else {
        // Reverse the axis, then slice forward: index j becomes n - 1 - j.
        revDims.push(d);
        const first = n - 1 - s.start;
        start.push(s.count ? first : 0); limit.push(s.count ? first + (s.count - 1) * -s.step + 1 : 0); strides.push(-s.step);
      }
      outShape.push(s.count);
    } else {
      throw new TypeError(msg("slice", "indices must be integers, pairs/triples, [], null or '...'", JSON.stringify(e)));
    }
    d++;
  }
  let out = x;
  if (revDims.length) out = prims.rev.bind1([out], { dimensions: revDims });
  const trivial = start.every((s, i) => s === 0 && limit[i] === x.shape[i] && strides[i] === 1);
  if (!trivial) out = prims.slice.bind1([out], { startIndices: start, limitIndices: limit, strides: strides.every((s) => s === 1) ? null : strides });
  return reshape(out, outShape);
}

/** `x.at(index).set/add/mul/min/max(v)`: a scatter at the positions `index` selects. */
export function updateIndex(x: NDArray, index0: readonly AdvancedIndexEntry[], v: Operand, mode: ScatterMode, opts?: IndexOpts): NDArray {
  if (hasArrayIndex(index0)) return advancedUpdate(x, index0, v, mode, opts);
  const index = index0 as readonly IndexEntry[];
  // Which flat positions the index selects is static: compute it eagerly even under a trace.
  const region = withTrace(evalTrace, () => getIndex(reshape(arange(x.size), x.shape), index));
  const m = region.size;
  const idx = reshape(region, [m]);
  let upd = asArray(v);
  if (upd.dtype !== x.dtype) upd = astype(upd, x.dtype);
  upd = reshape(broadcastTo("at", upd, region.shape), [m]);
  const flat = reshape(x, [x.size]);
  return reshape(prims.scatter_along_axis.bind1([flat, idx, upd], { axis: 0, mode }), x.shape);
}

/** Integer indices as an int32 array, negatives wrapped; concrete indices are bounds-checked. */
function indexArray(op: string, indices: NDArray | number | readonly number[], n: number | null): NDArray {
  let idx = isArray(indices) ? indices : array(indices as number[] | number, { dtype: "int32" });
  if (idx.dtype !== "int32") {
    if (isFloat(idx.dtype)) throw new TypeError(msg(op, "indices must be integers", idx.aval.str(), "Cast with .astype(\"int32\")."));
    idx = astype(idx, "int32");
  }
  if (n === null) return idx;
  if (!(idx.device === "tracer")) {
    for (const i of idx.dataSync()) {
      if (i < -n || i >= n) throw new RangeError(msg(op, `indices must be in [${-n}, ${n})`, `index ${i}`));
    }
  }
  return where(less(idx, 0), add(idx, n), idx);
}

/** Elements at integer indices along an axis (flattened when axis is null). @example np.take(x, [0, 2], 1) */
export function take(x: Operand, indices: NDArray | number | readonly number[], axis?: number | null): NDArray {
  let a = asArray(x);
  if (axis === null || axis === undefined) { a = ravel(a); axis = 0; }
  const ax = normalizeAxis("take", axis, a.ndim);
  const n = a.shape[ax];
  const idx = indexArray("take", indices, n);
  const m = idx.size;
  const lead = a.shape.slice(0, ax), trail = a.shape.slice(ax + 1);
  const ib = broadcastTo("take", reshape(idx, [...lead.map(() => 1), m, ...trail.map(() => 1)]), [...lead, m, ...trail]);
  const out = prims.take_along_axis.bind1([a, ib], { axis: ax });
  return reshape(out, [...lead, ...idx.shape, ...trail]);
}

/** NumPy's take_along_axis (indices broadcast against x off the axis). @example np.takeAlongAxis(x, np.argsort(x, 1), 1) */
export function takeAlongAxis(x: Operand, indices: NDArray | readonly number[], axis: number | null): NDArray {
  let a = asArray(x);
  let idx = indexArray("takeAlongAxis", indices, null);
  if (axis === null) { a = ravel(a); idx = ravel(idx); axis = 0; }
  if (idx.ndim !== a.ndim) throw new ShapeError(msg("takeAlongAxis", "indices must have the array's rank", `${idx.aval.str()} for ${a.aval.str()}`));
  const ax = normalizeAxis("takeAlongAxis", axis, a.ndim);
  const n = a.shape[ax];
  idx = where(less(idx, 0), add(idx, n), idx);
  const off = broadcastShapes("takeAlongAxis", [a.shape.map((d, i) => (i === ax ? 1 : d)), idx.shape.map((d, i) => (i === ax ? 1 : d))]);
  a = broadcastTo("takeAlongAxis", a, off.map((d, i) => (i === ax ? n : d)));
  idx = broadcastTo("takeAlongAxis", idx, off.map((d, i) => (i === ax ? idx.shape[ax] : d)));
  return prims.take_along_axis.bind1([a, idx], { axis: ax });
}

/** Sorted copy along an axis (stable; NaN last). @example np.sort(x, 0) */
export function sort(x: Operand, axis: number | null = -1): NDArray {
  let a = asArray(x);
  if (axis === null) { a = ravel(a); axis = 0; }
  if (a.ndim === 0) throw new ShapeError(msg("sort", "needs an array of rank >= 1", a.aval.str()));
  return prims.sort.bind([a], { dimension: normalizeAxis("sort", axis, a.ndim), numKeys: 1 })[0];
}
/** Indices that sort an axis (stable). @example np.argsort(x) */
export function argsort(x: Operand, axis: number | null = -1): NDArray {
  let a = asArray(x);
  if (axis === null) { a = ravel(a); axis = 0; }
  if (a.ndim === 0) throw new ShapeError(msg("argsort", "needs an array of rank >= 1", a.aval.str()));
  const ax = normalizeAxis("argsort", axis, a.ndim);
  const iota = broadcastTo("argsort", reshape(arange(a.shape[ax]), a.shape.map((d, i) => (i === ax ? d : 1))), a.shape);
  return prims.sort.bind([a, iota], { dimension: ax, numKeys: 1 })[1];
}

export interface CloseOpts { rtol?: number; atol?: number; equalNan?: boolean }
/** |a - b| <= atol + rtol |b| elementwise (infinities equal when they match). @example np.isclose(a, b) */
export function isclose(a: Operand, b: Operand, opts: CloseOpts = {}): NDArray {
  let [x, y] = promote([a, b]);
  if (!isFloat(x.dtype)) { x = astype(x, defaultFloat()); y = astype(y, defaultFloat()); }
  const tol = add(opts.atol ?? 1e-8, multiply(opts.rtol ?? 1e-5, abs(y)));
  const fin = logicalAnd(isfinite(x), isfinite(y));
  let out = where(fin, lessEqual(abs(subtract(x, y)), tol), equal(x, y));
  if (opts.equalNan) out = logicalOr(out, logicalAnd(isnan(x), isnan(y)));
  return out;
}
/** True when every element is close (a JS boolean). @example np.allclose(a, b, { atol: 1e-6 }) */
export const allclose = (a: Operand, b: Operand, opts: CloseOpts = {}): boolean => all(isclose(a, b, opts)).item() === 1;
/** Same shape and equal elements (a JS boolean). @example np.arrayEqual(a, b) */
export function arrayEqual(a: Operand, b: Operand, opts: { equalNan?: boolean } = {}): boolean {
  const x = asArray(a), y = asArray(b);
  if (x.ndim !== y.ndim || x.shape.some((d, i) => d !== y.shape[i])) return false;
  let eq = equal(x, y);
  if (opts.equalNan) eq = logicalOr(eq, logicalAnd(isnan(x), isnan(y)));
  return all(eq).item() === 1;
}
