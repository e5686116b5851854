// nnFunctions (jax.nn): activations, softmax family, oneHot, standardize. Numerically
// stable forms as in jax/_src/nn/functions.py.
import { type NDArray, type Operand, type Axis } from "./array";
import { type DType } from "./dtype";
import * as np from "./numpy/index";
import { asArray, normalizeAxes, toFloat } from "./numpy/util";
import { prims } from "./primitives";

/** max(x, 0). @example nnFunctions.relu(x) */
export const relu = (x: Operand): NDArray => np.maximum(x, 0);
/** 1 / (1 + exp(-x)). @example nnFunctions.sigmoid(x) */
export const sigmoid = (x: Operand): NDArray => prims.logistic.bind1([toFloat(asArray(x))], {});
/** x * sigmoid(x). @example nnFunctions.silu(x) */
export const silu = (x: Operand): NDArray => { const a = toFloat(asArray(x)); return np.multiply(a, sigmoid(a)); };
export const swish = silu;
/** log(1 + exp(x)) = logaddexp(x, 0). @example nnFunctions.softplus(x) */
export const softplus = (x: Operand): NDArray => np.logaddexp(toFloat(asArray(x)), 0);
/** log(sigmoid(x)) = -softplus(-x). @example nnFunctions.logSigmoid(x) */
export const logSigmoid = (x: Operand): NDArray => np.negative(softplus(np.negative(toFloat(asArray(x)))));
/** GELU; the tanh approximation by default, as JAX. @example nnFunctions.gelu(x, { approximate: false }) */
export function gelu(x: Operand, opts: { approximate?: boolean } = {}): NDArray {
  const a = toFloat(asArray(x));
  if (opts.approximate ?? true) {
    const c = Math.sqrt(2 / Math.PI);
    const inner = np.multiply(c, np.add(a, np.multiply(0.044715, np.power(a, 3))));
    return np.multiply(np.multiply(0.5, a), np.add(1, np.tanh(inner)));
  }
  return np.multiply(np.multiply(0.5, a), np.add(1, erf(np.divide(a, Math.SQRT2))));
}
const erf = (x: NDArray): NDArray => prims.erf.bind1([x], {});
/** x for x > 0, alpha (exp(x) - 1) otherwise. @example nnFunctions.elu(x) */
export const elu = (x: Operand, alpha = 1): NDArray => {
  const a = toFloat(asArray(x));
  const safe = np.where(np.greater(a, 0), 0, a);
  return np.where(np.greater(a, 0), a, np.multiply(alpha, np.expm1(safe)));
};
/** @example nnFunctions.leakyRelu(x, 0.1) */
export const leakyRelu = (x: Operand, negativeSlope = 0.01): NDArray => {
  const a = asArray(x);
  return np.where(np.greaterEqual(a, 0), a, np.multiply(a, negativeSlope));
};
/** @example nnFunctions.tanh(x) */
export const tanh = (x: Operand): NDArray => np.tanh(x);

/** The max along axes (0 where infinite), a constant for differentiation (the result does
 * not depend on it mathematically), as jax.nn does. */
const shift = (a: NDArray, axes: number[]): NDArray => {
  // An empty axis has no max (JAX uses initial=-inf); any shift works there.
  if (axes.some((ax) => a.shape[ax] === 0)) return np.zeros(a.shape.map((d, i) => (axes.includes(i) ? 1 : d)), { dtype: a.dtype });
  const m = np.max(a, axes, { keepdims: true });
  return prims.stop_gradient.bind1([np.where(np.isfinite(m), m, 0)], {});
};

/** log(sum(exp(x))) stably (max subtracted; infinite maxima handled). @example nnFunctions.logsumexp(x, -1) */
export function logsumexp(x: Operand, axis?: Axis, opts: { keepdims?: boolean; b?: Operand } = {}): NDArray {
  const a = toFloat(asArray(x));
  const axes = normalizeAxes("logsumexp", axis, a.ndim);
  const mSafe = shift(a, axes);
  let e = np.exp(np.subtract(a, mSafe));
  if (opts.b !== undefined) e = np.multiply(e, opts.b);
  const s = np.sum(e, axes, { keepdims: true });
  const out = np.add(np.log(s), mSafe);
  return opts.keepdims ? out : np.squeeze(out, axes);
}
/** @example nnFunctions.softmax(logits, -1) */
export function softmax(x: Operand, axis: Axis = -1): NDArray {
  const a = toFloat(asArray(x));
  const axes = normalizeAxes("softmax", axis, a.ndim);
  const e = np.exp(np.subtract(a, shift(a, axes)));
  return np.divide(e, np.sum(e, axes, { keepdims: true }));
}
/** @example nnFunctions.logSoftmax(logits) */
export function logSoftmax(x: Operand, axis: Axis = -1): NDArray {
  const a = toFloat(asArray(x));
  const axes = normalizeAxes("logSoftmax", axis, a.ndim);
  const shifted = np.subtract(a, shift(a, axes));
  return np.subtract(shifted, np.log(np.sum(np.exp(shifted), axes, { keepdims: true })));
}
/** One-hot encoding along a new last axis. @example nnFunctions.oneHot(labels, 10) */
export function oneHot(x: Operand, numClasses: number, opts: { dtype?: DType; axis?: number } = {}): NDArray {
  const a = asArray(x);
  const classes = np.arange(numClasses);
  const eq = np.equal(np.expandDims(a, -1), classes);
  const out = np.astype(eq, opts.dtype ?? "float32");
  return opts.axis === undefined || opts.axis === -1 ? out : np.moveaxis(out, -1, opts.axis);
}
/** (x - mean) / sqrt(var + eps) along axes. @example nnFunctions.standardize(x, -1) */
export function standardize(x: Operand, axis: Axis = -1, opts: { mean?: Operand; variance?: Operand; epsilon?: number } = {}): NDArray {
  const a = toFloat(asArray(x));
  const mean = opts.mean ?? np.mean(a, axis, { keepdims: true });
  const variance = opts.variance ?? np.var(a, axis, { keepdims: true });
  return np.divide(np.subtract(a, mean), np.sqrt(np.add(variance, opts.epsilon ?? 1e-5)));
}
