// graft/nn losses: per-element / per-example loss functions, as Optax's `optax.losses`.
//
// Reduction: like Optax, every loss here returns the UNREDUCED loss — one value per element
// (regression losses, binary cross-entropy, Gaussian NLL) or one value per example (the
// softmax cross-entropies reduce the class axis, KL reduces the last (event) axis). Take
// `np.mean(...)` / `np.sum(...)` yourself to get a scalar objective.
// Stability: log-probabilities come from nnFunctions.logSoftmax / logSigmoid, so logits of
// magnitude 1e4 give finite values and finite gradients.
import { np, nnFunctions, type NDArray } from "graft";

type Operand = NDArray | number;

/**
 * Squared error `(pred - target)^2`, elementwise (Optax `squared_error`); `np.mean` it for MSE.
 * @example
 * const l = np.mean(nn.losses.mse(np.array([1, 2]), np.array([0, 0]))); // 2.5
 */
export function mse(pred: Operand, target: Operand): NDArray {
  return np.square(np.subtract(pred, target));
}

/**
 * Absolute error `|pred - target|`, elementwise; `np.mean` it for MAE.
 * @example
 * nn.losses.mae(np.array([1, -2]), np.array([0, 0])); // [1, 2]
 */
export function mae(pred: Operand, target: Operand): NDArray {
  return np.abs(np.subtract(pred, target));
}

/**
 * Huber loss, elementwise (Optax `huber_loss`): `0.5 e^2` for `|e| <= delta`, else
 * `delta (|e| - 0.5 delta)`, where `e = pred - target`.
 * @example
 * nn.losses.huber(np.array([0.5, 3]), np.array([0, 0]), { delta: 1 }); // [0.125, 2.5]
 */
export function huber(pred: Operand, target: Operand, opts: { delta?: number } = {}): NDArray {
  const delta = opts.delta ?? 1;
  const absErr = np.abs(np.subtract(pred, target));
  // Written without branches so the gradient is exact on both sides (as Optax does).
  const quadratic = np.minimum(absErr, delta);
  const linear = np.subtract(absErr, quadratic);
  return np.add(np.multiply(0.5, np.square(quadratic)), np.multiply(delta, linear));
}

/**
 * Softmax cross-entropy with one-hot (or any probability) labels over the last axis; returns
 * one loss per example (shape `logits.shape[:-1]`). `labelSmoothing: a` replaces the labels
 * by `(1 - a) labels + a / numClasses` (Optax `smooth_labels`, PyTorch `label_smoothing`).
 * @example
 * nn.losses.softmaxCrossEntropy(np.array([[2, 0]]), np.array([[1, 0]])); // [0.1269]
 */
export function softmaxCrossEntropy(logits: Operand, labels: Operand, opts: { labelSmoothing?: number } = {}): NDArray {
  const logp = nnFunctions.logSoftmax(logits, -1);
  let y = np.asarray(labels);
  const a = opts.labelSmoothing ?? 0;
  if (a < 0 || a > 1) throw new RangeError(`softmaxCrossEntropy: labelSmoothing must be in [0, 1], got ${a}.`);
  if (a > 0) {
    const k = logp.shape[logp.ndim - 1];
    y = np.add(np.multiply(y, 1 - a), a / k);
  }
  return np.negative(np.sum(np.multiply(y, logp), -1));
}

/**
 * Softmax cross-entropy with integer class labels: `logsumexp(logits) - logits[label]`,
 * one loss per example (Optax `softmax_cross_entropy_with_integer_labels`).
 * @example
 * nn.losses.softmaxCrossEntropyWithIntegerLabels(np.array([[2, 0]]), np.array([0], { dtype: "int32" }));
 */
export function softmaxCrossEntropyWithIntegerLabels(logits: Operand, labels: Operand): NDArray {
  const x = np.asarray(logits);
  const k = x.shape[x.ndim - 1];
  const y = np.asarray(labels);
  if (y.ndim !== x.ndim - 1) {
    throw new TypeError(`softmaxCrossEntropyWithIntegerLabels: labels must have shape logits.shape[:-1], got labels [${y.shape}] for logits [${x.shape}].`);
  }
  // One-hot selection keeps the gradient simple and batching-friendly.
  const picked = np.sum(np.multiply(nnFunctions.oneHot(y, k, { dtype: x.dtype }), nnFunctions.logSoftmax(x, -1)), -1);
  return np.negative(picked);
}

/**
 * Binary cross-entropy on logits, elementwise (Optax `sigmoid_binary_cross_entropy`,
 * PyTorch `binary_cross_entropy_with_logits`): `-y log σ(x) - (1 - y) log σ(-x)`.
 * @example
 * nn.losses.sigmoidBinaryCrossEntropy(np.array([0]), np.array([1])); // [log 2]
 */
export function sigmoidBinaryCrossEntropy(logits: Operand, labels: Operand): NDArray {
  const logP = nnFunctions.logSigmoid(logits);
  const logNotP = nnFunctions.logSigmoid(np.negative(logits));
  return np.subtract(np.negative(np.multiply(labels, logP)), np.multiply(np.subtract(1, labels), logNotP));
}

/**
 * Gaussian negative log-likelihood, elementwise (PyTorch `gaussian_nll_loss` with
 * `reduction="none"`): `0.5 (log v + (mean - target)^2 / v)` with `v = max(variance, eps)`,
 * plus `0.5 log(2π)` when `full`.
 * @example
 * nn.losses.gaussianNll(np.array([0]), np.array([1]), np.array([1])); // [0.5]
 */
export function gaussianNll(mean: Operand, variance: Operand, target: Operand, opts: { eps?: number; full?: boolean } = {}): NDArray {
  const v = np.maximum(variance, opts.eps ?? 1e-6);
  let out = np.multiply(0.5, np.add(np.log(v), np.divide(np.square(np.subtract(mean, target)), v)));
  if (opts.full) out = np.add(out, 0.5 * Math.log(2 * Math.PI));
  return out;
}

/**
 * KL(N(mu1, exp(logvar1)) || N(mu2, exp(logvar2))) between diagonal Gaussians, summed over
 * the last (event) axis: one value per example.
 * `0.5 Σ (logvar2 - logvar1 + (exp(logvar1) + (mu1 - mu2)^2) / exp(logvar2) - 1)`.
 * For a VAE prior N(0, I) pass `mu2 = 0, logvar2 = 0`.
 * @example
 * nn.losses.klDiagonalGaussians(np.array([[1, 0]]), np.zeros([1, 2]), 0, 0); // [0.5]
 */
export function klDiagonalGaussians(mu1: Operand, logvar1: Operand, mu2: Operand, logvar2: Operand): NDArray {
  const ratio = np.exp(np.subtract(logvar1, logvar2));
  const mahal = np.multiply(np.square(np.subtract(mu1, mu2)), np.exp(np.negative(logvar2)));
  const terms = np.add(np.add(np.subtract(np.subtract(logvar2, logvar1), 1), ratio), mahal);
  const t = terms.ndim === 0 ? terms : np.sum(terms, -1);
  return np.multiply(0.5, t);
}
