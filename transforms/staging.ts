// Staging sub-programs for call-like primitives (pjit, checkpoint, control flow): trace a
// function into an open jaxpr whose constants lead its inputs, and the jvp / vmap of such
// a call expressed as the same primitive over a transformed body.
import { ConcreteArray, type NDArray } from "../core/array";
import { currentTrace, evalTrace } from "../core/trace";
import type { ShapedArray } from "../core/aval";
import { Jaxpr } from "../core/jaxpr";
import { type Tangent, Zero } from "../core/primitive";
import { instantiate } from "../core/primitives/ops";
import { evalJaxpr, traceToJaxpr, traceTree } from "../core/tracing";
import type { TreeDef } from "../core/tree";
import { jvpFlat } from "./jvp";
import { type Program, simplify } from "./passes/simplify";
import { vmapFlat } from "./vmap";

export interface Staged { jaxpr: Jaxpr; consts: NDArray[] }

/** Traces `f` over avals into an open jaxpr whose leading inputs are its constants
 * (optionally simplified, as jit does). */
export function stage(f: (...xs: NDArray[]) => NDArray[], avals: ShapedArray[], passes = false): Staged {
  const closed = traceToJaxpr(f, avals);
  let p: Program = { jaxpr: closed.jaxpr, consts: [...closed.consts] };
  if (passes) p = simplify(p);
  return open(p);
}

/** `stage` for a function of pytree arguments: also returns its output's structure. */
export function stageTree(op: string, f: (...args: any[]) => any, inTree: TreeDef, avals: ShapedArray[], passes = false): { staged: Staged; outTree: TreeDef } {
  const { closedJaxpr, outTree } = traceTree(op, f, inTree, avals);
  let p: Program = { jaxpr: closedJaxpr.jaxpr, consts: [...closedJaxpr.consts] };
  if (passes) p = simplify(p);
  return { staged: open(p), outTree };
}

const open = (p: Program): Staged =>
  ({ jaxpr: new Jaxpr([], [...p.jaxpr.constvars, ...p.jaxpr.invars], p.jaxpr.eqns, p.jaxpr.outvars), consts: p.consts });

/**
 * Evaluates a jaxpr. Concrete arguments run it as their backend's fused executable (WebGPU
 * kernels; fused loops on the CPU), so jit bodies and the bodies of scan, while and cond
 * loops are fused too; under a transform it is evaluated equation by equation.
 */
export function run(j: Jaxpr, args: NDArray[], donated?: readonly boolean[]): NDArray[] {
  if (currentTrace() === evalTrace && args.every((a) => a instanceof ConcreteArray)) {
    const cs = args as ConcreteArray[];
    const exe = (cs.find((a) => a.backend.name !== "cpu") ?? cs[0])?.backend.compile?.(j);
    if (exe) return exe.run(args as ConcreteArray[], donated);
  }
  return evalJaxpr(j, [], args);
}

/**
 * jvp of a call primitive whose body is `jaxpr`: stages the body's jvp (primals ++ nonzero
 * tangents -> primal outputs ++ all output tangents) and lets `bind` call the primitive on it.
 */
export function jvpOfCall(jaxpr: Jaxpr, primals: NDArray[], tangents: Tangent[], bind: (args: NDArray[], body: Jaxpr) => NDArray[], passes = false): [NDArray[], Tangent[]] {
  const nz = tangents.map((t) => !(t instanceof Zero));
  const n = primals.length;
  const nzT = tangents.filter((_, i) => nz[i]) as NDArray[];
  const staged = stage((...xs) => {
    let k = n;
    const ts: Tangent[] = primals.map((p, i) => (nz[i] ? xs[k++] : new Zero(p.aval.strong())));
    const r = jvpFlat((...ys) => run(jaxpr, ys), xs.slice(0, n), ts);
    return [...r.primalsOut, ...r.tangentsOut.map(instantiate)];
  }, [...primals.map((p) => p.aval), ...nzT.map((t) => t.aval)], passes);
  const outs = bind([...staged.consts, ...primals, ...nzT], staged.jaxpr);
  const m = jaxpr.outvars.length;
  return [outs.slice(0, m), outs.slice(m)];
}

/** vmap of a call primitive: the body batched with the given input axes, outputs at axis 0. */
export function vmapOfCall(jaxpr: Jaxpr, args: NDArray[], dims: (number | null)[], size: number, bind: (args: NDArray[], body: Jaxpr) => NDArray[], passes = false): [NDArray[], number[]] {
  const staged = stage((...xs) => vmapFlat((...ys) => run(jaxpr, ys), xs, dims, size,
    (td) => new Array(td.numLeaves).fill(0)).outs, args.map((a) => a.aval), passes);
  const outs = bind([...staged.consts, ...args], staged.jaxpr);
  return [outs, outs.map(() => 0)];
}

/** Branches staged with their own constants, rewritten to all take every branch's constants
 * (each using its own) followed by the shared inputs, as a cond needs. */
export function unifyBranches(staged: Staged[], inAvals: ShapedArray[]): { consts: NDArray[]; jaxprs: Jaxpr[] } {
  const consts = staged.flatMap((s) => s.consts);
  let off = 0;
  const jaxprs = staged.map((s) => {
    const before = off;
    off += s.consts.length;
    return stage((...xs) => run(s.jaxpr, [...xs.slice(before, before + s.consts.length), ...xs.slice(consts.length)]),
      [...consts.map((c) => c.aval), ...inAvals]).jaxpr;
  });
  return { consts, jaxprs };
}
