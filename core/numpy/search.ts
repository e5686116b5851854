// Searching with data-dependent sizes, made traceable the JAX way: searchsorted (a
// fixed-step vectorised binary search), and nonzero / argwhere / flatnonzero / unique /
// one-argument where with a static `size` (computed eagerly from concrete input when
// omitted; under a transform a missing `size` raises ConcretizationError).
import { isArray, type NDArray, type Operand } from "../array";
import { isFloat } from "../dtype";
import { ConcretizationError, msg, ShapeError } from "../errors";
import { prims } from "../primitives";
import { gather, scatter } from "../primitives/gather";
import * as o from "../primitives/ops";
import { arange, array, full } from "./creation";
import { equal, isnan, less, logicalAnd, logicalNot, logicalOr, notEqual, subtract, where as where3 } from "./elementwise";
import { argsort } from "./indexing";
import { cumsum, sum } from "./reductions";
import { ravel, stack } from "./shapes";
import { asArray, astype, promote, reshape, scalarArray } from "./util";

const DN1 = { offsetDims: [], collapsedSliceDims: [0], startIndexMap: [0], operandBatchingDims: [], startIndicesBatchingDims: [] };
const SDN1 = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0], operandBatchingDims: [], scatterIndicesBatchingDims: [] };
/** a[i] for a 1-D `a` and int32 `i` of any shape (clamped). */
const take1 = (a: NDArray, i: NDArray): NDArray => gather(a, reshape(i, [...i.shape, 1]), DN1, [1], "clip");
const i32 = (x: NDArray): NDArray => astype(x, "int32");

export interface SearchsortedOpts {
  /** "left": the first i with v <= a[i]; "right": the first i with v < a[i]. */
  side?: "left" | "right";
  /** Indices that sort `a` (as np.argsort(a)), when `a` itself is not sorted. */
  sorter?: NDArray | readonly number[];
}

/**
 * Insertion indices of `v` into the sorted 1-D `a` (int32, the shape of `v`), NaN sorting
 * last as in np.sort. A branchless bit-by-bit binary search with floor(log2 n) + 1 fixed
 * steps of vectorised ops, so it works under jit and vmap. The result is piecewise
 * constant: its derivative is zero.
 * @example np.searchsorted(np.array([1, 2, 3]), np.array([2, 2.5]), { side: "right" })  // [2, 2]
 */
export function searchsorted(a: Operand, v: Operand, opts: SearchsortedOpts = {}): NDArray {
  const side = opts.side ?? "left";
  if (side !== "left" && side !== "right") throw new TypeError(msg("searchsorted", 'side must be "left" or "right"', JSON.stringify(side)));
  let [sa, sv] = promote([a, v]);
  if (sa.ndim !== 1) throw new ShapeError(msg("searchsorted", "a must be 1-D", sa.aval.str()));
  const sorter = opts.sorter;
  if (sorter !== undefined) sa = take1(sa, i32(isArray(sorter) ? sorter : array(sorter as number[], { dtype: "int32" })));
  const n = sa.shape[0];
  if (n === 0) return full(sv.shape, 0, { dtype: "int32" });
  // last = (result - 1) grows by each power of two `step` while a[last + step] still
  // precedes v (left: a[i] < v; right: a[i] <= v). Reads past the end are clamped to
  // a[n - 1], which keeps the predicate monotone; the result is capped at n below. NaN
  // entries of `a` never precede a non-NaN v (the comparisons are false); NaN queries are
  // placed after every non-NaN (left) or at the end (right) afterwards.
  const precedes = side === "left" ? o.lt : o.le;
  let last = full(sv.shape, -1, { dtype: "int32" });
  for (let step = 2 ** Math.floor(Math.log2(n)); step >= 1; step /= 2) {
    const cand = o.add(last, step);
    last = o.select(precedes(take1(sa, cand), sv), cand, last);
  }
  let out = o.min(o.add(last, 1), n);
  if (isFloat(sv.dtype)) {
    const after = side === "left" ? sum(astype(logicalNot(isnan(sa)), "int32")) : scalarArray(n, "int32", false);
    out = o.select(isnan(sv), o.broadcastInDim(after, sv.shape, []), out);
  }
  return out;
}

export interface NonzeroOpts {
  /** The static number of results: extra slots are filled, surplus ones dropped. Required under jit/vmap/grad. */
  size?: number;
  /** Index written into the unused slots (default 0); one per dimension for nonzero. */
  fillValue?: number | readonly number[];
}

/** `size` if given; otherwise the count of true entries of a concrete `mask`. */
function staticSize(op: string, mask: NDArray, size: number | undefined): number {
  if (size !== undefined) {
    if (!Number.isInteger(size) || size < 0) throw new TypeError(msg(op, "size must be a non-negative integer", String(size)));
    return size;
  }
  if (mask.device === "tracer") {
    throw new ConcretizationError(msg(op, "the output size depends on the data, so a static `size` is needed under jit/vmap/grad",
      `a traced ${mask.aval.str()} and no size`, `Pass { size: n } (and a fillValue for the padding), e.g. np.${op}(x, { size: 10 }).`));
  }
  return sum(astype(mask, "int32")).item();
}

/**
 * Flat positions of the true entries of a 1-D bool `mask`, in order, in `size` slots; the
 * slots past the count hold 0. Each true entry scatters its position to slot cumsum - 1.
 */
function flatTrue(mask: NDArray, size: number): NDArray {
  const n = mask.shape[0];
  const slot = where3(mask, subtract(cumsum(mask), 1), size);   // `size` is out of bounds: dropped
  const pos = arange(n, undefined, 1, { dtype: "int32" });
  return scatter("scatter", full([size], 0, { dtype: "int32" }), reshape(i32(slot), [n, 1]), pos, SDN1, "fill", true);
}

/**
 * Indices of the nonzero elements, one int32 array per dimension (NumPy/JAX). With `size`
 * the result has exactly `size` entries, padded with `fillValue`.
 * @example const [rows, cols] = np.nonzero(m, { size: 4, fillValue: -1 })
 */
export function nonzero(x: Operand, opts: NonzeroOpts = {}): NDArray[] {
  const a = asArray(x);
  if (a.ndim === 0) throw new ShapeError(msg("nonzero", "needs an array of rank >= 1", a.aval.str(), "Use np.atleast1d(x) first."));
  const mask = ravel(a.dtype === "bool" ? a : notEqual(a, 0));
  const size = staticSize("nonzero", mask, opts.size);
  const flat = flatTrue(mask, size);
  const fills = typeof opts.fillValue === "object" ? opts.fillValue : a.shape.map(() => (opts.fillValue as number | undefined) ?? 0);
  if (fills.length !== a.ndim) throw new ShapeError(msg("nonzero", `fillValue must have one entry per dimension (${a.ndim})`, `${fills.length}`));
  const valid = opts.size === undefined ? null : less(arange(size, undefined, 1, { dtype: "int32" }), sum(astype(mask, "int32")));
  let stride = 1;
  const out: NDArray[] = [];
  for (let d = a.ndim - 1; d >= 0; d--) {
    let idx = prims.div.bind1([flat, scalarArray(stride, "int32", false)], {});
    if (d > 0) idx = prims.rem.bind1([idx, scalarArray(a.shape[d], "int32", false)], {});
    out.unshift(valid ? where3(valid, idx, i32(asArray(fills[d]))) : idx);
    stride *= a.shape[d];
  }
  return out;
}

/** nonzero of the flattened array. @example np.flatnonzero(x, { size: 3 }) */
export const flatnonzero = (x: Operand, opts: NonzeroOpts = {}): NDArray => nonzero(ravel(asArray(x)), opts)[0];

/** Indices of the nonzero elements as rows, [size, ndim]. @example np.argwhere(x.gt(0), { size: 5 }) */
export function argwhere(x: Operand, opts: NonzeroOpts = {}): NDArray {
  const a = asArray(x);
  const parts = nonzero(a.ndim === 0 ? reshape(a, [1]) : a, opts);
  return a.ndim === 0 ? reshape(parts[0], [parts[0].size, 0]) : stack(parts, 1);
}

/**
 * `where(cond)` is nonzero(cond) (with the same `size` option); `where(cond, x, y)` picks
 * elementwise.
 * @example np.where(x.gt(0), x, 0)
 * @example const [i] = np.where(x.gt(0), { size: 3 })
 */
export function where(cond: Operand, opts?: NonzeroOpts): NDArray[];
export function where(cond: Operand, x: Operand, y: Operand): NDArray;
export function where(cond: Operand, x?: Operand | NonzeroOpts, y?: Operand): NDArray | NDArray[] {
  if (y !== undefined) return where3(cond, x as Operand, y);
  if (x !== undefined && (typeof x !== "object" || asOpts(x) === null)) {
    throw new TypeError(msg("where", "takes one argument (cond) or three (cond, x, y)", "two"));
  }
  return nonzero(cond, (x as NonzeroOpts | undefined) ?? {});
}
const asOpts = (x: object): object | null => (Object.getPrototypeOf(x) === Object.prototype ? x : null);

export interface UniqueOpts {
  /** The static number of unique values returned: padded with `fillValue`, or truncated. */
  size?: number;
  /** Padding value (default: the smallest value, as JAX). */
  fillValue?: number;
  returnIndex?: boolean;
  returnInverse?: boolean;
  returnCounts?: boolean;
}
type NoExtras = { returnIndex?: false; returnInverse?: false; returnCounts?: false };

/**
 * Sorted unique values of the flattened array (NaNs count as one value), and optionally
 * the index of each one's first occurrence, the inverse map (flat, as NumPy 1.x) and the
 * counts, in that order. With `size`, the results have static length (JAX): padded values
 * are `fillValue`, padded indices point at the smallest value and padded counts are 0.
 * @example np.unique(x)
 * @example const [vals, counts] = np.unique(x, { size: 4, fillValue: 0, returnCounts: true })
 */
export function unique(x: Operand, opts?: UniqueOpts & NoExtras): NDArray;
export function unique(x: Operand, opts: UniqueOpts): NDArray[];
export function unique(x: Operand, opts: UniqueOpts = {}): NDArray | NDArray[] {
  const a = ravel(asArray(x));
  const n = a.shape[0];
  const extras = opts.returnIndex || opts.returnInverse || opts.returnCounts;
  if (n === 0) {
    if (opts.size && opts.fillValue === undefined) throw new TypeError(msg("unique", "an empty input with a nonzero size needs a fillValue", "none"));
    const size = opts.size ?? 0;
    const vals = full([size], opts.fillValue ?? 0, { dtype: a.dtype });
    const e = full([size], 0, { dtype: "int32" });
    const out = [vals, ...(opts.returnIndex ? [e] : []), ...(opts.returnInverse ? [full([0], 0, { dtype: "int32" })] : []), ...(opts.returnCounts ? [e] : [])];
    return extras ? out : vals;
  }
  const perm = argsort(a);
  const s = take1(a, perm);
  // mask[i]: the sorted element i starts a new value (NaNs equal each other, as equal_nan).
  const prev = take1(s, subtract(arange(n, undefined, 1, { dtype: "int32" }), 1));
  let neq = notEqual(s, prev);
  if (isFloat(a.dtype)) neq = logicalAnd(neq, logicalNot(logicalAnd(isnan(s), isnan(prev))));
  const mask = logicalOr(neq, equal(arange(n, undefined, 1, { dtype: "int32" }), 0));
  const size = staticSize("unique", mask, opts.size);
  const first = flatTrue(mask, size);
  let vals = take1(s, first);
  const count = sum(astype(mask, "int32"));
  if (opts.fillValue !== undefined) vals = where3(less(arange(size, undefined, 1, { dtype: "int32" }), count), vals, astype(asArray(opts.fillValue), a.dtype));
  if (!extras) return vals;
  const out = [vals];
  if (opts.returnIndex) out.push(take1(perm, first));
  if (opts.returnInverse) {
    const group = subtract(cumsum(mask), 1);
    out.push(scatter("scatter", full([n], 0, { dtype: "int32" }), reshape(perm, [n, 1]), i32(group), SDN1, "fill", true));
  }
  if (opts.returnCounts) {
    // Starts of the groups, with n after the last one (and in every padding slot): counts are the gaps.
    const starts = flatTrue(mask, size + 1);
    const bounded = where3(less(arange(size + 1, undefined, 1, { dtype: "int32" }), count), starts, n);
    out.push(subtract(bounded.slice([1, null]), bounded.slice([0, size])));
  }
  return out;
}
