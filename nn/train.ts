// graft/nn training loop helpers: `trainStep` (loss -> gradient -> optimiser -> new params,
// as one pure function to hand to `jit`) and `EarlyStopping` (Keras `EarlyStopping`'s
// patience / minDelta / mode semantics, for the loop around it).
import { valueAndGrad, type NDArray } from "graft";
import { applyUpdates, type GradientTransformation } from "./optim/base";

/** A train step: `(params, optState, ...batch) => [params, optState, loss]` (plus `aux` with `hasAux`). */
export type TrainStep<P = any, S = any> = (params: P, optState: S, ...batch: any[]) => [P, S, NDArray];
/** A train step of a loss with auxiliary output: returns `[params, optState, loss, aux]`. */
export type TrainStepWithAux<P = any, S = any, A = any> = (params: P, optState: S, ...batch: any[]) => [P, S, NDArray, A];

/**
 * Builds one optimisation step: value and gradient of `lossFn(params, ...batch)`, the
 * optimiser update, `applyUpdates`. The result is a pure function of arrays and pytrees, so
 * `jit(trainStep(loss, opt))` compiles the whole step. The extras `{ value, grad, valueFn }`
 * are passed to `update`, so line-search optimisers such as `lbfgs` work too. With
 * `hasAux`, `lossFn` returns `[loss, aux]` and the step returns `[params, optState, loss, aux]`.
 * @example
 * const step = jit(nn.trainStep((m, x, y) => np.mean(nn.losses.mse(vmap((xi) => m.forward(xi))(x), y)), opt));
 */
export function trainStep<P = any, S = any>(lossFn: (params: P, ...batch: any[]) => NDArray, optimizer: GradientTransformation<S>, opts?: { hasAux?: false }): TrainStep<P, S>;
export function trainStep<P = any, S = any, A = any>(lossFn: (params: P, ...batch: any[]) => [NDArray, A], optimizer: GradientTransformation<S>, opts: { hasAux: true }): TrainStepWithAux<P, S, A>;
export function trainStep(lossFn: (params: any, ...batch: any[]) => any, optimizer: GradientTransformation, opts: { hasAux?: boolean } = {}): any {
  if (typeof lossFn !== "function") throw new TypeError(`trainStep: lossFn must be a function, got ${typeof lossFn}.`);
  if (!optimizer || typeof optimizer.update !== "function") throw new TypeError("trainStep: optimizer must be a GradientTransformation ({ init, update }), got something else.");
  const hasAux = opts.hasAux ?? false;
  return (params: any, optState: any, ...batch: any[]) => {
    const valueFn = hasAux ? (p: any) => lossFn(p, ...batch)[0] : (p: any) => lossFn(p, ...batch);
    const [out, grad] = valueAndGrad((p: any) => lossFn(p, ...batch), { hasAux })(params) as [any, any];
    const [loss, aux] = hasAux ? out : [out, undefined];
    const [updates, nextState] = optimizer.update(grad, optState, params, { value: loss, grad, valueFn });
    const nextParams = applyUpdates(params, updates);
    return hasAux ? [nextParams, nextState, loss, aux] : [nextParams, nextState, loss];
  };
}

/** Options of `EarlyStopping`. */
export interface EarlyStoppingOptions {
  /** Updates without improvement tolerated before stopping (default 5). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** "min" for losses (lower is better, default), "max" for accuracies. */
  mode?: "min" | "max";
  /** A value to beat before anything counts as an improvement (default none). */
  baseline?: number;
}

/**
 * Stops a loop when a monitored value has not improved by more than `minDelta` for
 * `patience` consecutive updates (Keras `EarlyStopping`). `update(value)` returns whether to
 * stop; `best` and `bestStep` tell where the best value was seen (keep that checkpoint).
 * @example
 * const es = new nn.EarlyStopping({ patience: 3, mode: "min" }); if (es.update(valLoss)) break;
 */
export class EarlyStopping {
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: "min" | "max";
  /** Best value seen so far (±Infinity, or the baseline, before the first improvement). */
  best: number;
  /** Index of the update that gave `best` (-1 before any improvement). */
  bestStep = -1;
  /** Updates since the last improvement. */
  wait = 0;
  /** Number of updates so far. */
  step = 0;
  /** Whether the last update improved on `best`. */
  improved = false;
  /** Whether the patience has run out. */
  shouldStop = false;

  constructor(opts: EarlyStoppingOptions = {}) {
    const { patience = 5, minDelta = 0, mode = "min", baseline } = opts;
    if (!Number.isInteger(patience) || patience < 0) throw new RangeError(`EarlyStopping: patience must be a non-negative integer, got ${patience}.`);
    if (mode !== "min" && mode !== "max") throw new TypeError(`EarlyStopping: mode must be "min" or "max", got ${JSON.stringify(mode)}.`);
    if (!(minDelta >= 0)) throw new RangeError(`EarlyStopping: minDelta must be >= 0, got ${minDelta}.`);
    this.patience = patience;
    this.minDelta = minDelta;
    this.mode = mode;
    this.best = baseline ?? (mode === "min" ? Infinity : -Infinity);
  }

  /**
   * Records the monitored value (a number or a 0-d array); returns true when training should
   * stop. NaN never counts as an improvement.
   * @example
   * if (es.update(loss)) console.log(`stopping; best ${es.best} at ${es.bestStep}`);
   */
  update(value: number | NDArray): boolean {
    const v = typeof value === "number" ? value : value.item();
    this.improved = this.mode === "min" ? v < this.best - this.minDelta : v > this.best + this.minDelta;
    if (this.improved) {
      this.best = v;
      this.bestStep = this.step;
      this.wait = 0;
    } else {
      this.wait++;
      if (this.wait >= this.patience) this.shouldStop = true;
    }
    this.step++;
    return this.shouldStop;
  }
}
