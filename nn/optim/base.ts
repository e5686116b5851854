// graft/nn optim base: the Optax protocol (GradientTransformation), chain, applyUpdates,
// and the stateless/counting building blocks every optimiser is assembled from.
// Reference: optax/_src/base.py, optax/_src/combine.py, optax/_src/transform.py.
import { np, tree, type NDArray } from "graft";

/** A hyperparameter: a JS number or a 0-d array (arrays come from `injectHyperparams`). */
export type Scalar = number | NDArray;
/** A schedule maps the step count (a number or a traced int32 array) to a value. */
export type Schedule = (step: NDArray | number) => Scalar;
/** A learning rate (or any scheduled hyperparameter): fixed, or a schedule. */
export type ScalarOrSchedule = Scalar | Schedule;

/**
 * The Optax protocol: `init(params)` builds the state (a pytree, so a train step with the
 * state as an argument can be `jit`ted); `update(grads, state, params?, extras?)` returns
 * `[updates, newState]`, where updates are added to params with `applyUpdates`.
 */
export interface GradientTransformation<S = any> {
  init(params: any): S;
  update(updates: any, state: S, params?: any, extras?: Record<string, unknown>): [any, S];
}

/** An empty state for stateless transformations (a pytree with no leaves). */
export type EmptyState = Record<string, never>;

/**
 * Adds updates to params leaf by leaf, keeping each param's dtype (Optax `apply_updates`).
 * @example
 * const newParams = nn.optim.applyUpdates(params, updates);
 */
export function applyUpdates<P>(params: P, updates: unknown): P {
  return tree.map((p: NDArray | number, u: NDArray | number) => {
    const out = np.add(p, u);
    return typeof p === "number" || out.dtype === p.dtype ? out : out.astype(p.dtype);
  }, params, updates) as P;
}

/**
 * Runs transformations one after another; the state is the list of their states
 * (Optax `chain`).
 * @example
 * const opt = nn.optim.chain(nn.optim.clipByGlobalNorm(1), nn.optim.adam(1e-3));
 */
export function chain(...transforms: GradientTransformation[]): GradientTransformation<any[]> {
  return {
    init: (params) => transforms.map((t) => t.init(params)),
    update: (updates, state, params, extras) => {
      if (!Array.isArray(state) || state.length !== transforms.length) {
        throw new TypeError(`chain: state must be a list of ${transforms.length} states (from init), got ${Array.isArray(state) ? `a list of ${state.length}` : typeof state}.`);
      }
      const next: any[] = [];
      transforms.forEach((t, i) => {
        const [u, s] = t.update(updates, state[i], params, extras);
        updates = u;
        next.push(s);
      });
      return [updates, next];
    },
  };
}

/** Multiplies each leaf by a scalar. */
export const scaleTree = (t: unknown, s: Scalar): any => tree.map((u: NDArray) => np.multiply(u, s), t);

/** Leaves of `like` replaced by zeros of the same shape and dtype. */
export const zerosLike = (t: unknown): any => tree.map((p: NDArray | number) => np.zerosLike(np.asarray(p)), t);

/** The step counter every counting transformation keeps: a 0-d int32 array. */
export const zeroCount = (): NDArray => np.zeros([], { dtype: "int32" });

/**
 * Scales updates by a fixed factor (Optax `scale`).
 * @example
 * nn.optim.scale(-0.1) // plain gradient descent with lr 0.1
 */
export function scale(factor: Scalar): GradientTransformation<EmptyState> {
  return { init: () => ({}), update: (updates, state) => [scaleTree(updates, factor), state] };
}

/**
 * Scales updates by `schedule(count)`, counting steps in the state (Optax `scale_by_schedule`).
 * @example
 * nn.optim.scaleBySchedule((step) => np.multiply(-0.1, np.power(0.9, step)))
 */
export function scaleBySchedule(schedule: Schedule): GradientTransformation<{ count: NDArray }> {
  return {
    init: () => ({ count: zeroCount() }),
    update: (updates, state) => {
      const s = schedule(state.count);
      return [scaleTree(updates, s), { count: np.add(state.count, 1).astype("int32") }];
    },
  };
}

/**
 * Scales by `-learningRate` (a number, array or schedule): the last step of every optimiser
 * (Optax `scale_by_learning_rate`).
 * @example
 * nn.optim.chain(nn.optim.scaleByAdam(), nn.optim.scaleByLearningRate(1e-3))
 */
export function scaleByLearningRate(learningRate: ScalarOrSchedule, opts: { flipSign?: boolean } = {}): GradientTransformation {
  const sign = opts.flipSign === false ? 1 : -1;
  if (typeof learningRate === "function") {
    return scaleBySchedule((step) => np.multiply(sign, learningRate(step)));
  }
  return scale(typeof learningRate === "number" ? sign * learningRate : np.multiply(sign, learningRate));
}

/**
 * Identity transformation (Optax `identity`).
 * @example
 * nn.optim.identity().update(grads, {}) // [grads, {}]
 */
export function identity(): GradientTransformation<EmptyState> {
  return { init: () => ({}), update: (updates, state) => [updates, state] };
}
