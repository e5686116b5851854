// Reductions over axes, arg-reductions and cumulative scans along one axis, with their
// jvp / transpose / batch rules (JAX: reduce_*_p and argmax_p in jax/_src/lax/lax.py;
// cumsum_p ... cummax_p and associative_scan in jax/_src/lax/control_flow/loops.py).
import type { NDArray } from "../array";
import { ShapedArray } from "../aval";
import { type DType } from "../dtype";
import { scalarArray } from "../numpy/util";
import { definePrimitive, type Primitive, type Tangent, type TransposeRule, type UndefinedPrimal, Zero } from "../primitive";
import { moveAxis } from "./batching";
import { prims } from "./index";
import * as o from "./ops";
import { checkAxes, type DTypeClass, requireDType } from "./rules";

export interface ReduceParams { axes: readonly number[] }
export interface ArgReduceParams { axis: number; indexDtype: DType }
export interface CumulativeParams { axis: number; reverse: boolean }

// --- local helpers over primitives (call-time only: `prims` is still being built at import) ---

const keptDims = (ndim: number, axes: readonly number[]) => [...Array(ndim).keys()].filter((i) => !axes.includes(i));
/** Per-dim slice parameter: `v` on `axis`, `other(dim size)` elsewhere. */
const along = (x: NDArray, axis: number, v: number, other: (d: number) => number) => x.aval.shape.map((d, i) => (i === axis ? v : other(d)));
/** x[start:stop:stride] along `axis`. */
const sliceAxis = (x: NDArray, axis: number, start: number, stop: number, stride = 1): NDArray => prims.slice.bind1([x], {
  startIndices: along(x, axis, start, () => 0), limitIndices: along(x, axis, stop, (d) => d), strides: stride === 1 ? null : along(x, axis, stride, () => 1),
});
/** lax.pad along one axis with a constant. */
const padAxis = (x: NDArray, axis: number, lo: number, hi: number, interior: number, value: number): NDArray =>
  prims.pad.bind1([x, scalarArray(value, x.dtype, false)], { config: x.aval.shape.map((_, i) => (i === axis ? [lo, hi, interior] as const : [0, 0, 0] as const)) });
const rev = (x: NDArray, axis: number): NDArray => prims.rev.bind1([x], { dimensions: [axis] });
const undefAval = (x: NDArray | UndefinedPrimal): ShapedArray => x.aval;

// --- jvp math ---

/** A (primal, tangent) pair and a binary op jvp'd over pairs. */
type Pair = readonly [NDArray, NDArray];
type PairOp = (a: Pair, b: Pair) => Pair;
const mulPair: PairOp = ([a, da], [b, db]) => [o.mul(a, b), o.add(o.mul(da, b), o.mul(a, db))];
/** max/min with JAX's balanced tangent: 1 for the sole winner, 1/2 each on ties. */
const choosePair = (op: (a: NDArray, b: NDArray) => NDArray): PairOp => ([a, da], [b, db]) => {
  const y = op(a, b);
  const w = (x: NDArray, other: NDArray) => o.select(o.eq(x, y), o.select(o.eq(other, y), o.full(y.aval, 0.5), o.full(y.aval, 1)), o.full(y.aval, 0));
  return [y, o.add(o.mul(da, w(a, b)), o.mul(db, w(b, a)))];
};

/** reduce_max/min: JAX's location rule, t summed over the maximisers and divided by their count. */
function chooserTangent(x: NDArray, t: NDArray, y: NDArray, axes: readonly number[]): Tangent {
  const loc = o.convert(o.eq(x, o.broadcastInDim(y, x.aval.shape, keptDims(x.ndim, axes))), t.dtype);
  return o.div(o.reduceSum(o.mul(t, loc), axes), o.reduceSum(loc, axes));
}

/**
 * reduce_prod: jvp of a pairwise tree of multiplications over the flattened reduced axes
 * (JAX's `_reduce_prod_jvp_rule` / `_reduce_jvp`), so zeros give exact derivatives:
 * d prod = sum_j t_j prod_{k != j} x_k without dividing by x.
 */
function prodTangent(x: NDArray, t: NDArray, y: NDArray, axes: readonly number[]): Tangent {
  const kept = keptDims(x.ndim, axes), keptShape = kept.map((i) => x.aval.shape[i]);
  const n = axes.reduce((m, a) => m * x.aval.shape[a], 1);
  if (n === 0) return new Zero(y.aval.strong());
  let p: Pair = [x, t].map((a) => o.reshape(o.transpose(a, [...axes, ...kept]), [n, ...keptShape])) as unknown as Pair;
  while (p[0].aval.shape[0] > 1) {
    const m = p[0].aval.shape[0], m1 = Math.ceil(m / 2);
    // The second half is one shorter when m is odd: pad it with the identity (tangent 0).
    const half = (lo: number, hi: number): Pair => p.map((a, k) => {
      const s = sliceAxis(a, 0, lo, hi);
      return hi - lo < m1 ? padAxis(s, 0, 0, 1, 0, k === 0 ? 1 : 0) : s;
    }) as unknown as Pair;
    p = mulPair(half(0, m1), half(m1, m));
  }
  return o.reshape(p[1], keptShape);
}

/** Interleaves a (n or n+1 long) and b (n long) along `axis`: a0 b0 a1 b1 ... (JAX `_interleave`). */
function interleave(a: NDArray, b: NDArray, axis: number): NDArray {
  const same = a.aval.shape[axis] === b.aval.shape[axis];
  return o.add(padAxis(a, axis, 0, same ? 1 : 0, 1, 0), padAxis(b, axis, 1, same ? 0 : 1, 1, 0));
}

/** Inclusive scan of (value, tangent) pairs along `axis`: JAX's `associative_scan` recursion. */
function associativeScan(op: PairOp, e: Pair, axis: number): Pair {
  const n = e[0].aval.shape[axis];
  if (n < 2) return e;
  const sl = (p: Pair, lo: number, hi: number, stride = 1): Pair => [sliceAxis(p[0], axis, lo, hi, stride), sliceAxis(p[1], axis, lo, hi, stride)];
  const odd = associativeScan(op, op(sl(e, 0, n - 1, 2), sl(e, 1, n, 2)), axis);
  const m = odd[0].aval.shape[axis];
  const even = op(n % 2 === 0 ? sl(odd, 0, m - 1) : odd, sl(e, 2, n, 2));
  const withFirst = (k: 0 | 1) => prims.concatenate.bind1([sliceAxis(e[k], axis, 0, 1), even[k]], { dimension: axis });
  return [interleave(withFirst(0), odd[0], axis), interleave(withFirst(1), odd[1], axis)];
}

/** cumprod/cummax/cummin: jvp of the associative scan of `op` (JAX `_cumulative_jvp_rule`). */
const scanTangent = (op: PairOp) => (x: NDArray, t: NDArray, _y: NDArray, { axis, reverse }: CumulativeParams): Tangent => {
  const r = (a: NDArray) => (reverse ? rev(a, axis) : a);
  return r(associativeScan(op, [r(x), r(t)], axis)[1]);
};

// --- families ---

type TangentRule<P> = (x: NDArray, t: NDArray, y: NDArray, params: P) => Tangent;
const zeroTangent = <P>(_x: NDArray, _t: NDArray, y: NDArray, _p: P): Tangent => new Zero(y.aval.strong());

/**
 * A one-operand primitive with its jvp (from a tangent rule) and batch rule (batch axis
 * moved to 0, axis params shifted by one via `shift`).
 */
function unaryRules<P extends object>(p: () => Primitive<P>, tangent: TangentRule<P>, shift: (params: P) => P) {
  return {
    jvp: ([x]: NDArray[], [t]: Tangent[], params: P): [NDArray[], Tangent[]] => {
      const y = p().bind1([x], params);
      return [[y], [t instanceof Zero ? new Zero(y.aval.strong()) : tangent(x, t, y, params)]];
    },
    batch: ([x]: NDArray[], [d]: (number | null)[], params: P): [NDArray[], (number | null)[]] =>
      [[p().bind1([moveAxis(x, d!, 0)], shift(params))], [0]],
  };
}

function reduction(name: string, cls: DTypeClass, tangent: TangentRule<readonly number[]>, transpose?: TransposeRule<ReduceParams>) {
  const p: Primitive<ReduceParams> = definePrimitive<ReduceParams>(name, {
    abstractEval: ([x], { axes }) => {
      requireDType(name, cls, [x]);
      checkAxes(name, axes, x.ndim);
      return [new ShapedArray(x.shape.filter((_, i) => !axes.includes(i)), x.dtype, x.weakType)];
    },
    ...unaryRules<ReduceParams>(() => p, (x, t, y, { axes }) => tangent(x, t, y, axes), ({ axes }) => ({ axes: axes.map((a) => a + 1) })),
    transpose,
  });
  return p;
}

function argReduction(name: string) {
  const p: Primitive<ArgReduceParams> = definePrimitive<ArgReduceParams>(name, {
    abstractEval: ([x], { axis, indexDtype }) => {
      checkAxes(name, [axis], x.ndim);
      if (x.shape[axis] === 0) throw new RangeError(`${name}: attempt to get ${name} of an empty sequence (axis ${axis} of ${x.str()}).`);
      return [new ShapedArray(x.shape.filter((_, i) => i !== axis), indexDtype)];
    },
    // Integer outputs: the tangent is zero.
    ...unaryRules<ArgReduceParams>(() => p, zeroTangent, (q) => ({ ...q, axis: q.axis + 1 })),
  });
  return p;
}

function cumulative(name: string, cls: DTypeClass, tangent: TangentRule<CumulativeParams>, transpose?: TransposeRule<CumulativeParams>) {
  const p: Primitive<CumulativeParams> = definePrimitive<CumulativeParams>(name, {
    abstractEval: ([x], { axis }) => { requireDType(name, cls, [x]); checkAxes(name, [axis], x.ndim); return [x]; },
    ...unaryRules<CumulativeParams>(() => p, tangent, (q) => ({ ...q, axis: q.axis + 1 })),
    transpose,
  });
  return p;
}

// Linear primitives: the tangent is the primitive applied to t.
const reduceSum: Primitive<ReduceParams> = reduction("reduce_sum", "numeric", (_x, t, _y, axes) => reduceSum.bind1([t], { axes }),
  // Transpose: broadcast the cotangent back over the reduced axes.
  ([ct], [x], { axes }) => {
    const aval = undefAval(x);
    return [ct instanceof Zero ? new Zero(aval) : o.broadcastInDim(ct, aval.shape, keptDims(aval.ndim, axes))];
  });
const cumsum: Primitive<CumulativeParams> = cumulative("cumsum", "numeric", (_x, t, _y, params) => cumsum.bind1([t], params),
  // Transpose: y_i = sum_{j<=i} x_j, so x_j's cotangent is sum_{i>=j} ct_i (the reverse cumsum).
  ([ct], [x], { axis, reverse }) => [ct instanceof Zero ? new Zero(undefAval(x)) : cumsum.bind1([ct], { axis, reverse: !reverse })]);

export const reducePrims = {
  reduce_sum: reduceSum,
  reduce_prod: reduction("reduce_prod", "numeric", prodTangent),
  reduce_max: reduction("reduce_max", "ordered", chooserTangent),
  reduce_min: reduction("reduce_min", "ordered", chooserTangent),
  reduce_and: reduction("reduce_and", "intOrBool", zeroTangent),
  reduce_or: reduction("reduce_or", "intOrBool", zeroTangent),
  argmax: argReduction("argmax"),
  argmin: argReduction("argmin"),
  cumsum,
  cumprod: cumulative("cumprod", "numeric", scanTangent(mulPair)),
  cummax: cumulative("cummax", "real", scanTangent(choosePair((a, b) => o.max(a, b)))),
  cummin: cumulative("cummin", "real", scanTangent(choosePair((a, b) => o.min(a, b)))),
};
