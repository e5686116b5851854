// General gather and scatter with XLA's semantics (JAX's convention: the index vector is the
// last axis of the indices), with their jvp, transpose and batching rules. scatter_add is
// gather's transpose and gather is scatter_add's. Rules follow jax/_src/lax/slicing.py
// (_gather_*, _scatter_*); see the notes on each for where they differ.
//
// Out-of-bounds handling (`mode`): "clip" clamps each start index so the whole window is in
// bounds; "fill" makes a gather return `fillValue` for a window that is not entirely in
// bounds and makes a scatter drop such a window; "promise_in_bounds" behaves as XLA on CPU
// (gathers clamp, scatters drop). Negative indices are not wrapped here (the numpy layer
// does that). With duplicate indices, scatter keeps the last update in row-major order of
// the indices' batch positions, and scatter_add/mul/min/max combine all of them.
import { ConcreteArray, type NDArray } from "../array";
import { ShapedArray, avalsStr } from "../aval";
import { getBackend } from "../device";
import { isComplex } from "../dtype";
import { DTypeError, msg, ShapeError } from "../errors";
import { definePrimitive, type JvpRule, type Primitive, type Tangent, type TransposeRule, UndefinedPrimal, Zero } from "../primitive";
import { prod } from "../shape";
import { batchFirst, moveAxis } from "./batching";
import * as o from "./ops";

export type GatherMode = "clip" | "fill" | "promise_in_bounds";

export interface GatherDimensionNumbers {
  /** Output dims that index into a window of the operand (ascending). */
  offsetDims: readonly number[];
  /** Operand dims with slice size 1 that get no output dim (ascending). */
  collapsedSliceDims: readonly number[];
  /** For each entry of an index vector, the operand dim it starts. */
  startIndexMap: readonly number[];
  /** Operand dims that are batch dims shared with the indices (ascending). */
  operandBatchingDims: readonly number[];
  /** The indices' dims paired with `operandBatchingDims`. */
  startIndicesBatchingDims: readonly number[];
}
export interface ScatterDimensionNumbers {
  /** Dims of the updates that are window dims (ascending). */
  updateWindowDims: readonly number[];
  /** Operand dims with window size 1 that the updates lack (ascending). */
  insertedWindowDims: readonly number[];
  /** For each entry of an index vector, the operand dim it starts. */
  scatterDimsToOperandDims: readonly number[];
  operandBatchingDims: readonly number[];
  scatterIndicesBatchingDims: readonly number[];
}
export interface GatherParams {
  dimensionNumbers: GatherDimensionNumbers;
  sliceSizes: readonly number[];
  mode: GatherMode;
  /** The value of out-of-bounds windows in "fill" mode (null in the other modes). */
  fillValue: number | null;
}
export interface ScatterParams {
  dimensionNumbers: ScatterDimensionNumbers;
  mode: GatherMode;
  /** The caller promises that no two updates hit the same operand element. */
  uniqueIndices: boolean;
}
export type ScatterKind = "scatter" | "scatter_add" | "scatter_mul" | "scatter_min" | "scatter_max";

// ---- shape rules -------------------------------------------------------------------

function dimsCheck(op: string, name: string, dims: readonly number[], rank: number, sorted: boolean, fail: (r: string) => never): void {
  dims.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0 || d >= rank) fail(`${name} must be in [0, ${rank})`);
    if (sorted && i > 0 && d <= dims[i - 1]) fail(`${name} must be sorted and distinct`);
  });
  if (new Set(dims).size !== dims.length) fail(`${name} must be distinct`);
}
const disjoint = (a: readonly number[], b: readonly number[]) => a.every((d) => !b.includes(d));
const dnStr = (dn: object): string => JSON.stringify(dn).replace(/"/g, "");

/** Validates a gather (XLA's ShapeInference::InferGatherShape) and returns its output shape. */
function gatherShape(x: ShapedArray, idx: ShapedArray, p: GatherParams): number[] {
  const dn = p.dimensionNumbers, ss = p.sliceSizes;
  const fail = (r: string): never => { throw new ShapeError(msg("gather", r, `${avalsStr([x, idx])} with ${dnStr(dn)}, sliceSizes [${ss}]`)); };
  if (idx.dtype !== "int32") throw new DTypeError(msg("gather", "indices must be int32", idx.str()));
  if (idx.ndim < 1) fail("indices must have rank >= 1 (their last axis holds the index vectors)");
  const br = idx.ndim - 1, outRank = dn.offsetDims.length + br;
  dimsCheck("gather", "offsetDims", dn.offsetDims, outRank, true, fail);
  if (dn.startIndexMap.length !== idx.shape[br]) fail(`startIndexMap must have one entry per index-vector element (${idx.shape[br]})`);
  dimsCheck("gather", "startIndexMap", dn.startIndexMap, x.ndim, false, fail);
  dimsCheck("gather", "collapsedSliceDims", dn.collapsedSliceDims, x.ndim, true, fail);
  dimsCheck("gather", "operandBatchingDims", dn.operandBatchingDims, x.ndim, true, fail);
  dimsCheck("gather", "startIndicesBatchingDims", dn.startIndicesBatchingDims, br, false, fail);
  if (!disjoint(dn.collapsedSliceDims, dn.operandBatchingDims) || !disjoint(dn.startIndexMap, dn.operandBatchingDims)) {
    fail("operandBatchingDims must be disjoint from collapsedSliceDims and startIndexMap");
  }
  if (dn.operandBatchingDims.length !== dn.startIndicesBatchingDims.length ||
      dn.operandBatchingDims.some((d, i) => x.shape[d] !== idx.shape[dn.startIndicesBatchingDims[i]])) {
    fail("operandBatchingDims and startIndicesBatchingDims must pair dims of equal sizes");
  }
  if (ss.length !== x.ndim) fail(`sliceSizes must have one entry per operand dim (${x.ndim})`);
  if (ss.length !== dn.offsetDims.length + dn.collapsedSliceDims.length + dn.operandBatchingDims.length) {
    fail("every operand dim must be an offset dim, a collapsed dim or a batching dim");
  }
  ss.forEach((s, i) => { if (!Number.isInteger(s) || s < 0 || s > x.shape[i]) fail(`sliceSizes[${i}] must be in [0, ${x.shape[i]}]`); });
  if (dn.collapsedSliceDims.some((d) => ss[d] !== 1)) fail("collapsed dims must have slice size 1");
  if (dn.operandBatchingDims.some((d) => ss[d] > 1)) fail("batching dims must have slice size 0 or 1");
  const win = windowDims(x.ndim, dn.collapsedSliceDims, dn.operandBatchingDims).map((d) => ss[d]);
  const batch = idx.shape.slice(0, br);
  let w = 0, b = 0;
  return Array.from({ length: outRank }, (_, i) => (dn.offsetDims.includes(i) ? win[w++] : batch[b++]));
}

/** Validates a scatter (XLA's ShapeInference::InferScatterShape). */
function scatterCheck(op: string, x: ShapedArray, idx: ShapedArray, u: ShapedArray, dn: ScatterDimensionNumbers): void {
  const fail = (r: string): never => { throw new ShapeError(msg(op, r, `${avalsStr([x, idx, u])} with ${dnStr(dn)}`)); };
  if (idx.dtype !== "int32") throw new DTypeError(msg(op, "indices must be int32", idx.str()));
  if (u.dtype !== x.dtype) throw new DTypeError(msg(op, "updates must have the operand's dtype", avalsStr([x, u])));
  if (idx.ndim < 1) fail("indices must have rank >= 1 (their last axis holds the index vectors)");
  const br = idx.ndim - 1;
  if (u.ndim !== br + dn.updateWindowDims.length) fail(`updates must have rank ${br + dn.updateWindowDims.length}`);
  dimsCheck(op, "updateWindowDims", dn.updateWindowDims, u.ndim, true, fail);
  dimsCheck(op, "insertedWindowDims", dn.insertedWindowDims, x.ndim, true, fail);
  dimsCheck(op, "operandBatchingDims", dn.operandBatchingDims, x.ndim, true, fail);
  dimsCheck(op, "scatterIndicesBatchingDims", dn.scatterIndicesBatchingDims, br, false, fail);
  if (!disjoint(dn.insertedWindowDims, dn.operandBatchingDims) || !disjoint(dn.scatterDimsToOperandDims, dn.operandBatchingDims)) {
    fail("operandBatchingDims must be disjoint from insertedWindowDims and scatterDimsToOperandDims");
  }
  if (dn.operandBatchingDims.length !== dn.scatterIndicesBatchingDims.length ||
      dn.operandBatchingDims.some((d, i) => x.shape[d] !== idx.shape[dn.scatterIndicesBatchingDims[i]])) {
    fail("operandBatchingDims and scatterIndicesBatchingDims must pair dims of equal sizes");
  }
  if (x.ndim !== dn.updateWindowDims.length + dn.insertedWindowDims.length + dn.operandBatchingDims.length) {
    fail("every operand dim must be a window dim, an inserted dim or a batching dim");
  }
  if (dn.scatterDimsToOperandDims.length !== idx.shape[br]) fail(`scatterDimsToOperandDims must have one entry per index-vector element (${idx.shape[br]})`);
  dimsCheck(op, "scatterDimsToOperandDims", dn.scatterDimsToOperandDims, x.ndim, false, fail);
  const win = windowDims(x.ndim, dn.insertedWindowDims, dn.operandBatchingDims);
  dn.updateWindowDims.forEach((d, i) => { if (u.shape[d] > x.shape[win[i]]) fail(`update window dim ${d} must not exceed operand dim ${win[i]}`); });
  updateScatterDims(u.ndim, dn).forEach((d, i) => { if (u.shape[d] !== idx.shape[i]) fail(`updates dim ${d} must match indices dim ${i}`); });
}

// ---- dimension-number helpers ------------------------------------------------------

/** Operand dims that are neither collapsed/inserted nor batching: the window dims, ascending. */
const windowDims = (rank: number, collapsed: readonly number[], batching: readonly number[]): number[] =>
  [...Array(rank).keys()].filter((d) => !collapsed.includes(d) && !batching.includes(d));
/** Dims of the updates that are not window dims: they pair, in order, with the indices' batch dims. */
const updateScatterDims = (rank: number, dn: ScatterDimensionNumbers): number[] =>
  [...Array(rank).keys()].filter((d) => !dn.updateWindowDims.includes(d));

const toScatterDn = (dn: GatherDimensionNumbers): ScatterDimensionNumbers => ({
  updateWindowDims: dn.offsetDims, insertedWindowDims: dn.collapsedSliceDims, scatterDimsToOperandDims: dn.startIndexMap,
  operandBatchingDims: dn.operandBatchingDims, scatterIndicesBatchingDims: dn.startIndicesBatchingDims,
});
const toGatherDn = (dn: ScatterDimensionNumbers): GatherDimensionNumbers => ({
  offsetDims: dn.updateWindowDims, collapsedSliceDims: dn.insertedWindowDims, startIndexMap: dn.scatterDimsToOperandDims,
  operandBatchingDims: dn.operandBatchingDims, startIndicesBatchingDims: dn.scatterIndicesBatchingDims,
});
/** The window sizes of a scatter, as gather slice sizes (1 on inserted and batching dims). */
function scatterSliceSizes(xShape: readonly number[], uShape: readonly number[], dn: ScatterDimensionNumbers): number[] {
  let pos = 0;
  return xShape.map((_, i) => (dn.insertedWindowDims.includes(i) || dn.operandBatchingDims.includes(i) ? 1 : uShape[dn.updateWindowDims[pos++]]));
}
/** The gather that reads back, per update element, the operand element a scatter wrote. */
const readbackMode = (m: GatherMode): GatherMode => (m === "clip" ? "clip" : "fill");
/** The scatter that sends a gather's cotangent back to the elements it read. */
const writebackMode = (m: GatherMode): GatherMode => (m === "fill" ? "fill" : "clip");
const inc = (ds: readonly number[]) => ds.map((d) => d + 1);
const undef = (x: unknown): x is UndefinedPrimal => x instanceof UndefinedPrimal;

// ---- binding helpers ---------------------------------------------------------------

/** Binds gather (rules and the numpy layer use this; users call lax.gather). */
export function gather(x: NDArray, idx: NDArray, dn: GatherDimensionNumbers, sliceSizes: readonly number[],
                       mode: GatherMode, fillValue: number | null = null): NDArray {
  return gatherP.bind1([x, idx], { dimensionNumbers: dn, sliceSizes, mode, fillValue: mode === "fill" ? fillValue ?? 0 : null });
}
/** Binds one of the scatter primitives (users call lax.scatter*). */
export function scatter(kind: ScatterKind, x: NDArray, idx: NDArray, u: NDArray, dn: ScatterDimensionNumbers,
                        mode: GatherMode, uniqueIndices = false): NDArray {
  return scatterPrims[kind].bind1([x, idx, u], { dimensionNumbers: dn, mode, uniqueIndices });
}

/**
 * int32 ids (1, 2, ...) of a scatter's update positions, with the updates' shape: constant
 * across each update window, distinct between windows (JAX's `_scatter_jvp` trick).
 */
function updateIds(uShape: readonly number[], dn: ScatterDimensionNumbers): NDArray {
  const sd = updateScatterDims(uShape.length, dn);
  const shape = sd.map((d) => uShape[d]);
  const aval = new ShapedArray([prod(shape)], "int32");
  const b = getBackend();
  const ids = new ConcreteArray(b, b.upload(Int32Array.from({ length: aval.size }, (_, i) => i + 1), aval), aval);
  return o.broadcastInDim(o.reshape(ids, shape), uShape, sd);
}

/**
 * Helpers for a scatter's rules: `at(v)` reads `v` back at every update element's target
 * (0 where the update was dropped), `sc` scatters with the same indices, and `survivors()`
 * says which operand elements were not overwritten and which update elements were written
 * last (replace semantics).
 */
function scatterTools(x: ShapedArray, idx: NDArray, u: ShapedArray, p: ScatterParams) {
  const dn = p.dimensionNumbers;
  const gdn = toGatherDn(dn), ss = scatterSliceSizes(x.shape, u.shape, dn);
  const at = (v: NDArray): NDArray => gather(v, idx, gdn, ss, readbackMode(p.mode), 0);
  const sc = (kind: ScatterKind, base: NDArray, upd: NDArray): NDArray => scatter(kind, base, idx, upd, dn, p.mode, p.uniqueIndices);
  /** [operand elements not overwritten, update elements that were written last]. */
  const survivors = (): [NDArray, NDArray] => {
    const ids = updateIds(u.shape, dn);
    const written = sc("scatter", o.zeros(x.withDType("int32")), ids);
    return [o.eq(written, 0), o.eq(at(written), ids)];
  };
  return { at, sc, survivors };
}

// ---- gather ------------------------------------------------------------------------

const gatherP: Primitive<GatherParams> = definePrimitive<GatherParams>("gather", {
  abstractEval: ([x, idx], p) => [x.withShape(gatherShape(x, idx, p))],
  // Linear in the operand; the indices get no tangent.
  jvp: ([x, idx], [tx], p) => {
    const y = gatherP.bind1([x, idx], p);
    return [[y], [tx instanceof Zero ? new Zero(y.aval.strong()) : gatherP.bind1([tx, idx], { ...p, fillValue: p.mode === "fill" ? 0 : null })]];
  },
  // Scatter-add the cotangent back to the elements that were read (clamped as the gather
  // clamped them; dropped where it filled).
  transpose: ([ct], [x, idx], p) => {
    if (undef(idx)) throw new TypeError("gather: the indices are not linear");
    const aval = (x as UndefinedPrimal).aval;
    if (ct instanceof Zero) return [new Zero(aval), null];
    return [scatter("scatter_add", o.zeros(aval.strong()), idx as NDArray, ct, toScatterDn(p.dimensionNumbers), writebackMode(p.mode)), null];
  },
  // JAX's _gather_batching_rule: a batched operand gains a window dim; batched indices gain
  // a batch dim; both batched pair them as batching dims. The output batch axis is 0.
  batch: ([x, idx], [dx, di], p, size) => {
    const dn = p.dimensionNumbers;
    if (di === null) {
      const d: GatherDimensionNumbers = {
        offsetDims: [0, ...inc(dn.offsetDims)], collapsedSliceDims: inc(dn.collapsedSliceDims), startIndexMap: inc(dn.startIndexMap),
        operandBatchingDims: inc(dn.operandBatchingDims), startIndicesBatchingDims: dn.startIndicesBatchingDims,
      };
      return [[gatherP.bind1([moveAxis(x, dx!, 0), idx], { ...p, dimensionNumbers: d, sliceSizes: [size, ...p.sliceSizes] })], [0]];
    }
    if (dx === null) {
      const d: GatherDimensionNumbers = { ...dn, offsetDims: inc(dn.offsetDims), startIndicesBatchingDims: inc(dn.startIndicesBatchingDims) };
      return [[gatherP.bind1([x, moveAxis(idx, di, 0)], { ...p, dimensionNumbers: d })], [0]];
    }
    const d: GatherDimensionNumbers = {
      offsetDims: inc(dn.offsetDims), collapsedSliceDims: inc(dn.collapsedSliceDims), startIndexMap: inc(dn.startIndexMap),
      operandBatchingDims: [0, ...inc(dn.operandBatchingDims)], startIndicesBatchingDims: [0, ...inc(dn.startIndicesBatchingDims)],
    };
    return [[gatherP.bind1([moveAxis(x, dx, 0), moveAxis(idx, di, 0)], { ...p, dimensionNumbers: d, sliceSizes: [size === 0 ? 0 : 1, ...p.sliceSizes] })], [0]];
  },
});

// ---- scatter -----------------------------------------------------------------------

/** JAX's _scatter_batching_rule: operand and updates get the batch axis first. */
const scatterBatch = (kind: ScatterKind) => (([x, idx, u], [dx, di, du], p, size) => {
  const dn = p.dimensionNumbers;
  const xb = batchFirst(x, dx, size), ub = batchFirst(u, du, size);
  if (di === null) {
    const d: ScatterDimensionNumbers = {
      updateWindowDims: [0, ...inc(dn.updateWindowDims)], insertedWindowDims: inc(dn.insertedWindowDims),
      scatterDimsToOperandDims: inc(dn.scatterDimsToOperandDims), operandBatchingDims: inc(dn.operandBatchingDims),
      scatterIndicesBatchingDims: dn.scatterIndicesBatchingDims,
    };
    return [[scatterPrims[kind].bind1([xb, idx, ub], { ...p, dimensionNumbers: d })], [0]];
  }
  const d: ScatterDimensionNumbers = {
    updateWindowDims: inc(dn.updateWindowDims), insertedWindowDims: inc(dn.insertedWindowDims),
    scatterDimsToOperandDims: inc(dn.scatterDimsToOperandDims), operandBatchingDims: [0, ...inc(dn.operandBatchingDims)],
    scatterIndicesBatchingDims: [0, ...inc(dn.scatterIndicesBatchingDims)],
  };
  return [[scatterPrims[kind].bind1([xb, batchFirst(idx, di, size), ub], { ...p, dimensionNumbers: d })], [0]];
}) as NonNullable<Primitive<ScatterParams>["rules"]["batch"]>;

function defineScatter(kind: ScatterKind, jvp: JvpRule<ScatterParams>, transpose?: TransposeRule<ScatterParams>): Primitive<ScatterParams> {
  return definePrimitive<ScatterParams>(kind, {
    abstractEval: ([x, idx, u], p) => {
      scatterCheck(kind, x, idx, u, p.dimensionNumbers);
      if ((kind === "scatter_min" || kind === "scatter_max") && isComplex(x.dtype)) throw new DTypeError(msg(kind, "needs a real dtype", x.str()));
      return [x];
    },
    jvp, transpose, batch: scatterBatch(kind),
  });
}

/** The primal output and a symbolic zero tangent when both tangents are zero, else null. */
function primalOnly(kind: ScatterKind, xs: NDArray[], ts: Tangent[], p: ScatterParams): [NDArray, Zero | null] {
  const y = scatterPrims[kind].bind1(xs, p);
  return [y, ts[0] instanceof Zero && ts[2] instanceof Zero ? new Zero(y.aval.strong()) : null];
}

/** Cotangents of scatter_add: the operand gets ct, the updates read it back. */
const scatterAddT: TransposeRule<ScatterParams> = ([ct], [x, i, u], p) => {
  if (undef(i)) throw new TypeError("scatter_add: the indices are not linear");
  if (ct instanceof Zero) return [undef(x) ? new Zero(x.aval) : null, null, undef(u) ? new Zero(u.aval) : null];
  const { at } = scatterTools(x.aval, i as NDArray, u.aval, p);
  return [undef(x) ? ct : null, null, undef(u) ? at(ct) : null];
};

const scatterAddP = defineScatter("scatter_add", (xs, ts, p) => {
  const [y, z] = primalOnly("scatter_add", xs, ts, p);
  if (z) return [[y], [z]];
  const [tx, , tu] = ts;
  return [[y], [tu instanceof Zero ? tx : scatter("scatter_add", o.instantiate(tx), xs[1], tu, p.dimensionNumbers, p.mode, p.uniqueIndices)]];
}, scatterAddT);

/**
 * scatter (replace). jvp: with `uniqueIndices`, the same scatter of the tangents (JAX's
 * fast path). Otherwise JAX's rule: tag each update window with an id, scatter the ids to
 * find which update survived at each element, and scatter-add only the surviving tangents
 * onto the operand's tangent masked where it was overwritten. Exact with duplicate indices
 * here because the CPU kernel's winner (last in index order) is deterministic.
 */
const scatterP = defineScatter("scatter", (xs, ts, p) => {
  const [y, z] = primalOnly("scatter", xs, ts, p);
  if (z) return [[y], [z]];
  const [x, idx, u] = xs;
  const tx = o.instantiate(ts[0]), tu = o.instantiate(ts[2]);
  if (p.uniqueIndices) return [[y], [scatter("scatter", tx, idx, tu, p.dimensionNumbers, p.mode, true)]];
  const { sc, survivors } = scatterTools(x.aval, idx, u.aval, p);
  const [kept, won] = survivors();
  return [[y], [sc("scatter_add", o.select(kept, tx, o.zeros(tx.aval)), o.select(won, tu, o.zeros(tu.aval)))]];
}, ([ct], [x, i, u], p) => {
  // Jointly linear in (operand, updates): overwritten operand elements get no cotangent;
  // each update gets the cotangent of the element it wrote, if it was the last to write.
  if (undef(i)) throw new TypeError("scatter: the indices are not linear");
  if (ct instanceof Zero) return [undef(x) ? new Zero(x.aval) : null, null, undef(u) ? new Zero(u.aval) : null];
  const idx = i as NDArray;
  const { at, sc, survivors } = scatterTools(x.aval, idx, u.aval, p);
  const ctX = undef(x) ? sc("scatter", ct, o.zeros(u.aval.strong().withDType(ct.dtype))) : null;
  let ctU: NDArray | null = null;
  if (undef(u)) {
    ctU = at(ct);
    if (!p.uniqueIndices) ctU = o.select(survivors()[1], ctU, o.zeros(ctU.aval));
  }
  return [ctX, null, ctU];
});

/**
 * scatter_mul. jvp: y = x * P with P the product of the updates landing on each element, so
 * dy = tx * P + x * dP with dP = sum_j tu_j * prod_{k != j} u_k. The exclusive products avoid
 * dividing by zero (count the zero updates Z per element: Pnz / u_j when Z = 0, Pnz when
 * u_j = 0 and Z = 1, else 0), so this is exact for duplicate indices, where JAX's rule
 * requires unique indices. Transpose: linear in the operand only (ct * P).
 */
const scatterMulP = defineScatter("scatter_mul", (xs, ts, p) => {
  const [y, z] = primalOnly("scatter_mul", xs, ts, p);
  if (z) return [[y], [z]];
  const [x, idx, u] = xs, [tx, , tu] = ts;
  const { at, sc } = scatterTools(x.aval, idx, u.aval, p);
  const xa = x.aval.strong(), ua = u.aval.strong();
  const ones = o.full(xa, 1);
  let t: Tangent = new Zero(xa);
  if (!(tx instanceof Zero)) t = o.mul(tx, sc("scatter_mul", ones, u));
  if (!(tu instanceof Zero)) {
    const isZ = o.eq(u, 0);
    const uNz = o.select(isZ, o.full(ua, 1), u);
    const zc = at(sc("scatter_add", o.zeros(xa), o.select(isZ, o.full(ua, 1), o.zeros(ua))));
    const pnz = at(sc("scatter_mul", ones, uNz));
    const zero = o.zeros(ua);
    const others = o.select(isZ, o.select(o.eq(zc, 1), pnz, zero), o.select(o.eq(zc, 0), o.div(pnz, uNz), zero));
    t = o.addTangents(t, o.mul(x, sc("scatter_add", o.zeros(xa), o.mul(tu, others))));
  }
  return [[y], [t]];
}, ([ct], [x, i, u], p) => {
  if (undef(i) || undef(u)) throw new TypeError("scatter_mul: linear in the operand only; the indices and updates have no transpose");
  if (ct instanceof Zero) return [new Zero(x.aval), null, null];
  return [scatter("scatter_mul", ct, i as NDArray, u as NDArray, p.dimensionNumbers, p.mode, p.uniqueIndices), null, null];
});

/**
 * scatter_min / scatter_max jvp: the tangent of each output element is the mean of the
 * tangents of everything attaining it (the operand element if it survived, and every
 * update equal to the result), the balanced rule of JAX's _scatter_extremal_jvp (and of
 * elementwise max/min). Correct with duplicate indices.
 */
const extremalJvp = (kind: "scatter_min" | "scatter_max"): JvpRule<ScatterParams> => (xs, ts, p) => {
  const [y, z] = primalOnly(kind, xs, ts, p);
  if (z) return [[y], [z]];
  const [x, idx, u] = xs, [tx, , tu] = ts;
  const { at, sc } = scatterTools(x.aval, idx, u.aval, p);
  const xa = x.aval.strong(), ua = u.aval.strong();
  const ind = (pred: NDArray, a: ShapedArray) => o.select(pred, o.full(a, 1), o.zeros(a));
  const wonF = ind(o.eq(u, at(y)), ua);   // dropped updates are dropped again by `sc`
  const keptF = ind(o.eq(x, y), xa);
  const count = sc("scatter_add", keptF, wonF);
  const safe = o.select(o.eq(count, 0), o.full(xa, 1), count);
  let num: Tangent = new Zero(xa);
  if (!(tx instanceof Zero)) num = o.mul(tx, keptF);
  if (!(tu instanceof Zero)) num = o.addTangents(num, sc("scatter_add", o.zeros(xa), o.mul(tu, wonF)));
  return [[y], [num instanceof Zero ? num : o.div(num, safe)]];
};
const scatterMinP = defineScatter("scatter_min", extremalJvp("scatter_min"));
const scatterMaxP = defineScatter("scatter_max", extremalJvp("scatter_max"));

const scatterPrims: Record<ScatterKind, Primitive<ScatterParams>> = {
  scatter: scatterP, scatter_add: scatterAddP, scatter_mul: scatterMulP, scatter_min: scatterMinP, scatter_max: scatterMaxP,
};

export const gatherPrims = {
  gather: gatherP,
  scatter: scatterP,
  scatter_add: scatterAddP,
  scatter_mul: scatterMulP,
  scatter_min: scatterMinP,
  scatter_max: scatterMaxP,
};
