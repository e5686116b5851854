// Shared machinery for control-flow primitives: staging sub-programs, jvp of a jaxpr with
// a given nonzero-tangent pattern, and index helpers.
import type { NDArray } from "../../core/array";
import type { ShapedArray } from "../../core/aval";
import { Jaxpr } from "../../core/jaxpr";
import { type Tangent, Zero } from "../../core/primitive";
import { prims } from "../../core/primitives";
import { instantiate, reshape } from "../../core/primitives/ops";
import { jvpFlat } from "../jvp";
import { backwardPass } from "../linearize";

export { run, stage } from "../staging";
import { run, stage } from "../staging";

/**
 * jvp of a jaxpr for the tangent pattern `nzIn`: a program taking primals ++ nonzero
 * tangents and returning primal outputs ++ the tangents of the outputs in `nzOut` (those
 * that are nonzero, or forced by `instantiate`).
 */
export function jvpJaxpr(j: Jaxpr, nzIn: boolean[], instantiateOut: boolean[]): { jaxpr: Jaxpr; consts: NDArray[]; nzOut: boolean[] } {
  let nzOut: boolean[] = [];
  const n = j.invars.length;
  const avals = [...j.inAvals, ...j.inAvals.filter((_, i) => nzIn[i]).map((a) => a.strong())];
  const staged = stage((...xs) => {
    let k = n;
    const ts: Tangent[] = j.inAvals.map((a, i) => (nzIn[i] ? xs[k++] : new Zero(a.strong())));
    const r = jvpFlat((...ys) => run(j, ys), xs.slice(0, n), ts);
    nzOut = r.tangentsOut.map((t, i) => !(t instanceof Zero) || !!instantiateOut[i]);
    return [...r.primalsOut, ...r.tangentsOut.filter((_, i) => nzOut[i]).map(instantiate)];
  }, avals);
  return { ...staged, nzOut };
}

/**
 * A loop carry's per-component flag (nonzero tangent, unknown value) must be a fixed point
 * of the body: run `attempt` with the current flags, widen them by the carry outputs'
 * flags, and repeat until nothing changes.
 */
export function carryFixpoint<T>(init: boolean[], attempt: (carry: boolean[]) => [T, boolean[]]): [T, boolean[]] {
  let carry = init.slice();
  for (;;) {
    const [res, out] = attempt(carry);
    if (out.every((o, i) => !o || carry[i])) return [res, carry];
    carry = carry.map((c, i) => c || out[i]);
  }
}

/** Transposes `j` in the inputs marked linear, at the given known inputs (in order). */
export function transposeJaxpr(j: Jaxpr, linear: boolean[], knownVals: NDArray[], cts: Tangent[]): Tangent[] {
  const view = new Jaxpr(j.invars.filter((_, i) => !linear[i]), j.invars.filter((_, i) => linear[i]), j.eqns, j.outvars);
  return backwardPass(view, knownVals, cts);
}

/** x[i] along axis 0 for a static or traced index. */
export function indexAxis0(x: NDArray, i: number): NDArray {
  const start = x.aval.shape.map((_, d) => (d === 0 ? i : 0));
  const limit = x.aval.shape.map((s, d) => (d === 0 ? i + 1 : s));
  return reshape(prims.slice.bind1([x], { startIndices: start, limitIndices: limit, strides: null }), x.aval.shape.slice(1));
}

/** Stacks equally shaped arrays along a new axis 0. */
export function stack0(xs: NDArray[], aval: ShapedArray, length: number): NDArray {
  if (length === 0) return prims.broadcast_in_dim.bind1([prims.convert_element_type.bind1([instantiate(new Zero(new (aval.constructor as typeof import("../../core/aval").ShapedArray)([], aval.dtype)))], { newDtype: aval.dtype, weakType: false })], { shape: [0, ...aval.shape], broadcastDimensions: [] });
  if (xs.length === 1) return reshape(xs[0], [1, ...aval.shape]);
  return prims.concatenate.bind1(xs.map((x) => reshape(x, [1, ...aval.shape])), { dimension: 0 });
}
