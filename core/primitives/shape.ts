// Shape primitives: broadcast_in_dim, reshape, transpose, slice, pad, concatenate, rev,
// with their jvp, transpose and batching rules. All are linear in their array operands
// (pad also in its padding value), so each jvp applies the primitive to the tangents.
// Rules follow jax/_src/lax/lax.py and jax/_src/lax/slicing.py.
import type { NDArray } from "../array";
import { ShapedArray, avalsStr } from "../aval";
import { msg, ShapeError } from "../errors";
import { definePrimitive, type JvpRule, type Primitive, type Tangent, type TransposeRule, UndefinedPrimal, Zero } from "../primitive";
import { prod, shapeStr } from "../shape";
import { scalarArray } from "../numpy/util";
import { batchFirst, moveAxis } from "./batching";
import * as o from "./ops";
import { allWeak, checkAxes } from "./rules";

export interface BroadcastInDimParams { shape: readonly number[]; broadcastDimensions: readonly number[] }
export interface ReshapeParams { newSizes: readonly number[] }
export interface TransposeParams { permutation: readonly number[] }
export interface SliceParams { startIndices: readonly number[]; limitIndices: readonly number[]; strides: readonly number[] | null }
export interface PadParams { config: readonly (readonly [number, number, number])[] }
export interface ConcatenateParams { dimension: number }
export interface RevParams { dimensions: readonly number[] }

// ---- rule helpers ------------------------------------------------------------------

/** jvp of a primitive linear in all its operands: the primitive applied to the tangents. */
const linearJvp = <P extends object>(prim: () => Primitive<P>): JvpRule<P> => (xs, ts, params) => {
  const ys = prim().bind(xs, params);
  return [ys, prim().bind(ts.map(o.instantiate), params)];
};
/** Transpose of a primitive linear in its one operand: `f(ct, operandAval, params)`. */
const linear1T = <P extends object>(f: (ct: NDArray, aval: ShapedArray, params: P) => NDArray): TransposeRule<P> =>
  ([ct], [x], params) => {
    const aval = (x as UndefinedPrimal).aval;
    return [ct instanceof Zero ? new Zero(aval) : f(ct, aval, params)];
  };
const undef = (x: unknown): x is UndefinedPrimal => x instanceof UndefinedPrimal;
const scalar0 = (dtype: ShapedArray["dtype"]): NDArray => scalarArray(0, dtype, false);
/** Axis `a` of the unbatched operand, in the batched value whose batch axis is `bdim`. */
const shifted = (a: number, bdim: number): number => (a < bdim ? a : a + 1);

// ---- primitives --------------------------------------------------------------------

/** Operand dim i becomes output dim broadcastDimensions[i] (size equal, or 1 to broadcast). */
const broadcastInDimP: Primitive<BroadcastInDimParams> = definePrimitive<BroadcastInDimParams>("broadcast_in_dim", {
  abstractEval: ([x], { shape, broadcastDimensions: bd }) => {
    const ok = bd.length === x.ndim &&
      bd.every((d, i) => d >= 0 && d < shape.length && (i === 0 || d > bd[i - 1]) && (x.shape[i] === 1 || x.shape[i] === shape[d]));
    if (!ok) {
      throw new ShapeError(msg("broadcast_in_dim", `operand must fit shape ${shapeStr(shape)} at dims [${bd.join(",")}]`, x.str()));
    }
    return [x.withShape(shape)];
  },
  jvp: linearJvp(() => broadcastInDimP),
  // Sum over the new dims and over the dims the operand broadcast from size 1, then
  // restore the operand's unit dims (JAX: _broadcast_in_dim_transpose_rule).
  transpose: linear1T((ct, aval, { shape, broadcastDimensions: bd }) => {
    const kept = new Set(bd.filter((_, i) => aval.shape[i] !== 1));
    const axes = shape.map((_, i) => i).filter((i) => !kept.has(i));
    return o.reshape(o.reduceSum(ct, axes), aval.shape);
  }),
  batch: ([x], [d], { shape, broadcastDimensions: bd }, size) => [
    [broadcastInDimP.bind1([moveAxis(x, d!, 0)], { shape: [size, ...shape], broadcastDimensions: [0, ...bd.map((b) => b + 1)] })], [0]],
});

const reshapeP: Primitive<ReshapeParams> = definePrimitive<ReshapeParams>("reshape", {
  abstractEval: ([x], { newSizes }) => {
    if (prod(newSizes) !== x.size) {
      throw new ShapeError(msg("reshape", `total size must be unchanged (${x.size})`, `${x.str()} to ${shapeStr(newSizes)}`));
    }
    return [x.withShape(newSizes)];
  },
  jvp: linearJvp(() => reshapeP),
  transpose: linear1T((ct, aval) => reshapeP.bind1([ct], { newSizes: aval.shape })),
  batch: ([x], [d], { newSizes }, size) => [[reshapeP.bind1([moveAxis(x, d!, 0)], { newSizes: [size, ...newSizes] })], [0]],
});

const transposeP: Primitive<TransposeParams> = definePrimitive<TransposeParams>("transpose", {
  abstractEval: ([x], { permutation }) => {
    if (permutation.length !== x.ndim) {
      throw new RangeError(msg("transpose", `permutation must have ${x.ndim} axes`, `[${permutation.join(",")}] for ${x.str()}`));
    }
    checkAxes("transpose", permutation, x.ndim);
    return [x.withShape(permutation.map((p) => x.shape[p]))];
  },
  jvp: linearJvp(() => transposeP),
  // The inverse permutation.
  transpose: linear1T((ct, _aval, { permutation }) => {
    const inv = permutation.slice();
    permutation.forEach((p, i) => { inv[p] = i; });
    return transposeP.bind1([ct], { permutation: inv });
  }),
  // One transpose that also brings the batch axis to the front.
  batch: ([x], [d], { permutation }) =>
    [[transposeP.bind1([x], { permutation: [d!, ...permutation.map((p) => shifted(p, d!))] })], [0]],
});

/** Static slice with positive strides. */
const sliceP: Primitive<SliceParams> = definePrimitive<SliceParams>("slice", {
  abstractEval: ([x], { startIndices: s, limitIndices: l, strides }) => {
    const st = strides ?? s.map(() => 1);
    const bad = s.length !== x.ndim || l.length !== x.ndim || st.length !== x.ndim ||
      s.some((v, i) => v < 0 || v > l[i] || l[i] > x.shape[i] || st[i] < 1);
    if (bad) throw new RangeError(msg("slice", "indices must satisfy 0 <= start <= limit <= size and stride >= 1",
      `start [${s}], limit [${l}], strides [${st}] for ${x.str()}`));
    return [x.withShape(s.map((v, i) => Math.ceil((l[i] - v) / st[i])))];
  },
  jvp: linearJvp(() => sliceP),
  // Zero-pad the cotangent back: low = start, interior = stride - 1, high so the result has
  // the operand's size (JAX: _slice_transpose_rule).
  transpose: linear1T((ct, aval, { startIndices: s, strides }) => {
    const config = aval.shape.map((n, i): [number, number, number] => {
      const st = strides ? strides[i] : 1, m = ct.shape[i];
      const used = m === 0 ? 0 : (m - 1) * st + 1;
      return [s[i], n - s[i] - used, st - 1];
    });
    return padP.bind1([ct, scalar0(ct.dtype)], { config });
  }),
  batch: ([x], [d], { startIndices: s, limitIndices: l, strides }, size) => {
    const ins = <T>(a: readonly T[], v: T) => [...a.slice(0, d!), v, ...a.slice(d!)];
    return [[sliceP.bind1([x], { startIndices: ins(s, 0), limitIndices: ins(l, size), strides: strides && ins(strides, 1) })], [d]];
  },
});

/** lax.pad: (low, high, interior) per dim; low/high may be negative (cropping). */
const padP: Primitive<PadParams> = definePrimitive<PadParams>("pad", {
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
  // Linear in (operand, padding value) jointly.
  jvp: linearJvp(() => padP),
  // Operand: un-pad (negated low/high, which zero-fills what negative padding cropped),
  // then take every (interior+1)-th element. Padding value: every output element that did
  // not come from the operand, i.e. sum(ct) - sum(operand's ct) (JAX: _pad_transpose).
  transpose: ([ct], [x, v], { config }) => {
    const xAval = undef(x) ? x.aval : (x as NDArray).aval;
    if (ct instanceof Zero) return [undef(x) ? new Zero(xAval) : null, undef(v) ? new Zero(v.aval) : null];
    const unpadded = padP.bind1([ct, scalar0(ct.dtype)], { config: config.map(([lo, hi]) => [-lo, -hi, 0] as const) });
    const tx = sliceP.bind1([unpadded], { startIndices: config.map(() => 0), limitIndices: unpadded.shape,
      strides: config.some(([, , int]) => int > 0) ? config.map(([, , int]) => int + 1) : null });
    const all = (a: NDArray) => o.reduceSum(a, a.shape.map((_, i) => i));
    return [undef(x) ? tx : null, undef(v) ? o.sub(all(ct), all(tx)) : null];
  },
  batch: ([x, v], [dx, dv], { config }, size) => {
    if (dv === null) {
      // Batch axis stays where it is, unpadded.
      const cfg = [...config.slice(0, dx!), [0, 0, 0] as const, ...config.slice(dx!)];
      return [[padP.bind1([x, v], { config: cfg })], [dx]];
    }
    // A batched padding value: pad with zeros, then select the per-example value wherever
    // the output did not come from the operand (JAX: _pad_batch_rule).
    const xb = batchFirst(x, dx, size);
    const cfg = [[0, 0, 0] as const, ...config];
    const padded = padP.bind1([xb, scalar0(xb.dtype)], { config: cfg });
    const mask = padP.bind1([o.full(xb.aval.withDType("bool"), 1), scalarArray(0, "bool", false)], { config: cfg });
    const vb = o.broadcastInDim(moveAxis(v, dv, 0), padded.shape, [0]);
    return [[o.select(mask, padded, vb)], [0]];
  },
});

const concatenateP: Primitive<ConcatenateParams> = definePrimitive<ConcatenateParams>("concatenate", {
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
  jvp: linearJvp(() => concatenateP),
  // Each linear operand gets its slice of the cotangent.
  transpose: ([ct], xs, { dimension }) => {
    let offset = 0;
    return xs.map((x): Tangent | null => {
      const aval = x.aval;
      const start = offset;
      offset += aval.shape[dimension];
      if (!undef(x)) return null;
      if (ct instanceof Zero) return new Zero(aval);
      return sliceP.bind1([ct], {
        startIndices: aval.shape.map((_, i) => (i === dimension ? start : 0)),
        limitIndices: aval.shape.map((n, i) => (i === dimension ? start + n : n)),
        strides: null,
      });
    });
  },
  batch: (xs, dims, { dimension }, size) =>
    [[concatenateP.bind1(xs.map((x, i) => batchFirst(x, dims[i], size)), { dimension: dimension + 1 })], [0]],
});

/** Reverses the order of elements along `dimensions`. */
const revP: Primitive<RevParams> = definePrimitive<RevParams>("rev", {
  abstractEval: ([x], { dimensions }) => { checkAxes("rev", dimensions, x.ndim); return [x]; },
  jvp: linearJvp(() => revP),
  // Self-inverse.
  transpose: linear1T((ct, _aval, params) => revP.bind1([ct], params)),
  batch: ([x], [d], { dimensions }) => [[revP.bind1([x], { dimensions: dimensions.map((a) => shifted(a, d!)) })], [d]],
});

export const shapePrims = {
  broadcast_in_dim: broadcastInDimP,
  reshape: reshapeP,
  transpose: transposeP,
  slice: sliceP,
  pad: padP,
  concatenate: concatenateP,
  rev: revP,
};
