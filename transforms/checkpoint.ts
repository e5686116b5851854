// checkpoint (rematerialisation): the backward pass recomputes the function's forward
// computation from its inputs instead of storing its intermediates (JAX: remat). Under
// linearize the primal outputs run now; the tangent part is staged as one `checkpoint`
// equation whose only residuals are the inputs, and its transpose re-linearizes the body.
import { Jaxpr, Var } from "../core/jaxpr";
import { definePrimitive, type Primitive, UndefinedPrimal } from "../core/primitive";
import { instantiate, zeros } from "../core/primitives/ops";
import { withTrace } from "../core/trace";
import { evalJaxpr } from "../core/tracing";
import * as tree from "../core/tree";
import { backwardPass, linearizeFlat } from "./linearize";
import { dce } from "./passes/simplify";
import { jvpOfCall, stageTree, vmapOfCall } from "./staging";
import { leafArrays } from "./util";

export interface CheckpointParams { jaxpr: Jaxpr; name: string }

/** Keeps only the chosen outputs of a jaxpr (and the equations they need). */
function selectOutputs(j: Jaxpr, keep: (i: number) => boolean): Jaxpr {
  const pruned = dce({ jaxpr: new Jaxpr([], j.invars, j.eqns, j.outvars.filter((_, i) => keep(i))), consts: [] });
  return pruned.jaxpr;
}

export const checkpointPrim: Primitive<CheckpointParams> = definePrimitive<CheckpointParams>("checkpoint", {
  abstractEval: (_avals, { jaxpr }) => jaxpr.outAvals,
  impl: (args, { jaxpr }) => evalJaxpr(jaxpr, [], args),
  jvp: (primals, tangents, { jaxpr, name }) =>
    jvpOfCall(jaxpr, primals, tangents, (args, body) => checkpointPrim.bind(args, { jaxpr: body, name })),
  batch: (args, dims, { jaxpr, name }, size) =>
    vmapOfCall(jaxpr, args, dims, size, (xs, body) => checkpointPrim.bind(xs, { jaxpr: body, name })),
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
    const { staged, outTree } = stageTree("checkpoint", f, inTree, xs.map((x) => x.aval));
    const outs = checkpointPrim.bind([...staged.consts, ...xs], { jaxpr: staged.jaxpr, name });
    return tree.unflatten(outTree!, outs);
  }) as F;
}
