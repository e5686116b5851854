// graft/nn optim schedules: `step -> value` functions (Optax optax/_src/schedule.py).
// Steps may be JS numbers or traced int32 arrays, so every branch is an np op, never a JS
// `if` on the step: the same schedule works eagerly, under `jit` and inside `injectHyperparams`.
import { np, type NDArray } from "graft";
import type { Schedule } from "./base";

const f32 = (step: NDArray | number): NDArray => np.asarray(step).astype("float32");

/**
 * A constant value.
 * @example
 * nn.optim.schedules.constant(0.1)(100) // 0.1
 */
export function constant(value: number): Schedule {
  return (step) => np.fullLike(f32(step), value);
}

/**
 * Linear interpolation from `initValue` to `endValue` over `transitionSteps` steps starting at
 * `transitionBegin`, constant outside (Optax `linear_schedule`).
 * @example
 * nn.optim.schedules.linear(1, 0, 10)(5) // 0.5
 */
export function linear(initValue: number, endValue: number, transitionSteps: number, opts: { transitionBegin?: number } = {}): Schedule {
  if (transitionSteps <= 0) return constant(initValue);
  const begin = opts.transitionBegin ?? 0;
  return (step) => {
    const count = np.clip(np.subtract(f32(step), begin), 0, transitionSteps);
    const frac = np.subtract(1, np.divide(count, transitionSteps));
    return np.add(np.multiply(initValue - endValue, frac), endValue);
  };
}

/**
 * Cosine decay from `initValue` to `alpha * initValue` over `decaySteps`, then constant
 * (Optax `cosine_decay_schedule`): `init ((1 - alpha) (0.5 (1 + cos(pi t / T)))^exponent + alpha)`.
 * @example
 * nn.optim.schedules.cosineDecay(1, 100, { alpha: 0.1 })(50) // 0.55
 */
export function cosineDecay(initValue: number, decaySteps: number, opts: { alpha?: number; exponent?: number } = {}): Schedule {
  if (decaySteps <= 0) throw new RangeError(`cosineDecay: decaySteps must be positive, got ${decaySteps}.`);
  const { alpha = 0, exponent = 1 } = opts;
  return (step) => {
    const t = np.minimum(np.maximum(f32(step), 0), decaySteps);
    const cosine = np.multiply(0.5, np.add(1, np.cos(np.multiply(Math.PI / decaySteps, t))));
    const decayed = np.add(np.multiply(1 - alpha, exponent === 1 ? cosine : np.power(cosine, exponent)), alpha);
    return np.multiply(initValue, decayed);
  };
}

/**
 * Joins schedules at step boundaries; schedule `i + 1` sees the step relative to boundary `i`
 * (Optax `join_schedules`).
 * @example
 * nn.optim.schedules.joinSchedules([nn.optim.schedules.constant(1), nn.optim.schedules.constant(2)], [10])
 */
export function joinSchedules(schedules: Schedule[], boundaries: number[]): Schedule {
  if (schedules.length !== boundaries.length + 1) {
    throw new RangeError(`joinSchedules: need one more schedule than boundaries, got ${schedules.length} schedules and ${boundaries.length} boundaries.`);
  }
  return (step) => {
    const s = f32(step);
    let out = np.asarray(schedules[0](s));
    boundaries.forEach((b, i) => {
      out = np.where(np.less(s, b), out, schedules[i + 1](np.subtract(s, b)));
    });
    return out;
  };
}

/**
 * Linear warmup from `initValue` to `peakValue` over `warmupSteps`, then cosine decay to
 * `endValue` at step `decaySteps` (which includes the warmup), as Optax
 * `warmup_cosine_decay_schedule`.
 * @example
 * nn.optim.schedules.warmupCosineDecay({ initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 110, endValue: 0 })
 */
export function warmupCosineDecay(opts: { initValue: number; peakValue: number; warmupSteps: number; decaySteps: number; endValue?: number; exponent?: number }): Schedule {
  const { initValue, peakValue, warmupSteps, decaySteps, endValue = 0, exponent = 1 } = opts;
  const alpha = peakValue === 0 ? 0 : endValue / peakValue;
  return joinSchedules(
    [linear(initValue, peakValue, warmupSteps), cosineDecay(peakValue, Math.max(decaySteps - warmupSteps, 1), { alpha, exponent })],
    [warmupSteps],
  );
}

/**
 * Exponential decay `init * decayRate^((step - transitionBegin) / transitionSteps)`, with
 * an integer exponent when `staircase`, held at `init` before `transitionBegin` and bounded
 * by `endValue` when given (Optax `exponential_decay`).
 * @example
 * nn.optim.schedules.exponentialDecay(1, 10, 0.5, { staircase: true })(25) // 0.25
 */
export function exponentialDecay(initValue: number, transitionSteps: number, decayRate: number, opts: { transitionBegin?: number; staircase?: boolean; endValue?: number } = {}): Schedule {
  if (transitionSteps <= 0) throw new RangeError(`exponentialDecay: transitionSteps must be positive, got ${transitionSteps}.`);
  const { transitionBegin = 0, staircase = false, endValue } = opts;
  return (step) => {
    const count = np.subtract(f32(step), transitionBegin);
    let p = np.divide(count, transitionSteps);
    if (staircase) p = np.floor(p);
    let v = np.where(np.lessEqual(count, 0), initValue, np.multiply(initValue, np.power(decayRate, p)));
    if (endValue !== undefined) v = decayRate < 1 ? np.maximum(v, endValue) : np.minimum(v, endValue);
    return v;
  };
}

/**
 * Piecewise constant: starts at `initValue` and is multiplied by `scale` once the step
 * reaches each `boundary` (Optax `piecewise_constant_schedule`, `{ boundary: scale }`).
 * @example
 * nn.optim.schedules.piecewiseConstant(1, { 10: 0.1, 20: 0.1 })(15) // 0.1
 */
export function piecewiseConstant(initValue: number, boundariesAndScales: Record<number, number> = {}): Schedule {
  const entries = Object.entries(boundariesAndScales).map(([b, s]) => [Number(b), s] as const).sort((a, b) => a[0] - b[0]);
  return (step) => {
    const s = f32(step);
    let v = np.fullLike(s, initValue);
    for (const [b, scale] of entries) v = np.where(np.greaterEqual(s, b), np.multiply(v, scale), v);
    return v;
  };
}
