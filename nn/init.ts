// Initialisers, as jax.nn.initializers: `(key, shape, opts) => NDArray`.
//
// Fan convention (variance-scaling family: glorot*, he*, lecun*): like JAX, `fanIn` is
// shape[inAxis] and `fanOut` is shape[outAxis], each times the receptive field (the product of
// the other axes), with JAX's defaults inAxis = -2, outAxis = -1, i.e. weights laid out
// [..., in, out]. graft/nn layers store weights [out, in] (as PyTorch/Equinox); for those pass
// `{ inAxis: -1, outAxis: -2 }`.

import { np, random, type NDArray } from "graft";
import type { DType } from "graft";

export type Shape = readonly number[];

export interface InitOptions {
  dtype?: DType;
}

export interface FanOptions extends InitOptions {
  /** Axis (or axes) holding the input size; default -2 (JAX). */
  inAxis?: number | readonly number[];
  /** Axis (or axes) holding the output size; default -1 (JAX). */
  outAxis?: number | readonly number[];
  /** Axis (or axes) treated as batch dims, excluded from the fans; default none. */
  batchAxis?: readonly number[];
}

const floatDtype = (opts: InitOptions): DType => opts.dtype ?? "float32";

/** Constant 0. @example nn.init.zeros(key, [2, 3]) */
export function zeros(_key: NDArray | null, shape: Shape, opts: InitOptions = {}): NDArray {
  return np.zeros([...shape], { dtype: floatDtype(opts) });
}

/** Constant 1. @example nn.init.ones(key, [3]) */
export function ones(_key: NDArray | null, shape: Shape, opts: InitOptions = {}): NDArray {
  return np.ones([...shape], { dtype: floatDtype(opts) });
}

/**
 * Uniform on [minval, maxval); default [0, scale) with scale 1e-2 (JAX's `uniform`).
 * @example nn.init.uniform(key, [3, 4], { minval: -0.1, maxval: 0.1 })
 */
export function uniform(key: NDArray, shape: Shape, opts: InitOptions & { scale?: number; minval?: number; maxval?: number } = {}): NDArray {
  const minval = opts.minval ?? 0;
  const maxval = opts.maxval ?? minval + (opts.scale ?? 1e-2);
  return random.uniform(key, [...shape], { dtype: floatDtype(opts) as "float32", minval, maxval });
}

/** Normal with mean `mean` (default 0) and standard deviation `stddev` (default 1e-2, JAX). */
export function normal(key: NDArray, shape: Shape, opts: InitOptions & { stddev?: number; mean?: number } = {}): NDArray {
  const x = random.normal(key, [...shape], { dtype: floatDtype(opts) as "float32" });
  return x.mul(opts.stddev ?? 1e-2).add(opts.mean ?? 0);
}

// stddev of a standard normal truncated to [-2, 2].
const TRUNC_STD = 0.87962566103423978;

/**
 * Normal truncated to [lower, upper] standard deviations (default [-2, 2]), rescaled so its
 * standard deviation is `stddev` (default 1e-2) — JAX's `truncated_normal` initializer.
 */
export function truncatedNormal(key: NDArray, shape: Shape, opts: InitOptions & { stddev?: number; lower?: number; upper?: number } = {}): NDArray {
  const lower = opts.lower ?? -2;
  const upper = opts.upper ?? 2;
  const x = random.truncatedNormal(key, lower, upper, [...shape], { dtype: floatDtype(opts) as "float32" });
  const sd = lower === -2 && upper === 2 ? TRUNC_STD : truncStd(lower, upper);
  return x.mul((opts.stddev ?? 1e-2) / sd);
}

// Standard deviation of N(0,1) truncated to [a, b].
function truncStd(a: number, b: number): number {
  const pdf = (x: number) => (Number.isFinite(x) ? Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI) : 0);
  const cdf = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
  const z = cdf(b) - cdf(a);
  const ta = Number.isFinite(a) ? a * pdf(a) : 0;
  const tb = Number.isFinite(b) ? b * pdf(b) : 0;
  const mean = (pdf(a) - pdf(b)) / z;
  return Math.sqrt(1 + (ta - tb) / z - mean * mean);
}

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse; use a series / continued fraction split.
  const s = Math.sign(x);
  const a = Math.abs(x);
  if (a < 3) {
    let sum = a, term = a;
    for (let n = 1; n < 200; n++) {
      term *= -a * a / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return s * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction for large |x|.
  let f = 0;
  for (let n = 60; n >= 1; n--) f = (n / 2) / (a + f);
  return s * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f));
}

const axes = (v: number | readonly number[], ndim: number): number[] =>
  (typeof v === "number" ? [v] : [...v]).map((a) => (a < 0 ? a + ndim : a));

/** [fanIn, fanOut] of `shape` under JAX's `_compute_fans` convention. */
export function computeFans(shape: Shape, opts: FanOptions = {}): [number, number] {
  const nd = shape.length;
  if (nd < 1) return [1, 1];
  if (nd === 1) return [shape[0]!, shape[0]!];
  const inA = axes(opts.inAxis ?? -2, nd);
  const outA = axes(opts.outAxis ?? -1, nd);
  const batchA = axes(opts.batchAxis ?? [], nd);
  const prod = (as: number[]) => as.reduce((p, a) => p * shape[a]!, 1);
  const receptive = shape.reduce((p, s, i) => (inA.includes(i) || outA.includes(i) || batchA.includes(i) ? p : p * s), 1);
  return [prod(inA) * receptive, prod(outA) * receptive];
}

type Mode = "fanIn" | "fanOut" | "fanAvg";
type Distribution = "truncatedNormal" | "normal" | "uniform";

/**
 * JAX's `variance_scaling`: variance = scale / fan (fan by `mode`), drawn from `distribution`.
 * @example nn.init.varianceScaling(key, [4, 3], { scale: 2, mode: "fanIn", distribution: "normal" })
 */
export function varianceScaling(key: NDArray, shape: Shape, opts: FanOptions & { scale?: number; mode?: Mode; distribution?: Distribution } = {}): NDArray {
  const [fanIn, fanOut] = computeFans(shape, opts);
  const mode = opts.mode ?? "fanIn";
  const denom = mode === "fanIn" ? fanIn : mode === "fanOut" ? fanOut : (fanIn + fanOut) / 2;
  const variance = (opts.scale ?? 1) / Math.max(1, denom);
  const dtype = floatDtype(opts) as "float32";
  switch (opts.distribution ?? "truncatedNormal") {
    case "truncatedNormal":
      return random.truncatedNormal(key, -2, 2, [...shape], { dtype }).mul(Math.sqrt(variance) / TRUNC_STD);
    case "normal":
      return random.normal(key, [...shape], { dtype }).mul(Math.sqrt(variance));
    case "uniform":
      return random.uniform(key, [...shape], { dtype, minval: -1, maxval: 1 }).mul(Math.sqrt(3 * variance));
  }
}

/** Glorot/Xavier uniform: variance 2 / (fanIn + fanOut). */
export const glorotUniform = (key: NDArray, shape: Shape, opts: FanOptions = {}): NDArray =>
  varianceScaling(key, shape, { ...opts, scale: 1, mode: "fanAvg", distribution: "uniform" });
/** Glorot/Xavier normal (truncated, as JAX): variance 2 / (fanIn + fanOut). */
export const glorotNormal = (key: NDArray, shape: Shape, opts: FanOptions = {}): NDArray =>
  varianceScaling(key, shape, { ...opts, scale: 1, mode: "fanAvg", distribution: "truncatedNormal" });
/** He/Kaiming uniform: variance 2 / fanIn. */
export const heUniform = (key: NDArray, shape: Shape, opts: FanOptions = {}): NDArray =>
  varianceScaling(key, shape, { ...opts, scale: 2, mode: "fanIn", distribution: "uniform" });
/** He/Kaiming normal (truncated, as JAX): variance 2 / fanIn. */
export const heNormal = (key: NDArray, shape: Shape, opts: FanOptions = {}): NDArray =>
  varianceScaling(key, shape, { ...opts, scale: 2, mode: "fanIn", distribution: "truncatedNormal" });
/** LeCun normal (truncated, as JAX): variance 1 / fanIn. */
export const lecunNormal = (key: NDArray, shape: Shape, opts: FanOptions = {}): NDArray =>
  varianceScaling(key, shape, { ...opts, scale: 1, mode: "fanIn", distribution: "truncatedNormal" });

/**
 * Orthogonal matrices (JAX's `orthogonal`): the matrix view of `shape` with `columnAxis`
 * (default -1) as columns has orthonormal rows or columns, times `scale` (default 1).
 * @example nn.init.orthogonal(key, [4, 4])
 */
export function orthogonal(key: NDArray, shape: Shape, opts: InitOptions & { scale?: number; columnAxis?: number } = {}): NDArray {
  if (shape.length < 2) throw new Error(`nn.init.orthogonal: needs a shape of at least 2 dims, got [${shape}].`);
  const nd = shape.length;
  const col = (opts.columnAxis ?? -1) < 0 ? (opts.columnAxis ?? -1) + nd : opts.columnAxis!;
  const nCols = shape[col]!;
  const nRows = shape.reduce((p, s) => p * s, 1) / nCols;
  const wide = nRows < nCols;
  const a = random.normal(key, wide ? [nCols, nRows] : [nRows, nCols], { dtype: "float32" });
  let [q, r] = np.linalg.qr(a);
  q = q.mul(np.sign(np.diagonal(r)));
  if (wide) q = q.T;
  const rest = shape.filter((_, i) => i !== col);
  const out = np.moveaxis(np.reshape(q, [...rest, nCols]), -1, col);
  return out.mul(opts.scale ?? 1).astype(floatDtype(opts));
}
