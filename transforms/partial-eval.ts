// Partial evaluation of a jaxpr given which inputs are unknown (JAX: pe.partial_eval_jaxpr):
// a "known" program computes what depends only on known inputs plus the residuals the
// "unknown" program needs; the unknown program computes the rest from residuals and the
// unknown inputs. Built from two traces: one recording known work, and a forwarding
// partial-evaluation trace above it recording unknown work.
import type { NDArray } from "../core/array";
import { Jaxpr } from "../core/jaxpr";
import { currentTrace, withTrace } from "../core/trace";
import { evalJaxpr, JaxprTrace } from "../core/tracing";

export interface SplitJaxpr {
  /** knownConsts ++ known inputs -> known outputs ++ residuals */
  known: Jaxpr;
  /** Values the known program closes over (arrays, or tracers of enclosing transforms). */
  knownConsts: NDArray[];
  /** residuals ++ unknown inputs -> unknown outputs */
  unknown: Jaxpr;
  numRes: number;
  /** which outputs are unknown (computed by `unknown`) */
  unknownOuts: boolean[];
}

/** Splits `j` (no constvars) for the given unknown inputs; `forceUnknown[i]` makes output i unknown even when it is known. */
export function partialEvalJaxpr(j: Jaxpr, unknownIns: boolean[], forceUnknown: boolean[] = []): SplitJaxpr {
  const K = new JaxprTrace(currentTrace());
  const pe = new JaxprTrace(K, true);
  try {
    const kIns = j.invars.map((v, i) => (unknownIns[i] ? null : K.newArg(v.aval)));
    const uIns = j.invars.map((v, i) => (unknownIns[i] ? pe.newArg(v.aval) : null));
    const args = j.invars.map((_, i) => (unknownIns[i] ? uIns[i]![0] : kIns[i]![0]));
    const outs = withTrace(pe, () => evalJaxpr(j, [], args));
    const unknownOuts = outs.map((o, i) => pe.isOwn(o) || !!forceUnknown[i]);
    const u = pe.finish(uIns.flatMap((x) => (x ? [x[1]] : [])), outs.filter((_, i) => unknownOuts[i]));
    const residuals = u.consts as NDArray[];
    const k = K.finish(kIns.flatMap((x) => (x ? [x[1]] : [])), [...outs.filter((_, i) => !unknownOuts[i]), ...residuals]);
    return {
      known: new Jaxpr([], [...k.jaxpr.constvars, ...k.jaxpr.invars], k.jaxpr.eqns, k.jaxpr.outvars),
      knownConsts: k.consts as NDArray[],
      unknown: new Jaxpr([], [...u.jaxpr.constvars, ...u.jaxpr.invars], u.jaxpr.eqns, u.jaxpr.outvars),
      numRes: residuals.length,
      unknownOuts,
    };
  } finally {
    pe.alive = false;
    K.alive = false;
  }
}
