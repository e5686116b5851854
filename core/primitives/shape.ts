// Shape primitives: broadcast_in_dim, reshape, transpose, slice, pad, concatenate, rev.
import { ShapedArray, avalsStr } from "../aval";
import { msg, ShapeError } from "../errors";
import { definePrimitive } from "../primitive";
import { prod, shapeStr } from "../shape";
import { allWeak, checkAxes } from "./rules";

export interface BroadcastInDimParams { shape: readonly number[]; broadcastDimensions: readonly number[] }
export interface ReshapeParams { newSizes: readonly number[] }
export interface TransposeParams { permutation: readonly number[] }
export interface SliceParams { startIndices: readonly number[]; limitIndices: readonly number[]; strides: readonly number[] | null }
export interface PadParams { config: readonly (readonly [number, number, number])[] }
export interface ConcatenateParams { dimension: number }
export interface RevParams { dimensions: readonly number[] }

export const shapePrims = {
  /** Operand dim i becomes output dim broadcastDimensions[i] (size equal, or 1 to broadcast). */
  broadcast_in_dim: definePrimitive<BroadcastInDimParams>("broadcast_in_dim", {
    abstractEval: ([x], { shape, broadcastDimensions: bd }) => {
      const ok = bd.length === x.ndim &&
        bd.every((d, i) => d >= 0 && d < shape.length && (i === 0 || d > bd[i - 1]) && (x.shape[i] === 1 || x.shape[i] === shape[d]));
      if (!ok) {
        throw new ShapeError(msg("broadcast_in_dim", `operand must fit shape ${shapeStr(shape)} at dims [${bd.join(",")}]`, x.str()));
      }
      return [x.withShape(shape)];
    },
  }),
  reshape: definePrimitive<ReshapeParams>("reshape", {
    abstractEval: ([x], { newSizes }) => {
      if (prod(newSizes) !== x.size) {
        throw new ShapeError(msg("reshape", `total size must be unchanged (${x.size})`, `${x.str()} to ${shapeStr(newSizes)}`));
      }
      return [x.withShape(newSizes)];
    },
  }),
  transpose: definePrimitive<TransposeParams>("transpose", {
    abstractEval: ([x], { permutation }) => {
      if (permutation.length !== x.ndim) {
        throw new RangeError(msg("transpose", `permutation must have ${x.ndim} axes`, `[${permutation.join(",")}] for ${x.str()}`));
      }
      checkAxes("transpose", permutation, x.ndim);
      return [x.withShape(permutation.map((p) => x.shape[p]))];
    },
  }),
  /** Static slice with positive strides. */
  slice: definePrimitive<SliceParams>("slice", {
    abstractEval: ([x], { startIndices: s, limitIndices: l, strides }) => {
      const st = strides ?? s.map(() => 1);
      const bad = s.length !== x.ndim || l.length !== x.ndim || st.length !== x.ndim ||
        s.some((v, i) => v < 0 || v > l[i] || l[i] > x.shape[i] || st[i] < 1);
      if (bad) throw new RangeError(msg("slice", "indices must satisfy 0 <= start <= limit <= size and stride >= 1",
        `start [${s}], limit [${l}], strides [${st}] for ${x.str()}`));
      return [x.withShape(s.map((v, i) => Math.ceil((l[i] - v) / st[i])))];
    },
  }),
  /** lax.pad: (low, high, interior) per dim; low/high may be negative (cropping). */
  pad: definePrimitive<PadParams>("pad", {
    abstractEval: ([x, v], { config }) => {
      if (v.ndim !== 0 || v.dtype !== x.dtype) throw new ShapeError(msg("pad", "padding value must be a scalar of the operand's dtype", avalsStr([x, v])));
      if (config.length !== x.ndim) throw new RangeError(msg("pad", `config must have ${x.ndim} entries`, `${config.length}`));
      const shape = x.shape.map((d, i) => {
        const [lo, hi, interior] = config[i];
        const n = lo + hi + d + Math.max(0, d - 1) * interior;
        if (interior < 0 || n < 0) throw new RangeError(msg("pad", "resulting dims must be non-negative", `config ${JSON.stringify(config)} for ${x.str()}`));
        return n;
      });
      return [x.withShape(shape)];
    },
  }),
  concatenate: definePrimitive<ConcatenateParams>("concatenate", {
    abstractEval: (xs, { dimension }) => {
      const x0 = xs[0];
      const ok = xs.every((x) => x.dtype === x0.dtype && x.ndim === x0.ndim &&
        x.shape.every((d, i) => i === dimension || d === x0.shape[i]));
      if (!ok || dimension < 0 || dimension >= x0.ndim) {
        throw new ShapeError(msg("concatenate", `arrays must have one dtype and equal shapes except along axis ${dimension}`, avalsStr(xs)));
      }
      const shape = x0.shape.slice();
      shape[dimension] = xs.reduce((a, x) => a + x.shape[dimension], 0);
      return [new ShapedArray(shape, x0.dtype, allWeak(xs))];
    },
  }),
  rev: definePrimitive<RevParams>("rev", {
    abstractEval: ([x], { dimensions }) => { checkAxes("rev", dimensions, x.ndim); return [x]; },
  }),
};
