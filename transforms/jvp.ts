// Forward mode: a JVP trace carries (primal, tangent) pairs; each primitive's jvp rule
// runs under the parent trace (JAX: ad.JVPTrace). Symbolic zeros skip work.
import { type NDArray, Tracer } from "../core/array";
import { ShapedArray } from "../core/aval";
import { isFloat } from "../core/dtype";
import { msg } from "../core/errors";
import { type Params, type Primitive, type Tangent, Zero } from "../core/primitive";
import { instantiate } from "../core/primitives/ops";
import { currentTrace, Trace, withTrace } from "../core/trace";
import * as tree from "../core/tree";
import { leafArrays } from "./util";

export class JVPTracer extends Tracer {
  constructor(readonly _trace: JVPTrace, readonly primal: NDArray, readonly tangent: Tangent) { super(); }
  get aval(): ShapedArray { return this.primal.aval; }
}

export class JVPTrace extends Trace {
  /** (primal, tangent) of a value: own tracers unpack; anything else is a constant. */
  unpack(x: NDArray): [NDArray, Tangent] {
    if (x instanceof JVPTracer && x._trace === this) return [x.primal, x.tangent];
    return [x, new Zero(x.aval.strong())];
  }
  processPrimitive(prim: Primitive<any>, args: NDArray[], params: Params): NDArray[] {
    const pairs = args.map((a) => this.unpack(a));
    const primals = pairs.map((p) => p[0]), tangents = pairs.map((p) => p[1]);
    if (tangents.every((t) => t instanceof Zero)) return withTrace(this.parent!, () => prim.bind(primals, params));
    const rule = prim.rules.jvp;
    if (!rule) throw new TypeError(`jvp: primitive ${prim.name} has no differentiation rule.`);
    const [outs, outTangents] = withTrace(this.parent!, () => rule(primals, tangents, params));
    return outs.map((p, i) => (outTangents[i] instanceof Zero ? p : new JVPTracer(this, p, outTangents[i])));
  }
}

/** Runs `f` on JVP tracers; returns flat primal and tangent outputs and the output tree. */
export function jvpFlat(f: (...xs: NDArray[]) => unknown, primals: NDArray[], tangents: Tangent[]): { primalsOut: NDArray[]; tangentsOut: Tangent[]; outTree: tree.TreeDef } {
  const trace = new JVPTrace(currentTrace());
  let out: unknown;
  try {
    const ins = primals.map((p, i) => (tangents[i] instanceof Zero ? p : new JVPTracer(trace, p, tangents[i])));
    out = withTrace(trace, () => f(...ins));
    const [leaves, outTree] = tree.flatten(out);
    const pairs = leafArrays("jvp", leaves).map((o) => trace.unpack(o));
    return { primalsOut: pairs.map((p) => p[0]), tangentsOut: pairs.map((p) => p[1]), outTree };
  } finally {
    trace.alive = false;
  }
}

/**
 * Forward-mode derivative: `[f(...primals), J(primals) · tangents]`, over pytrees.
 * @example const [y, dy] = jvp((x) => np.sin(x), [np.array(0.5)], [np.array(1)]) // dy = cos(0.5)
 */
export function jvp(f: (...args: any[]) => any, primals: readonly unknown[], tangents: readonly unknown[]): [any, any] {
  if (!Array.isArray(primals) || !Array.isArray(tangents)) throw new TypeError(msg("jvp", "primals and tangents must be lists (one entry per argument)", `${typeof primals} and ${typeof tangents}`));
  const [pl, pTree] = tree.flatten(primals);
  const [tl, tTree] = tree.flatten(tangents);
  if (!pTree.equals(tTree)) throw new TypeError(msg("jvp", "primals and tangents must have the same pytree structure", `${pTree} and ${tTree}`));
  const ps = leafArrays("jvp", pl);
  const ts = leafArrays("jvp", tl).map((t, i) => {
    const p = ps[i];
    if (t.dtype !== p.dtype && !(t.weakType && isFloat(p.dtype)) || t.shape.length !== p.shape.length || t.shape.some((d, k) => d !== p.shape[k])) {
      throw new TypeError(msg("jvp", "each tangent must have its primal's shape and dtype", `primal ${p.aval.str()} and tangent ${t.aval.str()}`));
    }
    return t.dtype === p.dtype ? t : t.astype(p.dtype);
  });
  const { primalsOut, tangentsOut, outTree } = jvpFlat((...xs) => f(...(tree.unflatten(pTree, xs) as unknown[])), ps, ts);
  return [tree.unflatten(outTree, primalsOut), tree.unflatten(outTree, tangentsOut.map(instantiate))];
}
