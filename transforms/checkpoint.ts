// checkpoint (rematerialisation): the backward pass recomputes the function's forward
// computation from its inputs instead of storing its intermediates (JAX: remat). Under
// linearize the primal outputs run now; the tangent part is staged as one `checkpoint`
// equation whose only residuals are the inputs, and its transpose re-linearizes the body.
import type { NDArray } from "../core/array";
import type { ShapedArray } from "../core/aval";
import { Jaxpr, Var } from "../core/jaxpr";
import { definePrimitive, type Primitive, type Tangent, UndefinedPrimal, Zero } from "../core/primitive";
import { instantiate, zeros } from "../core/primitives/ops";
import { withTrace } from "../core/trace";
import { evalJaxpr, traceToJaxpr } from "../core/tracing";
import * as tree from "../core/tree";
import { jvpFlat } from "./jvp";
import { backwardPass, linearizeFlat } from "./linearize";
import { dce } from "./passes/simplify";
import { leafArrays } from "./util";
import { vmapFlat } from "./vmap";

export interface CheckpointParams { jaxpr: Jaxpr; name: string }

function stageOpen(f: (...xs: NDArray[]) => NDArray[], avals: ShapedArray[]): { jaxpr: Jaxpr; consts: NDArray[] } {
  const c = traceToJaxpr(f, avals);
  return { jaxpr: new Jaxpr([], [...c.jaxpr.constvars, ...c.jaxpr.invars], c.jaxpr.eqns, c.jaxpr.outvars), consts: [...c.consts] };
}
/** Keeps only the chosen outputs of a jaxpr (and the equations they need). */
function selectOutputs(j: Jaxpr, keep: (i: number) => boolean): Jaxpr {
  const pruned = dce({ jaxpr: new Jaxpr([], j.invars, j.eqns, j.outvars.filter((_, i) => keep(i))), consts: [] });
  return pruned.jaxpr;
}

export const checkpointPrim: Primitive<CheckpointParams> = definePrimitive<CheckpointParams>("checkpoint", {
  abstractEval: (_avals, { jaxpr }) => jaxpr.outAvals,
  impl: (args, { jaxpr }) => evalJaxpr(jaxpr, [], args),
  jvp: (primals, tangents, { jaxpr, name }) => {
    const nz = tangents.map((t) => !(t instanceof Zero));
    const n = primals.length;
    const staged = stageOpen((...xs) => {
      let k = n;
      const ts: Tangent[] = primals.map((p, i) => (nz[i] ? xs[k++] : new Zero(p.aval.strong())));
      const r = jvpFlat((...ys) => evalJaxpr(jaxpr, [], ys), xs.slice(0, n), ts);
      return [...r.primalsOut, ...r.tangentsOut.map(instantiate)];
    }, [...primals.map((p) => p.aval), ...tangents.filter((_, i) => nz[i]).map((t) => (t as NDArray).aval)]);
    const outs = checkpointPrim.bind([...staged.consts, ...primals, ...(tangents.filter((_, i) => nz[i]) as NDArray[])], { jaxpr: staged.jaxpr, name });
    const m = jaxpr.outvars.length;
    return [outs.slice(0, m), outs.slice(m)];
  },
  batch: (args, dims, { jaxpr, name }, size) => {
    const staged = stageOpen((...xs) => vmapFlat((...ys) => evalJaxpr(jaxpr, [], ys), xs, dims, size,
      (td) => new Array(td.numLeaves).fill(0)).outs, args.map((a) => a.aval));
    const outs = checkpointPrim.bind([...staged.consts, ...args], { jaxpr: staged.jaxpr, name });
    return [outs, outs.map(() => 0)];
  },
  // Known outputs (primal) are computed now from the known inputs; the outputs that depend
  // on unknown inputs (tangents) are staged as a checkpoint over all inputs.
  partialEval: (trace, args, { jaxpr, name }) => {
    const unknownIn = args.map((a) => trace.isOwn(a));
    const unknownVars = new Set<Var>(jaxpr.invars.filter((_, i) => unknownIn[i]));
    for (const e of jaxpr.eqns) if (e.inputs.some((a) => a instanceof Var && unknownVars.has(a))) e.outvars.forEach((v) => unknownVars.add(v));
    const unknownOut = jaxpr.outvars.map((a) => a instanceof Var && unknownVars.has(a));
    const knownJ = selectOutputs(jaxpr, (i) => !unknownOut[i]);
    const unknownJ = selectOutputs(jaxpr, (i) => unknownOut[i]);
    const knownOuts = withTrace(trace.parent!, () => evalJaxpr(knownJ, [], args.map((a, i) => (unknownIn[i] ? zeros(a.aval) : a))));
    const stagedOuts = unknownJ.outvars.length ? trace.processPrimitiveRecord(checkpointPrim, args, { jaxpr: unknownJ, name }) : [];
    let k = 0, s = 0;
    return unknownOut.map((u) => (u ? stagedOuts[s++] : knownOuts[k++]));
  },
  // The staged body is linear in its unknown inputs given the known ones: linearize it
  // again at the known inputs (recomputing the forward pass) and run its backward pass.
  transpose: (cts, args, { jaxpr }) => {
    const lin = args.map((a) => a instanceof UndefinedPrimal);
    const known = args.map((a) => (a instanceof UndefinedPrimal ? zeros(a.aval) : a));
    const l = linearizeFlat((...ts) => {
      let k = 0;
      return evalJaxpr(jaxpr, [], known.map((kv, i) => (lin[i] ? ts[k++] : kv)));
    }, known.filter((_, i) => lin[i]));
    const inCts = backwardPass(l.linear.jaxpr, l.linear.consts, cts.map((c) => instantiate(c)));
    let k = 0;
    return args.map((_, i) => (lin[i] ? inCts[k++] : null));
  },
});

/**
 * Rematerialisation: `checkpoint(f)` computes the same values, but reverse mode stores only
 * f's inputs and recomputes its intermediates during the backward pass.
 * @example const block = checkpoint((x) => np.tanh(np.matmul(x, w))); grad((x) => np.sum(block(x)))(x)
 */
export function checkpoint<F extends (...args: any[]) => any>(f: F): F {
  const name = f.name || "fn";
  return ((...args: unknown[]) => {
    const [leaves, inTree] = tree.flatten(args);
    const xs = leafArrays("checkpoint", leaves);
    let outTree: tree.TreeDef | undefined;
    const staged = stageOpen((...ys) => {
      const [ol, td] = tree.flatten(f(...(tree.unflatten(inTree, ys) as unknown[])));
      outTree = td;
      return leafArrays("checkpoint", ol);
    }, xs.map((x) => x.aval));
    const outs = checkpointPrim.bind([...staged.consts, ...xs], { jaxpr: staged.jaxpr, name });
    return tree.unflatten(outTree!, outs);
  }) as F;
}
