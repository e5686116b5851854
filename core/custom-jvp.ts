// customJvp: user-supplied forward-mode rules, carried through tracing by the
// `custom_jvp_call` primitive (JAX: custom_derivatives.py). It lives in core so that core
// functions (e.g. np.linalg.det) can use it; its batching rule needs vmap and is attached by
// transforms/custom.ts.
import { type NDArray, isArray } from "./array";
import type { ShapedArray } from "./aval";
import { msg } from "./errors";
import type { Jaxpr } from "./jaxpr";
import { asArray } from "./numpy/util";
import { definePrimitive, type Primitive } from "./primitive";
import { instantiate } from "./primitives/ops";
import { withTrace } from "./trace";
import { evalJaxpr, traceToJaxpr, traceTree } from "./tracing";
import * as tree from "./tree";

const leafArrays = (op: string, leaves: unknown[]): NDArray[] => leaves.map((x) => {
  if (isArray(x) || typeof x === "number" || typeof x === "boolean") return asArray(x);
  throw new TypeError(msg(op, "pytree leaves must be arrays or numbers", typeof x));
});

export type FlatRule = (primals: NDArray[], tangents: NDArray[]) => [NDArray[], NDArray[]];
export interface CustomJvpParams { call: Jaxpr; consts: number; jvp: FlatRule; name: string }

export const stageFlat = (f: (...xs: NDArray[]) => NDArray[], avals: ShapedArray[]) => {
  const c = traceToJaxpr(f, avals);
  return { jaxpr: c.jaxpr, consts: [...c.consts] };
};
export const evalClosed = (j: Jaxpr, consts: readonly NDArray[], args: NDArray[]) => evalJaxpr(j, consts, args);


export const customJvpCall: Primitive<CustomJvpParams> = definePrimitive<CustomJvpParams>("custom_jvp_call", {
  abstractEval: (_avals, { call }) => call.outAvals,
  impl: (args, { call }) => evalClosed(call, args.slice(0, call.constvars.length), args.slice(call.constvars.length)),
  jvp: (primals, tangents, { jvp, consts }) => {
    const ps = primals.slice(consts);
    const ts = tangents.slice(consts).map((t) => instantiate(t));
    const [outs, touts] = jvp(ps, ts);
    return [outs, touts];
  },
  partialEval: (trace, args, { call }) => withTrace(trace, () => evalClosed(call, args.slice(0, call.constvars.length), args.slice(call.constvars.length))),
});

/**
 * A function with a custom forward-mode derivative (also used by grad, through
 * linearize). `rule(primals, tangents)` returns `[out, tangentOut]` (pytrees like f's).
 * @example
 * const logExp = customJvp((x) => np.log1p(np.exp(x)));
 * logExp.defjvp(([x], [t]) => [logExp(x), t.mul(nnFunctions.sigmoid(x))]);
 */
export function customJvp<F extends (...args: any[]) => any>(f: F): F & { defjvp(rule: (primals: any[], tangents: any[]) => [any, any]): F } {
  let rule: ((primals: any[], tangents: any[]) => [any, any]) | undefined;
  const name = f.name || "fn";
  const wrapped = ((...args: unknown[]) => {
    if (!rule) throw new TypeError(msg("customJvp", "define the rule with .defjvp(rule) before calling the function", name));
    const [leaves, inTree] = tree.flatten(args);
    const xs = leafArrays("customJvp", leaves);
    const { closedJaxpr, outTree } = traceTree("customJvp", f, inTree, xs.map((x) => x.aval));
    const call = { jaxpr: closedJaxpr.jaxpr, consts: [...closedJaxpr.consts] };
    const r = rule;
    const flatRule: FlatRule = (ps, ts) => {
      const [o, t] = r(tree.unflatten(inTree, ps) as unknown[], tree.unflatten(inTree, ts) as unknown[]);
      const ol = leafArrays("customJvp", tree.leaves(o)), tl = leafArrays("customJvp", tree.leaves(t));
      if (ol.length !== tl.length) throw new TypeError(msg("customJvp", "the rule must return [out, tangentOut] with matching structures", `${ol.length} and ${tl.length} leaves`));
      return [ol, tl.map((tt, i) => (tt.dtype === ol[i].dtype ? tt : tt.astype(ol[i].dtype)))];
    };
    const outs = customJvpCall.bind([...call.consts, ...xs], { call: call.jaxpr, consts: call.consts.length, jvp: flatRule, name });
    return tree.unflatten(outTree!, outs);
  }) as F & { defjvp(rule: (primals: any[], tangents: any[]) => [any, any]): F };
  wrapped.defjvp = (r) => { rule = r; return wrapped; };
  return wrapped;
}

