// Discrete samplers, as jax.random: bernoulli, categorical (Gumbel-max / Gumbel-top-k),
// randint (two 32-bit draws per value, modulo the span, exactly as JAX), permutation (sort
// by random keys, JAX's `_shuffle`), choice, and poisson (per-element rejection primitive).
import { isArray, type NDArray, type Operand } from "../array";
import { type DType, isFloat, isInt } from "../dtype";
import { DTypeError, msg, normalizeAxis, ShapeError } from "../errors";
import * as lax from "../lax";
import * as np from "../numpy/index";
import { asArray, astype, scalarArray, toFloat } from "../numpy/util";
import { prims } from "../primitives";
import { broadcastShapes, prod, shapeEq, shapeStr } from "../shape";
import { gumbel, param, uniform } from "./continuous";
import { bits, checkKey, checkParamShapes, hashBits, type Shape, shapeArg, split, u32 } from "./keys";

const shapeOrParams = (op: string, shape: Shape | null | undefined, p: NDArray): number[] => {
  const s = shape === undefined || shape === null ? p.shape.slice() : shapeArg(op, shape);
  checkParamShapes(op, s, { p });
  return s;
};
const firstAndSecond = (keys: NDArray): [NDArray, NDArray] => [keys.slice(0), keys.slice(1)];

/**
 * Bernoulli(p) samples (bool), u < p with u uniform, as `jax.random.bernoulli`. `p` is a
 * float (JS numbers use the default float dtype); `shape` defaults to p's shape.
 * @example
 * random.bernoulli(key, 0.3, [1000]) // bool[1000]
 */
export function bernoulli(key: NDArray, p: Operand = 0.5, shape?: Shape | null): NDArray {
  checkKey("random.bernoulli", key);
  let pa = asArray(p);
  if (!isArray(p)) pa = toFloat(pa);
  if (!isFloat(pa.dtype)) throw new DTypeError(msg("random.bernoulli", "p must have a floating dtype", pa.aval.str()));
  const s = shapeOrParams("random.bernoulli", shape, pa);
  return np.less(uniform(key, s, { dtype: pa.dtype }), pa);
}

/**
 * Samples from categorical distributions given unnormalised log-probabilities along
 * `axis`, as `jax.random.categorical` (Gumbel-max; `replace: false` draws without
 * replacement by Gumbel-top-k). Returns int32 indices of shape `shape` (default: logits'
 * shape without `axis`).
 * @example
 * random.categorical(key, np.log(np.array([0.2, 0.3, 0.5])), { shape: [1000] })
 */
export function categorical(key: NDArray, logits: Operand, opts: { axis?: number; shape?: Shape | null; replace?: boolean } = {}): NDArray {
  checkKey("random.categorical", key);
  const la = toFloat(asArray(logits));
  if (la.ndim === 0) throw new ShapeError(msg("random.categorical", "logits must have at least one axis", la.aval.str()));
  const ax = normalizeAxis("random.categorical", opts.axis ?? -1, la.ndim);
  const n = la.shape[ax];
  const batch = la.shape.filter((_, i) => i !== ax);
  const s = opts.shape === undefined || opts.shape === null ? batch : shapeArg("random.categorical", opts.shape);
  if (!shapeEq(broadcastShapes("random.categorical", [s, batch]), s)) {
    throw new ShapeError(msg("random.categorical", `shape must end with (a broadcast of) the batch shape ${shapeStr(batch)}`, shapeStr(s)));
  }
  const prefix = s.slice(0, s.length - batch.length);
  if (opts.replace ?? true) {
    const ls = s.slice(s.length - batch.length);
    ls.splice(ax, 0, n);
    const g = gumbel(key, [...prefix, ...ls], { dtype: la.dtype });
    const shifted = np.add(g, np.reshape(la, [...prefix.map(() => 1), ...la.shape]));
    return np.argmax(shifted, prefix.length + ax);
  }
  const k = prod(prefix);
  if (k > n) throw new RangeError(msg("random.categorical", `samples without replacement can number at most the ${n} categories`, String(k)));
  const noisy = np.moveaxis(np.add(la, gumbel(key, la.shape, { dtype: la.dtype })), ax, -1); // [...batch, n]
  const top = np.argsort(np.negative(noisy), -1).slice("...", [0, k]); // [...batch, k]
  return np.reshape(np.moveaxis(top, -1, 0), s);
}

const INFO: Record<string, { min: number; max: number }> = {
  int32: { min: -(2 ** 31), max: 2 ** 31 - 1 },
  uint32: { min: 0, max: 2 ** 32 - 1 },
};

/** A randint bound as `dtype`, clipped into its range (JAX's `_convert_and_clip_integer`),
 * and whether it exceeded the maximum. */
function bound(op: string, v: Operand, dtype: DType): [NDArray, NDArray | boolean] {
  const { min, max } = INFO[dtype];
  if (!isArray(v)) {
    const x = Math.trunc(Number(v));
    if (!Number.isFinite(x)) throw new TypeError(msg(op, "bounds must be finite integers", String(v)));
    return [scalarArray(Math.min(max, Math.max(min, x)), dtype, false), x > max];
  }
  let a = v;
  if (!isInt(a.dtype)) a = astype(a, "int32");
  if (a.dtype === dtype) return [a, false];
  const lo = Math.max(min, INFO[a.dtype].min), hi = Math.min(max, INFO[a.dtype].max);
  const over = np.greater(a, scalarArray(hi, a.dtype, false));
  return [astype(np.clip(a, scalarArray(lo, a.dtype, false), scalarArray(hi, a.dtype, false)), dtype), over];
}

/**
 * Uniform integers in [minval, maxval), as `jax.random.randint` (bit for bit): two 32-bit
 * draws per value combined modulo the span (slightly biased unless the span is a power of 2).
 * `maxval <= minval` gives minval.
 * @example
 * random.randint(key, [2, 3], -5, 5) // int32[2, 3]
 */
export function randint(key: NDArray, shape: Shape, minval: Operand, maxval: Operand, opts: { dtype?: DType } = {}): NDArray {
  checkKey("random.randint", key);
  const dtype = opts.dtype ?? "int32";
  if (dtype !== "int32" && dtype !== "uint32") throw new DTypeError(msg("random.randint", "dtype must be int32 or uint32", String(dtype)));
  const s = shapeArg("random.randint", shape);
  let [lo] = bound("random.randint", minval, dtype);
  let [hi, over] = bound("random.randint", maxval, dtype);
  checkParamShapes("random.randint", s, { minval: lo, maxval: hi });
  lo = np.broadcastTo(lo, s); hi = np.broadcastTo(hi, s);
  const [k1, k2] = firstAndSecond(split(key));
  const higher = bits(k1, s), lower = bits(k2, s);
  const b2 = (p: { bind1(a: NDArray[], q: {}): NDArray }, a: NDArray, b: NDArray) => p.bind1([a, b], {});
  let span = astype(b2(prims.sub, hi, lo), "uint32");
  span = np.where(np.lessEqual(hi, lo), u32(1), span);
  // A maxval above the dtype's range was clipped: the span is one larger.
  const bump = typeof over === "boolean" ? (over ? np.greater(hi, lo) : null) : np.logicalAnd(np.broadcastTo(over, s), np.greater(hi, lo));
  if (bump) span = np.where(bump, b2(prims.add, span, u32(1)), span);
  // (2^32 h + l) mod span without 64 bits: ((h mod span) (2^32 mod span) + l mod span) mod span,
  // with 2^32 mod span = ((2^16 mod span)^2) mod span; products wrap in uint32, as in JAX.
  // A span of 2^32 wraps to 0, and x mod 0 = x (XLA's remainder), which gives all 32 bits.
  const zero = np.equal(span, u32(0));
  const rem = (x: NDArray) => np.where(zero, x, b2(prims.rem, x, span));
  let mult = rem(np.broadcastTo(u32(2 ** 16), s));
  mult = rem(b2(prims.mul, mult, mult));
  const off = rem(b2(prims.add, b2(prims.mul, rem(higher), mult), rem(lower)));
  return b2(prims.add, lo, astype(off, dtype));
}

/** JAX's `_shuffle`: sort by fresh random 32-bit keys, enough rounds that ties are negligible. */
function shuffle(key: NDArray, x: NDArray, axis: number): NDArray {
  const rounds = Math.ceil((3 * Math.log(Math.max(1, x.size))) / Math.log(2 ** 32 - 1));
  for (let r = 0; r < rounds; r++) {
    const [k, sub] = firstAndSecond(split(key));
    key = k;
    x = lax.sort([bits(sub, x.shape), x], axis, 1)[1];
  }
  return x;
}

/**
 * A random permutation of `arange(n)`, or of an array along `axis` (`independent`: each
 * slice along `axis` shuffled separately), as `jax.random.permutation`.
 * @example
 * random.permutation(key, 10);
 * random.permutation(key, x, { axis: 1 })
 */
export function permutation(key: NDArray, x: number | NDArray, opts: { axis?: number; independent?: boolean } = {}): NDArray {
  checkKey("random.permutation", key);
  if (typeof x === "number" || x.ndim === 0) {
    const n = typeof x === "number" ? x : isInt(x.dtype) ? x.item() : NaN;
    if (!Number.isInteger(n) || n < 0) throw new TypeError(msg("random.permutation", "x must be a non-negative integer or an array with an axis", typeof x === "number" ? String(x) : x.aval.str()));
    return shuffle(key, np.arange(n), 0);
  }
  const ax = normalizeAxis("random.permutation", opts.axis ?? 0, x.ndim);
  if (opts.independent || x.ndim === 1) return shuffle(key, x, ax);
  return np.take(x, shuffle(key, np.arange(x.shape[ax]), 0), ax);
}

/**
 * Random samples from `a` (an array along `axis`, or `arange(a)` for an integer), as
 * `jax.random.choice`: with or without replacement, uniform or with probabilities `p`.
 * @example
 * random.choice(key, 5, [3], { replace: false });
 * random.choice(key, np.array([10, 20, 30]), [100], { p: np.array([0.2, 0.3, 0.5]) })
 */
export function choice(key: NDArray, a: number | NDArray, shape: Shape = [],
                       opts: { replace?: boolean; p?: Operand | null; axis?: number } = {}): NDArray {
  checkKey("random.choice", key);
  const s = shapeArg("random.choice", shape);
  const arr = asArray(a);
  let axis = 0, nInputs: number;
  if (arr.ndim === 0) {
    nInputs = typeof a === "number" ? a : arr.item();
    if (!Number.isInteger(nInputs)) throw new TypeError(msg("random.choice", "an integer a must be a whole number", String(nInputs)));
  } else {
    axis = normalizeAxis("random.choice", opts.axis ?? 0, arr.ndim);
    nInputs = arr.shape[axis];
  }
  const nDraws = prod(s);
  const outShape = arr.ndim === 0 ? s : [...arr.shape.slice(0, axis), ...s, ...arr.shape.slice(axis + 1)];
  if (nDraws === 0) return np.zeros(outShape, { dtype: arr.ndim === 0 ? "int32" : arr.dtype });
  if (nInputs <= 0) throw new RangeError(msg("random.choice", "a must be greater than 0 unless no samples are taken", String(nInputs)));
  const replace = opts.replace ?? true;
  if (!replace && nDraws > nInputs) {
    throw new RangeError(msg("random.choice", `cannot take more samples than the population (${nInputs}) without replacement`, String(nDraws)));
  }
  let result: NDArray;
  if (opts.p === undefined || opts.p === null) {
    if (replace) {
      const ind = randint(key, s, 0, nInputs);
      result = arr.ndim === 0 ? ind : np.take(arr, ind, axis);
    } else {
      const perm = permutation(key, arr.ndim === 0 ? nInputs : arr, { axis });
      result = arr.ndim === 0 ? perm.slice([0, nDraws]) : np.sliceAxis(perm, axis, 0, nDraws);
    }
  } else {
    const p = toFloat(asArray(opts.p));
    if (p.ndim !== 1 || p.shape[0] !== nInputs) {
      throw new ShapeError(msg("random.choice", `p must be a 1-D vector of the ${nInputs} probabilities`, p.aval.str()));
    }
    let ind: NDArray;
    if (replace) {
      const cdf = np.cumsum(p);
      const r = np.multiply(cdf.slice(-1), np.subtract(1, uniform(key, s, { dtype: cdf.dtype })));
      ind = np.searchsorted(cdf, r);
    } else {
      // Gumbel top-k: the indices of the nDraws largest log(p) + Gumbel noise.
      const g = np.add(gumbel(key, [nInputs], { dtype: p.dtype }), np.log(p));
      ind = np.argsort(np.negative(g)).slice([0, nDraws]);
    }
    result = arr.ndim === 0 ? ind : np.take(arr, ind, axis);
  }
  return np.reshape(result, outShape);
}

/**
 * Poisson(lam) samples (int32), as `jax.random.poisson`: Knuth's method for lam < 10,
 * transformed rejection (PTRS) above, one subkey per element; `lam` is taken as float32.
 * @example
 * random.poisson(key, 3.5, [1000])
 */
export function poisson(key: NDArray, lam: Operand, shape?: Shape | null, opts: { dtype?: DType } = {}): NDArray {
  checkKey("random.poisson", key);
  const dtype = opts.dtype ?? "int32";
  if (dtype !== "int32" && dtype !== "uint32") throw new DTypeError(msg("random.poisson", "dtype must be int32 or uint32", String(dtype)));
  const l = param(lam, "float32");
  const s = shape === undefined || shape === null ? l.shape.slice() : shapeArg("random.poisson", shape);
  checkParamShapes("random.poisson", s, { lam: l });
  const [k1, k2] = hashBits(key, s);
  return astype(prims.random_poisson.bind1([k1, k2, np.broadcastTo(l, s)], {}), dtype);
}

