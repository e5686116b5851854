// graft/nn optim gradient transformations: moment estimates (Adam, RMS, RSS, Lion, trace),
// clipping and weight decay. Each follows the named Optax function (optax/_src/transform.py,
// optax/_src/clipping.py) so that the optimisers in ./optimizers.ts match Optax step by step.
import { np, tree, type NDArray } from "graft";
import { type EmptyState, type GradientTransformation, type Scalar, zeroCount, zerosLike } from "./base";

const inc = (count: NDArray): NDArray => np.add(count, 1).astype("int32");
const ema = (g: NDArray, m: NDArray, decay: Scalar, order: 1 | 2): NDArray =>
  np.add(np.multiply(np.subtract(1, decay), order === 1 ? g : np.square(g)), np.multiply(decay, m));

/**
 * Adam's preconditioning (Optax `scale_by_adam`): `m̂ / (sqrt(v̂ + epsRoot) + eps)` with
 * bias-corrected first and second moments.
 * @example
 * nn.optim.chain(nn.optim.scaleByAdam({ b1: 0.9 }), nn.optim.scaleByLearningRate(1e-3))
 */
export function scaleByAdam(opts: { b1?: Scalar; b2?: Scalar; eps?: Scalar; epsRoot?: Scalar } = {}): GradientTransformation<{ count: NDArray; mu: any; nu: any }> {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0 } = opts;
  return {
    init: (params) => ({ count: zeroCount(), mu: zerosLike(params), nu: zerosLike(params) }),
    update: (updates, state) => {
      const mu = tree.map((g: NDArray, m: NDArray) => ema(g, m, b1, 1), updates, state.mu);
      const nu = tree.map((g: NDArray, v: NDArray) => ema(g, v, b2, 2), updates, state.nu);
      const count = inc(state.count);
      const t = count.astype("float32");
      const c1 = np.subtract(1, np.power(b1, t));
      const c2 = np.subtract(1, np.power(b2, t));
      const out = tree.map((m: NDArray, v: NDArray) =>
        np.divide(np.divide(m, c1), np.add(np.sqrt(np.add(np.divide(v, c2), epsRoot)), eps)), mu, nu);
      return [out, { count, mu, nu }];
    },
  };
}

/**
 * Divides by the root of an EMA of squared gradients (Optax `scale_by_rms`):
 * `g / sqrt(nu + eps)`. Note Optax puts `eps` inside the root (PyTorch adds it outside).
 * @example
 * nn.optim.scaleByRms({ decay: 0.9 })
 */
export function scaleByRms(opts: { decay?: Scalar; eps?: Scalar; initialScale?: number } = {}): GradientTransformation<{ nu: any }> {
  const { decay = 0.9, eps = 1e-8, initialScale = 0 } = opts;
  return {
    init: (params) => ({ nu: tree.map((p: NDArray) => np.fullLike(np.asarray(p), initialScale), params) }),
    update: (updates, state) => {
      const nu = tree.map((g: NDArray, v: NDArray) => ema(g, v, decay, 2), updates, state.nu);
      const out = tree.map((g: NDArray, v: NDArray) => np.divide(g, np.sqrt(np.add(v, eps))), updates, nu);
      return [out, { nu }];
    },
  };
}

/**
 * Centered RMS scaling (Optax `scale_by_stddev`): `g / sqrt(nu - mu^2 + eps)`.
 * @example
 * nn.optim.scaleByStddev({ decay: 0.9 })
 */
export function scaleByStddev(opts: { decay?: Scalar; eps?: Scalar; initialScale?: number } = {}): GradientTransformation<{ mu: any; nu: any }> {
  const { decay = 0.9, eps = 1e-8, initialScale = 0 } = opts;
  return {
    init: (params) => ({ mu: zerosLike(params), nu: tree.map((p: NDArray) => np.fullLike(np.asarray(p), initialScale), params) }),
    update: (updates, state) => {
      const mu = tree.map((g: NDArray, m: NDArray) => ema(g, m, decay, 1), updates, state.mu);
      const nu = tree.map((g: NDArray, v: NDArray) => ema(g, v, decay, 2), updates, state.nu);
      const out = tree.map((g: NDArray, m: NDArray, v: NDArray) =>
        np.divide(g, np.sqrt(np.add(np.subtract(v, np.square(m)), eps))), updates, mu, nu);
      return [out, { mu, nu }];
    },
  };
}

/**
 * Adagrad's scaling by the root of the sum of squared gradients (Optax `scale_by_rss`):
 * `acc += g^2; g / sqrt(acc + eps)` (0 where `acc` is 0).
 * @example
 * nn.optim.scaleByRss({ initialAccumulatorValue: 0.1 })
 */
export function scaleByRss(opts: { initialAccumulatorValue?: number; eps?: Scalar } = {}): GradientTransformation<{ sumOfSquares: any }> {
  const { initialAccumulatorValue = 0.1, eps = 1e-7 } = opts;
  return {
    init: (params) => ({ sumOfSquares: tree.map((p: NDArray) => np.fullLike(np.asarray(p), initialAccumulatorValue), params) }),
    update: (updates, state) => {
      const sumOfSquares = tree.map((g: NDArray, a: NDArray) => np.add(np.square(g), a), updates, state.sumOfSquares);
      const out = tree.map((g: NDArray, a: NDArray) =>
        np.where(np.greater(a, 0), np.divide(g, np.sqrt(np.add(a, eps))), 0), updates, sumOfSquares);
      return [out, { sumOfSquares }];
    },
  };
}

/**
 * Lion's sign update (Optax `scale_by_lion`): `sign((1 - b1) g + b1 m)`, then
 * `m <- (1 - b2) g + b2 m`.
 * @example
 * nn.optim.scaleByLion({ b1: 0.9, b2: 0.99 })
 */
export function scaleByLion(opts: { b1?: Scalar; b2?: Scalar } = {}): GradientTransformation<{ count: NDArray; mu: any }> {
  const { b1 = 0.9, b2 = 0.99 } = opts;
  return {
    init: (params) => ({ count: zeroCount(), mu: zerosLike(params) }),
    update: (updates, state) => {
      const out = tree.map((g: NDArray, m: NDArray) => np.sign(ema(g, m, b1, 1)), updates, state.mu);
      const mu = tree.map((g: NDArray, m: NDArray) => ema(g, m, b2, 1), updates, state.mu);
      return [out, { count: inc(state.count), mu }];
    },
  };
}

/**
 * Momentum accumulator (Optax `trace`): `t <- g + decay t`; the update is `t`, or
 * `g + decay t` with Nesterov. Matches PyTorch SGD momentum with dampening 0.
 * @example
 * nn.optim.trace({ decay: 0.9, nesterov: true })
 */
export function trace(opts: { decay: Scalar; nesterov?: boolean }): GradientTransformation<{ trace: any }> {
  const { decay, nesterov = false } = opts;
  return {
    init: (params) => ({ trace: zerosLike(params) }),
    update: (updates, state) => {
      const t = tree.map((g: NDArray, m: NDArray) => np.add(g, np.multiply(decay, m)), updates, state.trace);
      const out = nesterov ? tree.map((g: NDArray, m: NDArray) => np.add(g, np.multiply(decay, m)), updates, t) : t;
      return [out, { trace: t }];
    },
  };
}

/** The global L2 norm of all leaves of a pytree (Optax `global_norm`).
 * @example
 * nn.optim.globalNorm({ a: np.array([3]), b: np.array([4]) }) // 5
 */
export function globalNorm(t: unknown): NDArray {
  const leaves = tree.leaves<NDArray>(t);
  let total: NDArray = np.zeros([]);
  for (const l of leaves) total = np.add(total, np.sum(np.square(l)));
  return np.sqrt(total);
}

/**
 * Rescales all updates together so that their global norm is at most `maxNorm`
 * (Optax `clip_by_global_norm`).
 * @example
 * nn.optim.chain(nn.optim.clipByGlobalNorm(1.0), nn.optim.adam(1e-3))
 */
export function clipByGlobalNorm(maxNorm: Scalar): GradientTransformation<EmptyState> {
  return {
    init: () => ({}),
    update: (updates, state) => {
      const norm = globalNorm(updates);
      const small = np.less(norm, maxNorm);
      // Divide by a safe norm so the unselected branch never makes NaNs (or NaN gradients).
      const safe = np.where(small, 1, norm);
      const out = tree.map((u: NDArray) => np.where(small, u, np.multiply(np.divide(u, safe), maxNorm)), updates);
      return [out, state];
    },
  };
}

/**
 * Clips every update elementwise to `[-maxDelta, maxDelta]` (Optax `clip`).
 * @example
 * nn.optim.clip(0.5)
 */
export function clip(maxDelta: Scalar): GradientTransformation<EmptyState> {
  return {
    init: () => ({}),
    update: (updates, state) => [tree.map((u: NDArray) => np.clip(u, np.negative(maxDelta), maxDelta), updates), state],
  };
}

/**
 * Adds `weightDecay * params` to the updates (Optax `add_decayed_weights`); placed before
 * the learning-rate scaling this is decoupled (AdamW-style) weight decay.
 * @example
 * nn.optim.chain(nn.optim.scaleByAdam(), nn.optim.addDecayedWeights(1e-4), nn.optim.scaleByLearningRate(1e-3))
 */
export function addDecayedWeights(weightDecay: Scalar): GradientTransformation<EmptyState> {
  return {
    init: () => ({}),
    update: (updates, state, params) => {
      if (params === undefined) throw new TypeError("addDecayedWeights: update needs params (call update(grads, state, params)).");
      return [tree.map((u: NDArray, p: NDArray) => np.add(u, np.multiply(weightDecay, p)), updates, params), state];
    },
  };
}
