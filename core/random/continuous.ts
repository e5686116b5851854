// Continuous samplers, as jax.random (jax/_src/random): uniform by the mantissa trick,
// normal by erfinv, and the transformations of uniforms and gammas built on them. All are
// composites of primitives (random_gamma is the one per-element rejection primitive), so
// they work under jit, vmap (a batch of keys gives what a loop gives) and grad.
import { isArray, type NDArray, type Operand } from "../array";
import { defaultFloat } from "../config";
import { type DType, isFloat } from "../dtype";
import { DTypeError, msg, ShapeError } from "../errors";
import * as lax from "../lax";
import { softmax } from "../nn-functions";
import * as np from "../numpy/index";
import { astype, promote, scalarArray } from "../numpy/util";
import { prims } from "../primitives";
import { broadcastShapes } from "../shape";
import { checkKey, checkParamShapes, hashBits, type Shape, shapeArg, split, u32 } from "./keys";

type FloatOpts = { dtype?: DType };

/** The float dtype a sampler returns: `dtype`, else the default float. */
export function floatDType(op: string, dtype: DType | undefined): "float16" | "float32" | "float64" {
  const d = dtype ?? defaultFloat();
  if (d !== "float16" && d !== "float32" && d !== "float64") throw new DTypeError(msg(op, "dtype must be float16, float32 or float64", String(d)));
  return d;
}
const c = (v: number, dtype: DType): NDArray => scalarArray(v, dtype, false);
/** A parameter as a strong array of `dtype`. */
export const param = (x: Operand, dtype: DType): NDArray => (isArray(x) ? astype(x, dtype) : c(Number(x), dtype));

const FINFO = {
  float16: { nmant: 10, tiny: 2 ** -14, eps: 2 ** -10, epsneg: 2 ** -11 },
  float32: { nmant: 23, tiny: 2 ** -126, eps: 2 ** -23, epsneg: 2 ** -24 },
  float64: { nmant: 52, tiny: 2 ** -1022, eps: 2 ** -52, epsneg: 2 ** -53 },
};

/**
 * Floats in [0, 1) from the random bits of `shape`: the top mantissa bits, as JAX's
 * `bitcast(bits >> (nbits - nmant) | bits(1.0)) - 1`, computed exactly without a bitcast.
 * float32: (b1 ^ b2) >> 9, times 2^-23. float64 uses 64 bits (b1 << 32 | b2): its top 52
 * bits times 2^-52 = b1 2^-32 + (b2 >> 12) 2^-52. float16 takes the top 10 bits of float32's word,
 * (b1 ^ b2) >> 22, times 2^-10 (JAX draws 16-bit words instead: same law, other streams).
 */
function unitFloats(key: NDArray, shape: readonly number[], dtype: "float16" | "float32" | "float64"): NDArray {
  const [b1, b2] = hashBits(key, shape);
  if (dtype === "float16") {
    const m = prims.div.bind1([prims.xor.bind1([b1, b2], {}), u32(2 ** 22)], {});
    return prims.mul.bind1([astype(m, "float16"), c(2 ** -10, "float16")], {});
  }
  if (dtype === "float32") {
    const m = prims.div.bind1([prims.xor.bind1([b1, b2], {}), u32(512)], {});
    return prims.mul.bind1([astype(m, "float32"), c(2 ** -23, "float32")], {});
  }
  const hi = prims.mul.bind1([astype(b1, "float64"), c(2 ** -32, "float64")], {});
  const lo = prims.mul.bind1([astype(prims.div.bind1([b2, u32(4096)], {}), "float64"), c(2 ** -52, "float64")], {});
  return prims.add.bind1([hi, lo], {});
}

/**
 * Uniform floats in [minval, maxval), as `jax.random.uniform` (bit for bit in float32 and
 * float64). `minval`/`maxval` broadcast to `shape`; gradients flow to them.
 * @example
 * random.uniform(random.key(0))                      // 0.947667 (float32)
 * random.uniform(key, [3, 3], { minval: -5, maxval: 5 })
 */
export function uniform(key: NDArray, shape: Shape = [], opts: FloatOpts & { minval?: Operand; maxval?: Operand } = {}): NDArray {
  checkKey("random.uniform", key);
  const dtype = floatDType("random.uniform", opts.dtype);
  const s = shapeArg("random.uniform", shape);
  const lo = param(opts.minval ?? 0, dtype), hi = param(opts.maxval ?? 1, dtype);
  checkParamShapes("random.uniform", s, { minval: lo, maxval: hi });
  const floats = unitFloats(key, s, dtype);
  return np.maximum(lo, np.add(np.multiply(floats, np.subtract(hi, lo)), lo));
}

/**
 * Standard normal samples, as `jax.random.normal`: sqrt(2) erfinv(u) with u uniform on
 * (-1, 1).
 * @example
 * random.normal(random.key(0), [3, 100])
 */
export function normal(key: NDArray, shape: Shape = [], opts: FloatOpts = {}): NDArray {
  checkKey("random.normal", key);
  const dtype = floatDType("random.normal", opts.dtype);
  const lo = -(1 - FINFO[dtype].epsneg); // nextafter(-1, 0)
  const u = uniform(key, shape, { dtype, minval: lo, maxval: 1 });
  return prims.mul.bind1([c(Math.SQRT2, dtype), lax.erfInv(u)], {});
}

/**
 * Standard normal samples truncated to (lower, upper), as `jax.random.truncated_normal`
 * (inverse-CDF on [erf(lower/sqrt2), erf(upper/sqrt2)]). Differentiable in the bounds.
 * @example
 * random.truncatedNormal(key, -2, 2, [1000])
 */
export function truncatedNormal(key: NDArray, lower: Operand, upper: Operand, shape?: Shape | null, opts: FloatOpts = {}): NDArray {
  checkKey("random.truncatedNormal", key);
  const dtype = floatDType("random.truncatedNormal", opts.dtype);
  const lo = param(lower, dtype), hi = param(upper, dtype);
  const s = shape === undefined || shape === null ? broadcastShapes("random.truncatedNormal", [lo.shape, hi.shape]) : shapeArg("random.truncatedNormal", shape);
  checkParamShapes("random.truncatedNormal", s, { lower: lo, upper: hi });
  const sqrt2 = c(Math.SQRT2, dtype);
  const a = lax.erf(np.divide(lo, sqrt2)), b = lax.erf(np.divide(hi, sqrt2));
  const out = np.multiply(sqrt2, lax.erfInv(uniform(key, s, { dtype, minval: a, maxval: b })));
  // Clamp into the open interval: rounding (or u = a) must not reach the bounds.
  const inf = c(Infinity, dtype);
  return np.clip(out, lax.nextafter(lax.stopGradient(lo), inf), lax.nextafter(lax.stopGradient(hi), np.negative(inf)));
}

/**
 * Exponential(1) samples, -log(1 - u), as `jax.random.exponential`.
 * @example
 * random.exponential(key, [100]).mean()  // ~1
 */
export function exponential(key: NDArray, shape: Shape = [], opts: FloatOpts = {}): NDArray {
  checkKey("random.exponential", key);
  const u = uniform(key, shape, { dtype: floatDType("random.exponential", opts.dtype) });
  return np.negative(np.log1p(np.negative(u)));
}

/**
 * Laplace(0, 1) samples, sign(u) log(1 - |u|) with u uniform on (-1, 1), as `jax.random.laplace`.
 * @example
 * random.laplace(key, [100])
 */
export function laplace(key: NDArray, shape: Shape = [], opts: FloatOpts = {}): NDArray {
  checkKey("random.laplace", key);
  const dtype = floatDType("random.laplace", opts.dtype);
  const u = uniform(key, shape, { dtype, minval: -1 + FINFO[dtype].epsneg, maxval: 1 });
  return np.multiply(np.sign(u), np.log1p(np.negative(np.abs(u))));
}

/**
 * Standard logistic samples, log(u) - log(1 - u), as `jax.random.logistic`.
 * @example
 * random.logistic(key, [100])
 */
export function logistic(key: NDArray, shape: Shape = [], opts: FloatOpts = {}): NDArray {
  checkKey("random.logistic", key);
  const dtype = floatDType("random.logistic", opts.dtype);
  const x = uniform(key, shape, { dtype, minval: FINFO[dtype].tiny, maxval: 1 });
  return np.subtract(np.log(x), np.log1p(np.negative(x)));
}

/**
 * Standard Gumbel samples, -log(-log(u)), as `jax.random.gumbel`. `mode: "high"` uses two
 * uniforms per sample for resolution near u = 0 (larger maxima).
 * @example
 * random.gumbel(key, [100])
 */
export function gumbel(key: NDArray, shape: Shape = [], opts: FloatOpts & { mode?: "low" | "high" } = {}): NDArray {
  checkKey("random.gumbel", key);
  const dtype = floatDType("random.gumbel", opts.dtype);
  const s = shapeArg("random.gumbel", shape);
  const { nmant, tiny } = FINFO[dtype];
  const mode = opts.mode ?? "low";
  if (mode === "high") {
    const u = uniform(key, [2, ...s], { dtype });
    const high = u.slice(0), low = u.slice(1);
    const x = np.where(np.greaterEqual(high, 0.5), high, np.add(np.add(high, np.multiply(c(2 ** -nmant, dtype), low)), c(Math.max(2 ** (-2 * nmant - 1), tiny), dtype)));
    return np.negative(np.log(np.negative(np.log1p(np.negative(x)))));
  }
  if (mode !== "low") throw new TypeError(msg("random.gumbel", 'mode must be "low" or "high"', JSON.stringify(mode)));
  return np.negative(np.log(np.negative(np.log(uniform(key, s, { dtype, minval: tiny, maxval: 1 })))));
}

/** Shape parameter `a` broadcast to the sample shape (JAX's shape rule for gamma and friends). */
function shapeFor(op: string, shape: Shape | null | undefined, ...params: [string, NDArray][]): number[] {
  const s = shape === undefined || shape === null ? broadcastShapes(op, params.map(([, p]) => p.shape)) : shapeArg(op, shape);
  checkParamShapes(op, s, Object.fromEntries(params));
  return s;
}

/** Gamma(a, 1) draws (or their logs), one per position of `shape`, from split(key, size). */
function gammaDraws(key: NDArray, a: NDArray, shape: number[], logSpace: boolean): NDArray {
  const aFull = np.broadcastTo(a, shape);
  const [k1, k2] = hashBits(key, shape); // key i of split(key, size), reshaped
  return prims.random_gamma.bind1([k1, k2, aFull], { logSpace });
}

/**
 * Gamma(a, 1) samples, as `jax.random.gamma` (Marsaglia-Tsang, one subkey per element).
 * Differentiable in `a` by implicit reparameterisation (the sample's derivative at fixed
 * CDF value, JAX's `random_gamma_grad`).
 * @example
 * random.gamma(key, 2.5, [1000]);
 * grad((a) => random.gamma(key, a).sum())(np.array([0.5, 3]))
 */
export function gamma(key: NDArray, a: Operand, shape?: Shape | null, opts: FloatOpts = {}): NDArray {
  checkKey("random.gamma", key);
  const dtype = floatDType("random.gamma", opts.dtype);
  const ap = param(a, dtype);
  return gammaDraws(key, ap, shapeFor("random.gamma", shape, ["a", ap]), false);
}

/**
 * log of Gamma(a, 1) samples, accurate for tiny `a` (where the samples underflow), as
 * `jax.random.loggamma`.
 * @example
 * random.loggamma(key, 0.01, [100])
 */
export function loggamma(key: NDArray, a: Operand, shape?: Shape | null, opts: FloatOpts = {}): NDArray {
  checkKey("random.loggamma", key);
  const dtype = floatDType("random.loggamma", opts.dtype);
  const ap = param(a, dtype);
  return gammaDraws(key, ap, shapeFor("random.loggamma", shape, ["a", ap]), true);
}

/**
 * Beta(a, b) samples, Ga / (Ga + Gb) from log-space gammas, as `jax.random.beta`.
 * Differentiable in `a` and `b`.
 * @example
 * random.beta(key, 2, 5, [1000])
 */
export function beta(key: NDArray, a: Operand, b: Operand, shape?: Shape | null, opts: FloatOpts = {}): NDArray {
  checkKey("random.beta", key);
  const dtype = floatDType("random.beta", opts.dtype);
  const ap = param(a, dtype), bp = param(b, dtype);
  const s = shapeFor("random.beta", shape, ["a", ap], ["b", bp]);
  const [ka, kb] = split(key);
  const lga = gammaDraws(ka, ap, s, true), lgb = gammaDraws(kb, bp, s, true);
  const m = np.maximum(lga, lgb);
  const ga = np.exp(np.subtract(lga, m)), gb = np.exp(np.subtract(lgb, m));
  return np.divide(ga, np.add(ga, gb));
}

/**
 * Dirichlet(alpha) samples over the last axis of `alpha`, as `jax.random.dirichlet`
 * (softmax of log-space gammas). `shape` is the batch shape (the result appends alpha's
 * last axis).
 * @example
 * random.dirichlet(key, np.array([0.5, 1, 2]), [100]) // [100, 3], rows sum to 1
 */
export function dirichlet(key: NDArray, alpha: Operand, shape?: Shape | null, opts: FloatOpts = {}): NDArray {
  checkKey("random.dirichlet", key);
  const dtype = floatDType("random.dirichlet", opts.dtype);
  const al = param(alpha, dtype);
  if (al.ndim < 1) throw new ShapeError(msg("random.dirichlet", "alpha must have at least one axis", al.aval.str()));
  const k = al.shape[al.ndim - 1];
  const batch = al.shape.slice(0, -1);
  const s = shape === undefined || shape === null ? batch : shapeArg("random.dirichlet", shape);
  checkParamShapes("random.dirichlet", s, { "alpha batch": np.zeros(batch) });
  return softmax(gammaDraws(key, al, [...s, k], true), -1);
}

/**
 * Multivariate normal samples, mean + A z with A A^T = cov, as
 * `jax.random.multivariate_normal`: A = cholesky(cov) (default), or from eigh / svd (for
 * singular covariances). `shape` is the batch shape (default: the broadcast of mean's and
 * cov's batch shapes); the result appends n. Differentiable in mean and cov.
 * @example
 * random.multivariateNormal(key, np.zeros([2]), np.array([[1, 0.5], [0.5, 2]]), [1000]) // [1000, 2]
 */
export function multivariateNormal(key: NDArray, mean: Operand, cov: Operand, shape?: Shape | null,
                                   opts: FloatOpts & { method?: "cholesky" | "eigh" | "svd" } = {}): NDArray {
  checkKey("random.multivariateNormal", key);
  let [m, cv] = promote([mean, cov]);
  if (!isFloat(m.dtype)) { m = astype(m, defaultFloat()); cv = astype(cv, defaultFloat()); }
  const dtype = floatDType("random.multivariateNormal", opts.dtype ?? m.dtype);
  m = astype(m, dtype); cv = astype(cv, dtype);
  const method = opts.method ?? "cholesky";
  if (method !== "cholesky" && method !== "eigh" && method !== "svd") {
    throw new TypeError(msg("random.multivariateNormal", 'method must be "cholesky", "eigh" or "svd"', JSON.stringify(method)));
  }
  if (m.ndim < 1) throw new ShapeError(msg("random.multivariateNormal", "mean must have at least one axis", m.aval.str()));
  const n = m.shape[m.ndim - 1];
  if (cv.ndim < 2 || cv.shape[cv.ndim - 1] !== n || cv.shape[cv.ndim - 2] !== n) {
    throw new ShapeError(msg("random.multivariateNormal", `cov must have shape [..., ${n}, ${n}] for a mean of ${m.aval.str()}`, cv.aval.str()));
  }
  const mb = m.shape.slice(0, -1), cb = cv.shape.slice(0, -2);
  const s = shape === undefined || shape === null ? broadcastShapes("random.multivariateNormal", [mb, cb]) : shapeArg("random.multivariateNormal", shape);
  checkParamShapes("random.multivariateNormal", s, { "mean batch": np.zeros(mb), "cov batch": np.zeros(cb) });
  let factor: NDArray;
  if (method === "cholesky") factor = np.linalg.cholesky(cv);
  else {
    // columns scaled by the square roots of the eigen/singular values
    const [vecs, vals] = method === "eigh" ? np.linalg.eigh(cv).reverse() : np.linalg.svd(cv);
    factor = np.multiply(vecs, np.expandDims(np.sqrt(vals), -2));
  }
  const z = normal(key, [...s, n], { dtype });
  return np.add(m, np.einsum("...ij,...j->...i", factor, z));
}
