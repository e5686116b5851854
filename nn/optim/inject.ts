// graft/nn optim injectHyperparams: keeps an optimiser's hyperparameters in its state so they
// are readable (and editable) between steps and may follow schedules (Optax
// `inject_hyperparams`, optax/_src/schedule.py / optax/schedules/_inject.py).
import { np, type NDArray } from "graft";
import { type GradientTransformation, type ScalarOrSchedule } from "./base";

/** State of an `injectHyperparams` optimiser: hyperparameters are 0-d float32 arrays. */
export interface InjectHyperparamsState {
  count: NDArray;
  hyperparams: Record<string, NDArray>;
  innerState: any;
}

/**
 * Wraps an optimiser factory so that its numeric hyperparameters live in the state.
 * Numbers are stored as arrays (edit them in the state to change them); schedules are
 * evaluated at the current step count before each update. The factory must accept arrays
 * for those hyperparameters (every factory in nn.optim does).
 * @example
 * const opt = nn.optim.injectHyperparams(nn.optim.adam)({ learningRate: nn.optim.schedules.linear(1e-3, 0, 100) });
 * let state = opt.init(params);
 * state.hyperparams.learningRate; // the learning rate of the last step
 */
export function injectHyperparams<O>(factory: (learningRate: any, opts: O) => GradientTransformation):
  (hyperparams: { learningRate: ScalarOrSchedule } & { [K in keyof O]?: O[K] | ScalarOrSchedule }) => GradientTransformation<InjectHyperparamsState> {
  return (hyperparams) => {
    const numeric: Record<string, number | NDArray> = {};
    const scheduled: Record<string, (step: NDArray) => unknown> = {};
    const fixed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(hyperparams as Record<string, unknown>)) {
      if (typeof v === "function") scheduled[k] = v as (step: NDArray) => unknown;
      else if (typeof v === "number" || (typeof v === "object" && v !== null && "shape" in v && "dtype" in v)) numeric[k] = v as number | NDArray;
      else fixed[k] = v; // booleans, null, ...: static, not state
    }
    const evaluate = (count: NDArray, stored: Record<string, NDArray>): Record<string, NDArray> => {
      const hp: Record<string, NDArray> = { ...stored };
      for (const [k, s] of Object.entries(scheduled)) hp[k] = np.asarray(s(count) as NDArray).astype("float32");
      return hp;
    };
    const build = (hp: Record<string, NDArray>): GradientTransformation => {
      const { learningRate, ...rest } = { ...fixed, ...hp } as Record<string, unknown>;
      return factory(learningRate, rest as O);
    };
    return {
      init: (params) => {
        const count = np.zeros([], { dtype: "int32" });
        const stored: Record<string, NDArray> = {};
        for (const [k, v] of Object.entries(numeric)) stored[k] = np.asarray(v).astype("float32");
        const hp = evaluate(count, stored);
        return { count, hyperparams: hp, innerState: build(hp).init(params) };
      },
      update: (updates, state, params, extras) => {
        const hp = evaluate(state.count, state.hyperparams);
        const [out, innerState] = build(hp).update(updates, state.innerState, params, extras);
        return [out, { count: np.add(state.count, 1).astype("int32"), hyperparams: hp, innerState }];
      },
    };
  };
}
