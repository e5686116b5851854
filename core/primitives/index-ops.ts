// Indexing along one axis: take_along_axis (a gather) and scatter_along_axis (its
// scatter counterpart, with set/add/mul/min/max combiners). General lax.gather/scatter
// come with the numerics issue.
import { ShapedArray, avalsStr } from "../aval";
import { DTypeError, msg, ShapeError } from "../errors";
import { definePrimitive } from "../primitive";
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

export const indexPrims = {
  /** out[..., i, ...] = x[..., idx[..., i, ...], ...] along `axis` (indices clamped to range). */
  take_along_axis: definePrimitive<AlongAxisParams>("take_along_axis", {
    abstractEval: ([x, idx], { axis }) => {
      checkIndices("take_along_axis", x, idx, axis);
      if (x.shape[axis] === 0 && idx.shape[axis] > 0) throw new RangeError(msg("take_along_axis", "cannot index an empty axis", avalsStr([x, idx])));
      return [x.withShape(idx.shape)];
    },
  }),
  /** out = x, then out[..., idx[..., i, ...], ...] (op)= updates[..., i, ...]; out-of-range indices are dropped. */
  scatter_along_axis: definePrimitive<ScatterAlongAxisParams>("scatter_along_axis", {
    abstractEval: ([x, idx, upd], { axis }) => {
      checkIndices("scatter_along_axis", x, idx, axis);
      if (upd.dtype !== x.dtype || upd.shape.some((d, i) => d !== idx.shape[i]) || upd.ndim !== idx.ndim) {
        throw new ShapeError(msg("scatter_along_axis", "updates must have the indices' shape and the operand's dtype", avalsStr([x, idx, upd])));
      }
      return [x];
    },
  }),
};
