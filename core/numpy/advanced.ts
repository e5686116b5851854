// NumPy advanced (integer-array) indexing for `x.slice(...)`, `x.at(...).get()` and the
// functional updates `x.at(...).set/add/mul/min/max`, lowered to lax gather / scatter
// (as JAX's `_rewriting_take` / `_scatter_update`, simplified: reads slice the basic
// entries first, then gather over the array-indexed axes; `x.at(rows)` updates scatter row
// windows directly, other updates scatter into the flattened array at the flat positions
// the index selects).
import { type AdvancedIndexEntry, isArray, type IndexEntry, type NDArray, type Operand } from "../array";
import { ConcretizationError, msg, ShapeError } from "../errors";
import { prims, type ScatterMode } from "../primitives";
import { gather, scatter, type GatherMode, type ScatterKind } from "../primitives/gather";
import { broadcastShapes } from "../shape";
import { evalTrace, withTrace } from "../trace";
import { arange } from "./creation";
import { add, less, where } from "./elementwise";
import { getIndex } from "./indexing";
import { asArray, astype, broadcastTo, reshape } from "./util";
import { nonzero } from "./search";

/** Out-of-bounds handling of array indices (JAX's `mode` of `.at[...]`). */
export interface IndexOpts {
  /** "clip" clamps out-of-bounds array indices; "fill" (alias "drop") makes reads return
   * `fillValue` and drops updates. Default: reads clip, updates drop (as JAX). */
  mode?: "clip" | "fill" | "drop" | "promise_in_bounds";
  /** Value read at out-of-bounds indices in "fill" mode (default: NaN, or the dtype's extreme). */
  fillValue?: number;
}

const hasArray = (index: readonly AdvancedIndexEntry[]): boolean => index.some((e) => isArray(e));
export { hasArray as hasArrayIndex };

/** Replaces bool-array entries by the integer arrays of their nonzero positions (concrete only). */
function expandBool(index: readonly AdvancedIndexEntry[]): AdvancedIndexEntry[] {
  return index.flatMap((e): AdvancedIndexEntry[] => {
    if (!isArray(e) || e.dtype !== "bool") return [e];
    if (e.ndim === 0) throw new TypeError(msg("index", "a boolean index must have rank >= 1", e.aval.str()));
    if (e.device === "tracer") {
      throw new ConcretizationError(msg("index", "a boolean mask index needs a concrete mask (its result size depends on the data)",
        `traced ${e.aval.str()}`, "Use np.where(mask, x, 0), or np.nonzero(mask, { size }) and index with the result."));
    }
    // A concrete mask is data, not a traced value: find its positions now, even inside jit.
    return withTrace(evalTrace, () => nonzero(e));
  });
}

/**
 * `x[index]` with integer arrays among the entries (NumPy advanced indexing): the arrays
 * (and any integers beside them) broadcast together; their result dims replace the indexed
 * axes in place when those entries are adjacent, else go first. Negative indices wrap;
 * out-of-bounds ones are clamped ("clip") or read `fillValue` ("fill").
 */
export function advancedGet(x: NDArray, index0: readonly AdvancedIndexEntry[], opts: IndexOpts = {}): NDArray {
  const index = expandBool(index0);
  const consuming = index.filter((e) => e !== null && e !== "...").length;
  if (index.filter((e) => e === "...").length > 1) throw new TypeError(msg("index", "at most one '...' is allowed", String(index.length)));
  if (consuming > x.ndim) throw new RangeError(msg("index", `too many indices for an array of rank ${x.ndim}`, `${consuming} indices for ${x.aval.str()}`));
  const full: AdvancedIndexEntry[] = [];
  for (const e of index) {
    if (e === "...") for (let i = 0; i < x.ndim - consuming; i++) full.push([]);
    else full.push(e);
  }
  while (full.filter((e) => e !== null).length < x.ndim) full.push([]);

  // Basic indexing with every advanced entry (array or integer) replaced by a full slice.
  // Each entry of `full` then owns one axis of `y` (null a new one), so entry i indexes axis i.
  const axes: number[] = [], entries: (NDArray | number)[] = [];
  const basic = full.map((e, i): IndexEntry => {
    if (!isArray(e) && typeof e !== "number") return e;
    axes.push(i); entries.push(e);
    return [];
  });
  const y = getIndex(x, basic);
  // Integer-array indices, negatives wrapped, broadcast together.
  const idxs = entries.map((e, k) => {
    const n = y.shape[axes[k]];
    if (typeof e === "number") {
      if (!Number.isInteger(e) || e < -n || e >= n) throw new RangeError(msg("index", `index must be an integer in [${-n}, ${n})`, `${e} for axis of size ${n}`));
      return asArray(e < 0 ? e + n : e);
    }
    return wrapNegative(e, n);
  });
  const shape = broadcastShapes("index", idxs.map((i) => i.shape));
  const nb = shape.length, k = idxs.length;
  const cols = idxs.map((i) => reshape(broadcastTo("index", i, shape), [...shape, 1]));
  const indices = k === 1 ? cols[0] : prims.concatenate.bind1(cols, { dimension: nb });
  // The gather: collapse the indexed axes; the result dims go where the first advanced
  // entry was if the advanced entries are adjacent in the index, else first (NumPy's rule).
  const contiguous = axes.every((p, i) => i === 0 || p === axes[i - 1] + 1);
  const rest = y.ndim - k, outRank = rest + nb;
  const at = contiguous ? axes[0] : 0;
  const offsetDims = [...Array(outRank).keys()].filter((d) => d < at || d >= at + nb);
  const sliceSizes = y.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const mode = gatherMode(opts.mode);
  return gather(y, indices, {
    offsetDims, collapsedSliceDims: [...axes].sort((a, b) => a - b), startIndexMap: axes,
    operandBatchingDims: [], startIndicesBatchingDims: [],
  }, sliceSizes, mode, mode === "fill" ? opts.fillValue ?? defaultFill(x) : null);
}

/** An integer index array as int32 with negative entries counted from the end (i + n). */
function wrapNegative(e: NDArray, n: number): NDArray {
  if (e.dtype !== "int32" && e.dtype !== "uint32") {
    throw new TypeError(msg("index", "array indices must be integers or booleans", e.aval.str(), 'Cast with .astype("int32").'));
  }
  const i = astype(e, "int32");
  return where(less(i, 0), add(i, n), i);
}

const gatherMode = (m: IndexOpts["mode"]): GatherMode => (m === "fill" || m === "drop" ? "fill" : "clip");
const defaultFill = (x: NDArray): number =>
  x.dtype === "float32" || x.dtype === "float64" ? NaN : x.dtype === "int32" ? -2147483648 : x.dtype === "uint32" ? 4294967295 : 1;

const KIND: Record<ScatterMode, ScatterKind> = { set: "scatter", add: "scatter_add", mul: "scatter_mul", min: "scatter_min", max: "scatter_max" };

/**
 * `x.at(index).set/add/mul/min/max(v)` with integer arrays in the index: a scatter into the
 * flattened `x` at the flat positions the index selects (read with the same indexing rules
 * from an iota). Duplicate positions accumulate for add/mul/min/max; for set the last one
 * (in row-major order of the index result) wins. Out-of-bounds updates are dropped, or
 * clamped in "clip" mode.
 */
export function advancedUpdate(x: NDArray, index: readonly AdvancedIndexEntry[], v: Operand, mode: ScatterMode, opts: IndexOpts = {}): NDArray {
  const clip = opts.mode === "clip";
  const rows = leadingIndex(index);
  if (rows && x.ndim > 0) return updateRows(x, rows, v, mode, clip);
  const flatPos = advancedGet(reshape(arange(x.size, undefined, 1, { dtype: "int32" }), x.shape), index,
    clip ? { mode: "clip" } : { mode: "fill", fillValue: -1 });
  const m = flatPos.size;
  let upd = asArray(v);
  if (upd.dtype !== x.dtype) upd = astype(upd, x.dtype);
  if (upd.ndim > flatPos.ndim) throw new ShapeError(msg("at", `updates must broadcast to the indexed shape [${flatPos.shape}]`, upd.aval.str()));
  upd = reshape(broadcastTo("at", upd, flatPos.shape), [m]);
  const out = scatter(KIND[mode], reshape(x, [x.size]), reshape(flatPos, [m, 1]), upd,
    { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0], operandBatchingDims: [], scatterIndicesBatchingDims: [] },
    clip ? "clip" : "fill");
  return reshape(out, x.shape);
}

/** The index array when the index is `[intArray, ...full slices]` (the common `x.at(rows)`). */
function leadingIndex(index: readonly AdvancedIndexEntry[]): NDArray | null {
  const [first, ...rest] = index;
  if (!isArray(first) || first.dtype === "bool") return null;
  return rest.every((e) => e === "..." || (Array.isArray(e) && e.length === 0)) ? first : null;
}

/** `x.at(rows).op(v)` as one scatter of row windows into `x` (no flattening). */
function updateRows(x: NDArray, rows: NDArray, v: Operand, mode: ScatterMode, clip: boolean): NDArray {
  const idx = wrapNegative(rows, x.shape[0]);   // still out of bounds: dropped (or clamped)
  const region = [...idx.shape, ...x.shape.slice(1)];
  let upd = asArray(v);
  if (upd.dtype !== x.dtype) upd = astype(upd, x.dtype);
  if (upd.ndim > region.length) throw new ShapeError(msg("at", `updates must broadcast to the indexed shape [${region}]`, upd.aval.str()));
  upd = broadcastTo("at", upd, region);
  const window = region.map((_, d) => d).slice(idx.ndim);
  return scatter(KIND[mode], x, reshape(idx, [...idx.shape, 1]), upd,
    { updateWindowDims: window, insertedWindowDims: [0], scatterDimsToOperandDims: [0], operandBatchingDims: [], scatterIndicesBatchingDims: [] },
    clip ? "clip" : "fill");
}
