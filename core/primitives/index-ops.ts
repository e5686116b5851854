// Indexing along one axis: take_along_axis (a gather) and scatter_along_axis (its
// scatter counterpart, with set/add/mul/min/max combiners), with their jvp, transpose and
// batching rules (jax/_src/lax/slicing.py: _gather_*, _scatter_*_jvp/_transpose_rule).
// General lax.gather/scatter come with the numerics issue.
import { ConcreteArray, type NDArray } from "../array";
import { ShapedArray, avalsStr } from "../aval";
import { getBackend } from "../device";
import { allocate } from "../dtype";
import { DTypeError, msg, ShapeError } from "../errors";
import { definePrimitive, type Primitive, type Tangent, UndefinedPrimal, Zero } from "../primitive";
import { batchFirst } from "./batching";
import * as o from "./ops";
import { checkAxes } from "./rules";

export type ScatterMode = "set" | "add" | "mul" | "min" | "max";
export interface AlongAxisParams { axis: number }
export interface ScatterAlongAxisParams { axis: number; mode: ScatterMode }

function checkIndices(op: string, x: ShapedArray, idx: ShapedArray, axis: number): void {
  checkAxes(op, [axis], x.ndim);
  if (idx.dtype !== "int32") throw new DTypeError(msg(op, "indices must be int32", idx.str()));
  if (idx.ndim !== x.ndim || idx.shape.some((d, i) => i !== axis && d !== x.shape[i])) {
    throw new ShapeError(msg(op, `indices must match the operand's shape except on axis ${axis}`, avalsStr([x, idx])));
  }
}

// ---- rule helpers ------------------------------------------------------------------

/** Indices clamped into [0, n): what take_along_axis reads (scatter drops out-of-range ones). */
const clampIdx = (idx: NDArray, n: number): NDArray => o.min(o.max(idx, 0), n - 1);
/** Float 1 where `pred`, else 0, with the aval `like`. */
const indicator = (pred: NDArray, like: ShapedArray): NDArray => o.select(pred, o.full(like, 1), o.full(like, 0));
/** A constant int32 array of `shape` holding each element's position along `axis`. */
function iotaAlong(shape: readonly number[], axis: number): NDArray {
  const aval = new ShapedArray(shape, "int32");
  const data = allocate("iota", "int32", aval.size);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1), n = shape[axis];
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(i / inner) % n;
  const b = getBackend();
  return new ConcreteArray(b, b.upload(data, aval), aval);
}
const take = (x: NDArray, idx: NDArray, axis: number): NDArray => takeAlongAxisP.bind1([x, idx], { axis });
const scatter = (x: NDArray, idx: NDArray, upd: NDArray, axis: number, mode: ScatterMode): NDArray =>
  scatterAlongAxisP.bind1([x, idx, upd], { axis, mode });
const undef = (x: unknown): x is UndefinedPrimal => x instanceof UndefinedPrimal;

// ---- primitives --------------------------------------------------------------------

/** out[..., i, ...] = x[..., idx[..., i, ...], ...] along `axis` (indices clamped to range). */
const takeAlongAxisP: Primitive<AlongAxisParams> = definePrimitive<AlongAxisParams>("take_along_axis", {
  abstractEval: ([x, idx], { axis }) => {
    checkIndices("take_along_axis", x, idx, axis);
    if (x.shape[axis] === 0 && idx.shape[axis] > 0) throw new RangeError(msg("take_along_axis", "cannot index an empty axis", avalsStr([x, idx])));
    return [x.withShape(idx.shape)];
  },
  // Linear in x; the indices get no tangent.
  jvp: ([x, idx], [tx], { axis }) => {
    const y = take(x, idx, axis);
    return [[y], [tx instanceof Zero ? new Zero(y.aval.strong()) : take(tx, idx, axis)]];
  },
  // Scatter-add the cotangent back to the (clamped) positions that were read.
  transpose: ([ct], [x, i], { axis }) => {
    if (undef(i)) throw new TypeError("take_along_axis: the indices are not linear");
    const idx = i as NDArray;
    const aval = (x as UndefinedPrimal).aval;
    if (ct instanceof Zero) return [new Zero(aval), null];
    return [scatter(o.zeros(aval.strong()), clampIdx(idx, aval.shape[axis]), ct, axis, "add"), null];
  },
  batch: ([x, idx], [dx, di], { axis }, size) => [[take(batchFirst(x, dx, size), batchFirst(idx, di, size), axis + 1)], [0]],
});

/**
 * out = x, then out[..., idx[..., i, ...], ...] (op)= updates[..., i, ...]; out-of-range indices
 * are dropped. With duplicate indices, "set" keeps the last update along the axis.
 */
const scatterAlongAxisP: Primitive<ScatterAlongAxisParams> = definePrimitive<ScatterAlongAxisParams>("scatter_along_axis", {
  abstractEval: ([x, idx, upd], { axis }) => {
    checkIndices("scatter_along_axis", x, idx, axis);
    if (upd.dtype !== x.dtype || upd.shape.some((d, i) => d !== idx.shape[i]) || upd.ndim !== idx.ndim) {
      throw new ShapeError(msg("scatter_along_axis", "updates must have the indices' shape and the operand's dtype", avalsStr([x, idx, upd])));
    }
    return [x];
  },
  jvp: ([x, idx, u], [tx, , tu], { axis, mode }) => {
    const y = scatter(x, idx, u, axis, mode);
    const zero = new Zero(y.aval.strong());
    if (tx instanceof Zero && tu instanceof Zero) return [[y], [zero]];
    let t: Tangent;
    if (mode === "add" || mode === "set") {
      // Linear in (operand, updates) jointly: the same scatter of the tangents.
      t = mode === "add" && tu instanceof Zero ? tx : scatter(o.instantiate(tx), idx, o.instantiate(tu), axis, mode);
    } else if (mode === "mul") {
      t = mulJvp(x, idx, u, tx, tu, axis);
    } else {
      t = extremalJvp(x, idx, u, y, tx, tu, axis);
    }
    return [[y], [t]];
  },
  // Linear only for "add" (in operand and updates) and "set" (jointly).
  transpose: ([ct], [x, i, u], { axis, mode }) => {
    if (mode !== "add" && mode !== "set") throw new TypeError(`scatter_along_axis: mode "${mode}" is not linear, so it has no transpose`);
    if (undef(i)) throw new TypeError("scatter_along_axis: the indices are not linear");
    const idx = i as NDArray;
    const n = x.aval.shape[axis];
    if (ct instanceof Zero) return [undef(x) ? new Zero(x.aval) : null, null, undef(u) ? new Zero(u.aval) : null];
    // Only updates that landed (in range; for "set" also not overwritten by a later
    // duplicate) receive a cotangent.
    let landed: NDArray;
    if (mode === "add") landed = o.eq(clampIdx(idx, n), idx);
    else {
      // The winner at each position is the position (along the axis) of the update that
      // was written last: scatter the updates' own positions and read them back.
      const pos = iotaAlong(idx.shape, axis);
      const winner = scatter(o.full(new ShapedArray(x.aval.shape, "int32"), -1), idx, pos, axis, "set");
      landed = o.eq(take(winner, clampIdx(idx, n), axis), pos);
    }
    const ctX = !undef(x) ? null : mode === "add" ? ct : scatter(ct, idx, o.zeros(u.aval.strong()), axis, "set");
    const ctU = !undef(u) ? null : o.select(landed, take(ct, clampIdx(idx, n), axis), o.zeros(u.aval.strong()));
    return [ctX, null, ctU];
  },
  batch: ([x, idx, u], [dx, di, du], params, size) => {
    const [xb, ib, ub] = [batchFirst(x, dx, size), batchFirst(idx, di, size), batchFirst(u, du, size)];
    return [[scatterAlongAxisP.bind1([xb, ib, ub], { ...params, axis: params.axis + 1 })], [0]];
  },
});

/**
 * jvp of scatter "mul": y = x * P with P[p] = prod of the updates landing at p, so
 * dy = tx * P + x * dP, dP[p] = sum_j tu_j * prod_{k != j} u_k over updates j at p. The
 * exclusive products avoid dividing by zero: with Z = number of zero updates at p and
 * Pnz = product of the nonzero ones, prod_{k != j} u_k is Pnz / u_j when Z = 0, Pnz when
 * u_j = 0 and Z = 1, and 0 otherwise. Exact for duplicate indices too (JAX implements
 * only unique indices here).
 */
function mulJvp(x: NDArray, idx: NDArray, u: NDArray, tx: Tangent, tu: Tangent, axis: number): Tangent {
  const ones = o.full(x.aval.strong(), 1);
  let t: Tangent = new Zero(x.aval.strong());
  if (!(tx instanceof Zero)) t = o.mul(tx, scatter(ones, idx, u, axis, "mul"));
  if (!(tu instanceof Zero)) {
    const ci = clampIdx(idx, x.shape[axis]);
    const uAval = u.aval.strong();
    const isZ = o.eq(u, 0);
    const uNz = o.select(isZ, o.full(uAval, 1), u);
    const zg = take(scatter(o.zeros(x.aval.strong()), idx, indicator(isZ, uAval), axis, "add"), ci, axis);
    const pg = take(scatter(ones, idx, uNz, axis, "mul"), ci, axis);
    const zero = o.zeros(uAval);
    const others = o.select(isZ, o.select(o.eq(zg, 1), pg, zero), o.select(o.eq(zg, 0), o.div(pg, uNz), zero));
    const dP = scatter(o.zeros(x.aval.strong()), idx, o.mul(tu, others), axis, "add");
    t = o.addTangents(t, o.mul(x, dP));
  }
  return t;
}

/**
 * jvp of scatter "min"/"max": the tangent of each output element is the mean of the
 * tangents of everything attaining it (the operand element if it survived, and every
 * in-range update equal to the result), JAX's balanced rule for ties (as in elementwise
 * max/min and _scatter_extremal_jvp). Correct for duplicate indices; at NaN outputs the
 * tangent is 0 from the updates side (NaN never compares equal).
 */
function extremalJvp(x: NDArray, idx: NDArray, u: NDArray, y: NDArray, tx: Tangent, tu: Tangent, axis: number): Tangent {
  const n = x.shape[axis];
  const ci = clampIdx(idx, n);
  const uAval = u.aval.strong(), xAval = x.aval.strong();
  const wonF = o.select(o.eq(ci, idx), indicator(o.eq(u, take(y, ci, axis)), uAval), o.zeros(uAval));
  const keptF = indicator(o.eq(x, y), xAval);
  const count = scatter(keptF, idx, wonF, axis, "add");
  const safe = o.select(o.eq(count, 0), o.full(xAval, 1), count);
  let num: Tangent = new Zero(xAval);
  if (!(tx instanceof Zero)) num = o.mul(tx, keptF);
  if (!(tu instanceof Zero)) num = o.addTangents(num, scatter(o.zeros(xAval), idx, o.mul(tu, wonF), axis, "add"));
  return num instanceof Zero ? num : o.div(num, safe);
}

export const indexPrims = {
  take_along_axis: takeAlongAxisP,
  scatter_along_axis: scatterAlongAxisP,
};
