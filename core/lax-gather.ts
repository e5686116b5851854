// lax's indexing operators: general gather / scatter (XLA semantics, JAX's API with
// camelCase names) and dynamicSlice / dynamicUpdateSlice, which are a clipped gather and a
// clipped scatter with one window (so they inherit every transform rule).
import { isArray, type NDArray, type Operand } from "./array";
import { type DType, isFloat } from "./dtype";
import { DTypeError, msg, ShapeError } from "./errors";
import { prims } from "./primitives";
import { gather as gatherOp, type GatherDimensionNumbers, type GatherMode, scatter as scatterOp,
  type ScatterDimensionNumbers, type ScatterKind } from "./primitives/gather";
import * as o from "./primitives/ops";
import { asArray, scalarArray } from "./numpy/util";
import { array } from "./numpy/creation";

/** Gather dimension numbers as users write them (the batching dims default to none). */
export interface GatherDimensionNumbersIn {
  offsetDims: readonly number[];
  collapsedSliceDims: readonly number[];
  startIndexMap: readonly number[];
  operandBatchingDims?: readonly number[];
  startIndicesBatchingDims?: readonly number[];
}
/** Scatter dimension numbers as users write them (the batching dims default to none). */
export interface ScatterDimensionNumbersIn {
  updateWindowDims: readonly number[];
  insertedWindowDims: readonly number[];
  scatterDimsToOperandDims: readonly number[];
  operandBatchingDims?: readonly number[];
  scatterIndicesBatchingDims?: readonly number[];
}
/** "drop" is an alias of "fill" (what scatters do with out-of-bounds windows). */
export type GatherModeIn = GatherMode | "drop";
export interface GatherOpts {
  /** Default "promise_in_bounds" (clamps on the CPU), as jax.lax.gather. */
  mode?: GatherModeIn;
  /** Value of out-of-bounds windows in "fill" mode: NaN for floats, the most negative
   * int32, the largest uint32, true for bool (JAX's defaults). */
  fillValue?: number | boolean;
  indicesAreSorted?: boolean;
  uniqueIndices?: boolean;
}
export interface ScatterOpts {
  /** Default "fill" (out-of-bounds update windows are dropped), as jax.lax.scatter*. */
  mode?: GatherModeIn;
  indicesAreSorted?: boolean;
  /** A promise that no two updates hit the same element (cheaper scatter derivatives). */
  uniqueIndices?: boolean;
}

const parseMode = (op: string, m: GatherModeIn | undefined, dflt: GatherMode): GatherMode => {
  if (m === undefined) return dflt;
  if (m === "drop") return "fill";
  if (m === "clip" || m === "fill" || m === "promise_in_bounds") return m;
  throw new TypeError(msg(op, 'mode must be "clip", "fill", "drop" or "promise_in_bounds"', JSON.stringify(m)));
};

/** Integer indices as int32 (uint32 is converted; floats are an error). */
function int32Indices(op: string, x: Operand): NDArray {
  const a = asArray(x);
  if (a.dtype === "int32") return a;
  if (a.dtype === "uint32" || a.dtype === "bool") return o.convert(a, "int32");
  throw new DTypeError(msg(op, "indices must be integers", a.aval.str(), 'Cast with .astype("int32").'));
}

const defaultFill = (dtype: DType): number =>
  isFloat(dtype) ? NaN : dtype === "int32" ? -2147483648 : dtype === "uint32" ? 4294967295 : 1;

/**
 * XLA's Gather: slices of `operand` of size `sliceSizes` starting at the index vectors in
 * the last axis of `startIndices`. Prefer `x.at(idx).get()` / `np.take` in user code.
 * @example
 * // x[idx] for a 1-D x and idx of shape [m]:
 * lax.gather(x, idx.reshape([-1, 1]), { offsetDims: [], collapsedSliceDims: [0], startIndexMap: [0] }, [1])
 */
export function gather(operand: NDArray, startIndices: NDArray, dimensionNumbers: GatherDimensionNumbersIn,
                       sliceSizes: readonly number[], opts: GatherOpts = {}): NDArray {
  const mode = parseMode("gather", opts.mode, "promise_in_bounds");
  const dn: GatherDimensionNumbers = {
    offsetDims: [...dimensionNumbers.offsetDims], collapsedSliceDims: [...dimensionNumbers.collapsedSliceDims],
    startIndexMap: [...dimensionNumbers.startIndexMap], operandBatchingDims: [...(dimensionNumbers.operandBatchingDims ?? [])],
    startIndicesBatchingDims: [...(dimensionNumbers.startIndicesBatchingDims ?? [])],
  };
  const fill = opts.fillValue === undefined ? defaultFill(operand.dtype) : Number(opts.fillValue);
  return gatherOp(operand, int32Indices("gather", startIndices), dn, [...sliceSizes], mode, mode === "fill" ? fill : null);
}

function scatterWith(kind: ScatterKind, name: string) {
  return (operand: NDArray, scatterIndices: NDArray, updates: Operand, dimensionNumbers: ScatterDimensionNumbersIn, opts: ScatterOpts = {}): NDArray => {
    const dn: ScatterDimensionNumbers = {
      updateWindowDims: [...dimensionNumbers.updateWindowDims], insertedWindowDims: [...dimensionNumbers.insertedWindowDims],
      scatterDimsToOperandDims: [...dimensionNumbers.scatterDimsToOperandDims],
      operandBatchingDims: [...(dimensionNumbers.operandBatchingDims ?? [])],
      scatterIndicesBatchingDims: [...(dimensionNumbers.scatterIndicesBatchingDims ?? [])],
    };
    const u = isArray(updates) ? updates : scalarArray(Number(updates), operand.dtype, false);
    return scatterOp(kind, operand, int32Indices(name, scatterIndices), u, dn, parseMode(name, opts.mode, "fill"), opts.uniqueIndices ?? false);
  };
}

/**
 * XLA's Scatter with replacement: `operand` with windows of `updates` written at the index
 * vectors in the last axis of `scatterIndices`. With duplicate indices the last update (in
 * row-major order of the indices) wins. Prefer `x.at(idx).set(v)` in user code.
 * @example
 * // x.at(idx).set(u) for a 1-D x, idx of shape [m], u of shape [m]:
 * lax.scatter(x, idx.reshape([-1, 1]), u, { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] })
 */
export const scatter = scatterWith("scatter", "scatter");
/**
 * Scatter that adds the updates (duplicates accumulate); the transpose of `gather`.
 * @example lax.scatterAdd(np.zeros([5]), idx.reshape([-1, 1]), u, { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] })
 */
export const scatterAdd = scatterWith("scatter_add", "scatterAdd");
/** Scatter that multiplies. @example lax.scatterMul(x, idx.reshape([-1, 1]), u, dn) */
export const scatterMul = scatterWith("scatter_mul", "scatterMul");
/** Scatter that keeps the minimum. @example lax.scatterMin(x, idx.reshape([-1, 1]), u, dn) */
export const scatterMin = scatterWith("scatter_min", "scatterMin");
/** Scatter that keeps the maximum. @example lax.scatterMax(x, idx.reshape([-1, 1]), u, dn) */
export const scatterMax = scatterWith("scatter_max", "scatterMax");

/** Start indices (a 1-D int array, or one scalar per dim, traced or not) as an int32 vector, negatives wrapped. */
function startVector(op: string, x: NDArray, starts: NDArray | readonly (number | NDArray)[]): NDArray {
  let v: NDArray;
  if (isArray(starts)) {
    v = int32Indices(op, starts);
    if (v.ndim !== 1) throw new ShapeError(msg(op, "startIndices must be a 1-D array or a list of scalars", v.aval.str()));
  } else if (starts.every((s) => typeof s === "number")) {
    v = array(starts as number[], { dtype: "int32", shape: [starts.length] });
  } else {
    const parts = starts.map((s) => {
      const a = int32Indices(op, s);
      if (a.ndim !== 0) throw new ShapeError(msg(op, "each start index must be a scalar", a.aval.str()));
      return o.reshape(a, [1]);
    });
    v = prims.concatenate.bind1(parts, { dimension: 0 });
  }
  if (v.shape[0] !== x.ndim) throw new ShapeError(msg(op, `needs one start index per operand dim (${x.ndim})`, `${v.shape[0]} for ${x.aval.str()}`));
  // jax.lax.dynamic_slice's allow_negative_indices=True: -1 is the last element.
  const dims = array(x.shape, { dtype: "int32", shape: [x.ndim] });
  return o.select(o.lt(v, 0), o.add(v, dims), v);
}
const iotaList = (n: number) => [...Array(n).keys()];

/**
 * XLA's DynamicSlice: the slice of `sliceSizes` starting at `startIndices`, which may be
 * traced. Negative starts count from the end; starts are then clamped so the slice fits
 * (as XLA): `lax.dynamicSlice(x, [5], [3])` on 6 elements reads elements 3..5.
 * @example lax.dynamicSlice(x, [i, 0], [2, x.shape[1]])   // i may be a traced int32 scalar
 */
export function dynamicSlice(operand: NDArray, startIndices: NDArray | readonly (number | NDArray)[], sliceSizes: readonly number[]): NDArray {
  const idx = startVector("dynamicSlice", operand, startIndices);
  if (sliceSizes.length !== operand.ndim) throw new ShapeError(msg("dynamicSlice", `sliceSizes must have one entry per operand dim (${operand.ndim})`, `[${sliceSizes}]`));
  const n = iotaList(operand.ndim);
  return gatherOp(operand, idx, { offsetDims: n, collapsedSliceDims: [], startIndexMap: n, operandBatchingDims: [], startIndicesBatchingDims: [] }, [...sliceSizes], "clip");
}

/**
 * XLA's DynamicUpdateSlice: `operand` with `update` written at `startIndices` (traced ok;
 * negative starts count from the end, then starts are clamped so the update fits).
 * @example lax.dynamicUpdateSlice(np.zeros([6]), np.ones([3]), [i])
 */
export function dynamicUpdateSlice(operand: NDArray, update: NDArray, startIndices: NDArray | readonly (number | NDArray)[]): NDArray {
  const idx = startVector("dynamicUpdateSlice", operand, startIndices);
  if (update.ndim !== operand.ndim) throw new ShapeError(msg("dynamicUpdateSlice", "update must have the operand's rank", `${update.aval.str()} for ${operand.aval.str()}`));
  const n = iotaList(operand.ndim);
  return scatterOp("scatter", operand, idx, update, { updateWindowDims: n, insertedWindowDims: [], scatterDimsToOperandDims: n, operandBatchingDims: [], scatterIndicesBatchingDims: [] }, "clip", true);
}

/** dynamicSlice along one axis. @example lax.dynamicSliceInDim(x, i, 2, 0) */
export function dynamicSliceInDim(operand: NDArray, startIndex: number | NDArray, sliceSize: number, axis = 0): NDArray {
  const starts = operand.shape.map((_, d): number | NDArray => (d === axis ? startIndex : 0));
  return dynamicSlice(operand, starts, operand.shape.map((s, d) => (d === axis ? sliceSize : s)));
}
/** The element `index` along `axis` (traced ok), keeping the axis by default. @example lax.dynamicIndexInDim(x, i, 0, false) */
export function dynamicIndexInDim(operand: NDArray, index: number | NDArray, axis = 0, keepdims = true): NDArray {
  const y = dynamicSliceInDim(operand, index, 1, axis);
  return keepdims ? y : o.reshape(y, operand.shape.filter((_, d) => d !== axis));
}
/** dynamicUpdateSlice along one axis. @example lax.dynamicUpdateSliceInDim(x, row, i, 0) */
export function dynamicUpdateSliceInDim(operand: NDArray, update: NDArray, startIndex: number | NDArray, axis = 0): NDArray {
  return dynamicUpdateSlice(operand, update, operand.shape.map((_, d): number | NDArray => (d === axis ? startIndex : 0)));
}
