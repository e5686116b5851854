// graft/nn optim wrappers: transformations built around other transformations — `masked`
// (apply to a subset of the leaves), `multiTransform` (a different optimiser per labelled
// group) and `multiSteps` (gradient accumulation over k calls). References: Optax
// `masked` (optax/transforms/_masking.py), `multi_transform` (optax/_src/combine.py) and
// `MultiSteps` (optax/transforms/_accumulation.py).
import { lax, np, tree, type NDArray } from "graft";
import { zerosLike, type GradientTransformation } from "./base";

/** A pytree of booleans (or a prefix of the params tree), or a function building it. */
export type MaskOrFn = unknown | ((params: any) => unknown);

// Masked-out subtrees become `null`, an empty pytree node: the inner transformation never
// sees them (so it keeps no state for them), as Optax replaces them with `MaskedNode`.
function hide(mask: unknown, t: unknown): unknown {
  return tree.map((m: unknown, sub: unknown) => {
    if (typeof m !== "boolean") throw new TypeError(`masked: mask leaves must be booleans, got ${typeof m}.`);
    return m ? sub : null;
  }, mask, t);
}

/**
 * Applies `inner` only to the leaves where `mask` is true; the other updates pass through
 * unchanged (Optax `masked`). `mask` is a pytree of booleans with the params' structure (or a
 * prefix of it: one boolean for a whole subtree), or a function `params => mask`.
 * @example
 * const opt = nn.optim.masked(nn.optim.addDecayedWeights(1e-4), (p) => tree.map((x: NDArray) => x.ndim > 1, p));
 */
export function masked(inner: GradientTransformation, mask: MaskOrFn): GradientTransformation<{ innerState: any }> {
  const maskOf = (t: unknown) => (typeof mask === "function" ? (mask as (p: unknown) => unknown)(t) : mask);
  return {
    init: (params) => ({ innerState: inner.init(hide(maskOf(params), params)) }),
    update: (updates, state, params, extras) => {
      const m = maskOf(updates);
      const [newUpdates, innerState] = inner.update(hide(m, updates), state.innerState, params === undefined ? undefined : hide(m, params), extras);
      // Where the mask is true take the inner result; elsewhere keep the incoming update.
      const out = tree.map((mi: boolean, fresh: unknown, old: unknown) => (mi ? fresh : old), m, newUpdates, updates);
      return [out, { innerState }];
    },
  };
}

/**
 * A different transformation per group of leaves (Optax `multi_transform`): `labels` is a
 * pytree of strings with the params' structure (or a function `params => labels`), and each
 * label names an entry of `transforms`. Each group's state is kept under its label.
 * @example
 * const opt = nn.optim.multiTransform({ fast: nn.optim.adam(1e-2), frozen: nn.optim.scale(0) }, { w: "fast", b: "frozen" });
 */
export function multiTransform(transforms: Record<string, GradientTransformation>, labels: unknown | ((params: any) => unknown)):
  GradientTransformation<{ innerStates: Record<string, any> }> {
  const labelsOf = (t: unknown) => {
    const l = typeof labels === "function" ? (labels as (p: unknown) => unknown)(t) : labels;
    for (const name of tree.leaves(l)) {
      if (typeof name !== "string" || !(name in transforms)) {
        throw new TypeError(`multiTransform: every label must name one of the transforms (${Object.keys(transforms).join(", ")}), got ${JSON.stringify(name)}.`);
      }
    }
    return l;
  };
  const groups = Object.keys(transforms).sort();
  const parts = Object.fromEntries(groups.map((g) => [g, masked(transforms[g]!, (t: unknown) => tree.map((l: string) => l === g, labelsOf(t)))]));
  return {
    init: (params) => ({ innerStates: Object.fromEntries(groups.map((g) => [g, parts[g]!.init(params)])) }),
    update: (updates, state, params, extras) => {
      const innerStates: Record<string, any> = {};
      // The masks are disjoint, so running the masked transforms one after another gives
      // each leaf exactly its own group's transformation.
      for (const g of groups) [updates, innerStates[g]] = parts[g]!.update(updates, state.innerStates[g], params, extras);
      return [updates, { innerStates }];
    },
  };
}

/** State of `multiSteps`: the mini-step in the current group of k, and the running mean. */
export interface MultiStepsState { miniStep: NDArray; gradientStep: NDArray; innerState: any; accGrads: any }

/**
 * Gradient accumulation (Optax `MultiSteps`): each call adds the gradient to a running mean;
 * every `everyK`-th call applies `inner` to the mean and returns its updates, the other calls
 * return zero updates (so params stay put). `k` calls thus equal one step of `inner` on the
 * mean gradient of `k` mini-batches. `hasUpdated(state)` tells whether the last call stepped.
 * @example
 * const opt = nn.optim.multiSteps(nn.optim.adam(1e-3), 4); // effective batch 4x larger
 */
export function multiSteps(inner: GradientTransformation, everyK: number):
  GradientTransformation<MultiStepsState> & { hasUpdated(state: MultiStepsState): NDArray } {
  if (!Number.isInteger(everyK) || everyK < 1) throw new RangeError(`multiSteps: everyK must be an integer >= 1, got ${everyK}.`);
  return {
    init: (params) => ({
      miniStep: np.zeros([], { dtype: "int32" }),
      gradientStep: np.zeros([], { dtype: "int32" }),
      innerState: inner.init(params),
      accGrads: zerosLike(params),
    }),
    update: (updates, state, params, extras) => {
      // Running mean acc_{n+1} = acc_n + (g - acc_n) / (n + 1): no sum that can overflow, and
      // exactly the mean of the k gradients when the group completes.
      const acc = tree.map((a: NDArray, g: NDArray) =>
        np.add(a, np.divide(np.subtract(g, a), np.add(state.miniStep, 1).astype(a.dtype))), state.accGrads, updates);
      const emit = np.equal(state.miniStep, everyK - 1);
      // lax.cond runs only the taken branch, so the inner optimiser does its work once per k.
      const [out, innerState, accGrads] = lax.cond(emit,
        () => {
          const [u, s] = inner.update(acc, state.innerState, params, extras);
          return [tree.map((ui: NDArray, g: NDArray) => np.asarray(ui).astype(g.dtype), u, updates), s, zerosLike(acc)];
        },
        () => [zerosLike(updates), state.innerState, acc]) as [any, any, any];
      return [out, {
        miniStep: np.where(emit, 0, np.add(state.miniStep, 1)).astype("int32"),
        gradientStep: np.where(emit, np.add(state.gradientStep, 1), state.gradientStep).astype("int32"),
        innerState,
        accGrads,
      }];
    },
    hasUpdated: (state) => np.logicalAnd(np.equal(state.miniStep, 0), np.greater(state.gradientStep, 0)),
  };
}
