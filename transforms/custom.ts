// customJvp and customVjp: user-supplied derivative rules, carried through tracing by
// call primitives so jit/vmap/grad compose with them (JAX: custom_derivatives.py).
// Reverse mode of a customVjp function goes through `custom_lin`, a linear primitive
// whose transpose is the user's bwd; forward mode of it fails, as in JAX.
import type { NDArray } from "../core/array";
import { msg } from "../core/errors";
import type { Jaxpr } from "../core/jaxpr";
import type { ShapedArray } from "../core/aval";
import { definePrimitive, type Primitive, type PrimitiveRules, type Tangent } from "../core/primitive";
import { instantiate } from "../core/primitives/ops";
import { batchFirst } from "../core/primitives/batching";
import { withTrace } from "../core/trace";
import { traceTree } from "../core/tracing";
import * as tree from "../core/tree";
import { leafArrays } from "./util";
import { vmapFlat } from "./vmap";

import { customJvpCall, type CustomJvpParams, evalClosed, type FlatRule, stageFlat } from "../core/custom-jvp";
export { customJvp, customJvpCall } from "../core/custom-jvp";

/** All operands batched along axis 0 (rules for custom calls keep one simple layout). */
const allBatched = (args: NDArray[], dims: (number | null)[], size: number) => args.map((a, i) => batchFirst(a, dims[i], size));

// vmap of a customJvp function batches both the function and its rule.
(customJvpCall.rules as PrimitiveRules<CustomJvpParams>).batch = (args, dims, params, size) => {

    const xs = allBatched(args, dims, size);
    const n = xs.length - params.consts;
    const call = stageFlat((...ys) => vmapFlat((...zs) => evalClosed(params.call, zs.slice(0, params.call.constvars.length), zs.slice(params.call.constvars.length)), ys,
      ys.map(() => 0), size, (td) => new Array(td.numLeaves).fill(0)).outs, xs.map((x) => x.aval));
    const jvpB: FlatRule = (ps, ts) => {
      const outs = vmapFlat((...zs) => { const [o, t] = params.jvp(zs.slice(0, n), zs.slice(n)); return [...o, ...t]; },
        [...ps, ...ts], [...ps, ...ts].map(() => 0), size, (td) => new Array(td.numLeaves).fill(0)).outs;
      return [outs.slice(0, outs.length / 2), outs.slice(outs.length / 2)];
    };
    const outs = customJvpCall.bind([...call.consts, ...xs], { call: call.jaxpr, consts: call.consts.length + params.consts, jvp: jvpB, name: params.name });
    return [outs, outs.map(() => 0)];
  };

// ---------------------------------------------------------------- custom_vjp

type FlatFwd = (primals: NDArray[]) => [NDArray[], NDArray[]];
type FlatBwd = (residuals: NDArray[], cts: NDArray[]) => NDArray[];
export interface CustomVjpParams { call: Jaxpr; consts: number; fwd: FlatFwd; bwd: FlatBwd; name: string }
export interface CustomLinParams { bwd: FlatBwd; numRes: number; outAvals: ShapedArray[]; inAvals: ShapedArray[]; name: string }

export const customLin: Primitive<CustomLinParams> = definePrimitive<CustomLinParams>("custom_lin", {
  abstractEval: (_avals, { outAvals }) => outAvals,
  impl: (_args, { name }) => {
    throw new TypeError(`jvp: can't apply forward-mode autodiff (jvp) to a customVjp function (${name}); ` +
      `use grad/vjp (reverse mode), or define it with customJvp instead.`);
  },
  transpose: (cts, args, { bwd, numRes, inAvals }) => {
    const res = args.slice(0, numRes) as NDArray[];
    const ctsIn = bwd(res, cts.map((c) => instantiate(c)));
    return [...res.map(() => null), ...ctsIn.map((c, i) => (c.dtype === inAvals[i].dtype ? c : c.astype(inAvals[i].dtype)))];
  },
});

export const customVjpCall: Primitive<CustomVjpParams> = definePrimitive<CustomVjpParams>("custom_vjp_call", {
  abstractEval: (_avals, { call }) => call.outAvals,
  impl: (args, { call }) => evalClosed(call, args.slice(0, call.constvars.length), args.slice(call.constvars.length)),
  jvp: (primals, tangents, { fwd, bwd, consts, name }) => {
    const ps = primals.slice(consts);
    const [outs, res] = fwd(ps);
    const ts = tangents.slice(consts).map((t: Tangent) => instantiate(t));
    const touts = customLin.bind([...res, ...ts], { bwd, numRes: res.length, outAvals: outs.map((o) => o.aval.strong()), inAvals: ps.map((p) => p.aval.strong()), name });
    return [outs, touts];
  },
  batch: (args, dims, params, size) => {
    const xs = allBatched(args, dims, size);
    const c = params.consts;
    const call = stageFlat((...ys) => vmapFlat((...zs) => evalClosed(params.call, zs.slice(0, params.call.constvars.length), zs.slice(params.call.constvars.length)), ys,
      ys.map(() => 0), size, (td) => new Array(td.numLeaves).fill(0)).outs, xs.map((x) => x.aval));
    const all0 = (td: tree.TreeDef) => new Array(td.numLeaves).fill(0);
    let nOut = 0;
    const fwdB: FlatFwd = (ps) => {
      const outs = vmapFlat((...zs) => { const [o, r] = params.fwd(zs); nOut = o.length; return [...o, ...r]; }, ps, ps.map(() => 0), size, all0).outs;
      return [outs.slice(0, nOut), outs.slice(nOut)];
    };
    const bwdB: FlatBwd = (res, cts) => vmapFlat((...zs) => params.bwd(zs.slice(0, res.length), zs.slice(res.length)),
      [...res, ...cts], [...res, ...cts].map(() => 0), size, all0).outs;
    const outs = customVjpCall.bind([...call.consts, ...xs], { call: call.jaxpr, consts: call.consts.length + c, fwd: fwdB, bwd: bwdB, name: params.name });
    return [outs, outs.map(() => 0)];
  },
  partialEval: (trace, args, { call }) => withTrace(trace, () => evalClosed(call, args.slice(0, call.constvars.length), args.slice(call.constvars.length))),
});

/**
 * A function with a custom reverse-mode derivative: `fwd(...args)` returns
 * `[out, residuals]`, `bwd(residuals, ct)` returns one cotangent per argument.
 * @example
 * const clipGrad = customVjp((x) => x);
 * clipGrad.defvjp((x) => [x, null], (_r, g) => [np.clip(g, -1, 1)]);
 */
export function customVjp<F extends (...args: any[]) => any>(f: F): F & { defvjp(fwd: (...args: any[]) => [any, any], bwd: (res: any, ct: any) => any[]): F } {
  let fwdU: ((...args: any[]) => [any, any]) | undefined;
  let bwdU: ((res: any, ct: any) => any[]) | undefined;
  const name = f.name || "fn";
  const wrapped = ((...args: unknown[]) => {
    if (!fwdU || !bwdU) throw new TypeError(msg("customVjp", "define the rule with .defvjp(fwd, bwd) before calling the function", name));
    const [leaves, inTree] = tree.flatten(args);
    const xs = leafArrays("customVjp", leaves);
    const { closedJaxpr, outTree } = traceTree("customVjp", f, inTree, xs.map((x) => x.aval));
    const call = { jaxpr: closedJaxpr.jaxpr, consts: [...closedJaxpr.consts] };
    const fwd = fwdU, bwd = bwdU;
    let resTree: tree.TreeDef | undefined;
    const fwdFlat: FlatFwd = (ps) => {
      const out = fwd(...(tree.unflatten(inTree, ps) as unknown[]));
      if (!Array.isArray(out) || out.length !== 2) throw new TypeError(msg("customVjp", "fwd must return [out, residuals]", typeof out));
      const [rl, rt] = tree.flatten(out[1]);
      resTree = rt;
      return [leafArrays("customVjp", tree.leaves(out[0])), leafArrays("customVjp", rl)];
    };
    const bwdFlat: FlatBwd = (res, cts) => {
      const g = bwd(tree.unflatten(resTree!, res), tree.unflatten(outTree!, cts));
      if (!Array.isArray(g) || g.length !== args.length) {
        throw new TypeError(msg("customVjp", `bwd must return a list with one cotangent per argument (${args.length})`, Array.isArray(g) ? `${g.length}` : typeof g));
      }
      const gl = leafArrays("customVjp", tree.leaves(g));
      if (gl.length !== xs.length) throw new TypeError(msg("customVjp", "bwd's cotangents must match the arguments' structure", `${gl.length} leaves for ${xs.length}`));
      return gl;
    };
    const outs = customVjpCall.bind([...call.consts, ...xs], { call: call.jaxpr, consts: call.consts.length, fwd: fwdFlat, bwd: bwdFlat, name });
    return tree.unflatten(outTree!, outs);
  }) as F & { defvjp(fwd: (...args: any[]) => [any, any], bwd: (res: any, ct: any) => any[]): F };
  wrapped.defvjp = (fwd, bwd) => { fwdU = fwd; bwdU = bwd; return wrapped; };
  return wrapped;
}

