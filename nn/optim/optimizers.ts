// graft/nn optim optimisers: the named optimisers as chains of ./transforms.ts, exactly as
// Optax composes them (optax/_src/alias.py). Every learning rate is a number, array or
// schedule (`step -> value`).
import { chain, scaleByLearningRate, type GradientTransformation, type Scalar, type ScalarOrSchedule } from "./base";
import { addDecayedWeights, scaleByAdam, scaleByLion, scaleByRms, scaleByRss, scaleByStddev, trace } from "./transforms";

/**
 * Stochastic gradient descent, optionally with (Nesterov) momentum (Optax `sgd`; PyTorch
 * `SGD` with dampening 0): `t <- g + m t; p <- p - lr t` (Nesterov: `p <- p - lr (g + m t)`).
 * @example
 * const opt = nn.optim.sgd(0.1, { momentum: 0.9, nesterov: true });
 */
export function sgd(learningRate: ScalarOrSchedule, opts: { momentum?: Scalar | null; nesterov?: boolean } = {}): GradientTransformation {
  const parts: GradientTransformation[] = [];
  if (opts.momentum != null) parts.push(trace({ decay: opts.momentum, nesterov: opts.nesterov ?? false }));
  else if (opts.nesterov) throw new TypeError("sgd: nesterov needs a momentum, got momentum undefined.");
  parts.push(scaleByLearningRate(learningRate));
  return chain(...parts);
}

/**
 * Adam (Optax `adam`; PyTorch `Adam`): bias-corrected moments, `p <- p - lr m̂ / (sqrt(v̂) + eps)`.
 * @example
 * const opt = nn.optim.adam(1e-3, { b1: 0.9, b2: 0.999 });
 */
export function adam(learningRate: ScalarOrSchedule, opts: { b1?: Scalar; b2?: Scalar; eps?: Scalar; epsRoot?: Scalar } = {}): GradientTransformation {
  return chain(scaleByAdam(opts), scaleByLearningRate(learningRate));
}

/**
 * AdamW: Adam with decoupled weight decay (Optax `adamw`, default `weightDecay` 1e-4;
 * PyTorch `AdamW`): `p <- p - lr (adam(g) + weightDecay p)`.
 * @example
 * const opt = nn.optim.adamw(1e-3, { weightDecay: 1e-2 });
 */
export function adamw(learningRate: ScalarOrSchedule, opts: { b1?: Scalar; b2?: Scalar; eps?: Scalar; epsRoot?: Scalar; weightDecay?: Scalar } = {}): GradientTransformation {
  const { weightDecay = 1e-4, ...adamOpts } = opts;
  return chain(scaleByAdam(adamOpts), addDecayedWeights(weightDecay), scaleByLearningRate(learningRate));
}

/**
 * RMSProp (Optax `rmsprop`): `nu <- decay nu + (1 - decay) g^2; p <- p - lr g / sqrt(nu + eps)`
 * (`centered` subtracts the squared mean; `momentum` adds a trace).
 * @example
 * const opt = nn.optim.rmsprop(1e-3, { decay: 0.9 });
 */
export function rmsprop(learningRate: ScalarOrSchedule, opts: { decay?: Scalar; eps?: Scalar; initialScale?: number; centered?: boolean; momentum?: Scalar | null; nesterov?: boolean } = {}): GradientTransformation {
  const { centered = false, momentum = null, nesterov = false, ...rms } = opts;
  const parts = [centered ? scaleByStddev(rms) : scaleByRms(rms), scaleByLearningRate(learningRate)];
  if (momentum != null) parts.push(trace({ decay: momentum, nesterov }));
  return chain(...parts);
}

/**
 * Adagrad (Optax `adagrad`): `acc <- acc + g^2; p <- p - lr g / sqrt(acc + eps)`, with
 * `acc` starting at `initialAccumulatorValue` (0.1).
 * @example
 * const opt = nn.optim.adagrad(0.1);
 */
export function adagrad(learningRate: ScalarOrSchedule, opts: { initialAccumulatorValue?: number; eps?: Scalar } = {}): GradientTransformation {
  return chain(scaleByRss(opts), scaleByLearningRate(learningRate));
}

/**
 * Lion (Optax `lion`, Chen et al. 2023): `p <- p - lr (sign((1-b1) g + b1 m) + weightDecay p)`,
 * `m <- (1-b2) g + b2 m`. Default `weightDecay` 1e-3 as Optax.
 * @example
 * const opt = nn.optim.lion(1e-4, { b1: 0.9, b2: 0.99, weightDecay: 0 });
 */
export function lion(learningRate: ScalarOrSchedule, opts: { b1?: Scalar; b2?: Scalar; weightDecay?: Scalar } = {}): GradientTransformation {
  const { weightDecay = 1e-3, ...lionOpts } = opts;
  return chain(scaleByLion(lionOpts), addDecayedWeights(weightDecay), scaleByLearningRate(learningRate));
}
