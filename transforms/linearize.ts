// Reverse mode as in JAX: linearize (jvp + partial evaluation: primal work runs now,
// tangent work is staged into a linear jaxpr) then transpose that jaxpr (backward pass).
import { isArray, type NDArray } from "../core/array";
import { isInexact } from "../core/dtype";
import { msg } from "../core/errors";
import { type Atom, ClosedJaxpr, type Jaxpr, Literal, type Var } from "../core/jaxpr";
import { type Tangent, UndefinedPrimal, Zero } from "../core/primitive";
import { addTangents, convert, instantiate } from "../core/primitives/ops";
import { scalarArray } from "../core/numpy/util";
import { currentTrace, withTrace } from "../core/trace";
import { evalJaxpr, JaxprTrace } from "../core/tracing";
import * as tree from "../core/tree";
import { jvpFlat } from "./jvp";
import { leafArrays } from "./util";

export interface Linearized {
  primalsOut: NDArray[];
  outTree: tree.TreeDef;
  /** Maps the tangents of the differentiable inputs to the output tangents. */
  linear: ClosedJaxpr;
  /** Which inputs have tangents (float and complex dtypes); the others are constants. */
  differentiable: boolean[];
  aux: unknown;
}

/** Differentiable inputs are the floating-point and complex ones; ints and bools get no tangent. */
const hasTangent = (x: NDArray) => isInexact(x.dtype);

export function linearizeFlat(f: (...xs: NDArray[]) => unknown, primals: NDArray[], hasAux = false): Linearized {
  const pe = new JaxprTrace(currentTrace(), true);
  try {
    const differentiable = primals.map(hasTangent);
    const tins = primals.map((p, i) => (differentiable[i] ? pe.newArg(p.aval.strong()) : null));
    let aux: unknown;
    // Array leaves of aux go through the trace (so they come out as primal values); other
    // leaves (numbers, strings) are returned as they are.
    let auxLeaves: unknown[] = [];
    let auxTree: tree.TreeDef | undefined;
    const isArr = (l: unknown): l is NDArray => isArray(l);
    const main = hasAux ? (...xs: NDArray[]) => {
      const out = f(...xs);
      if (!Array.isArray(out) || out.length !== 2) throw new TypeError(msg("hasAux", "the function must return [output, aux]", typeof out));
      [auxLeaves, auxTree] = tree.flatten(out[1]);
      return [out[0], auxLeaves.filter(isArr)];
    } : f;
    const res = withTrace(pe, () => jvpFlat(main, primals, tins.map((t, i) => (t ? t[0] : new Zero(primals[i].aval.strong())))));
    let { primalsOut, tangentsOut, outTree } = res;
    if (hasAux) {
      const nAux = auxLeaves.filter(isArr).length;
      const nMain = primalsOut.length - nAux;
      const auxArrays = primalsOut.slice(nMain);
      let k = 0;
      aux = tree.unflatten(auxTree!, auxLeaves.map((l) => (isArr(l) ? auxArrays[k++] : l)));
      outTree = treeOfFirst(outTree, primalsOut);
      primalsOut = primalsOut.slice(0, nMain);
      tangentsOut = tangentsOut.slice(0, nMain);
    }
    for (const p of primalsOut) {
      if (pe.isOwn(p)) throw new Error("linearize: a primal output depends on a tangent (internal error)");
    }
    const outT = withTrace(pe, () => tangentsOut.map((t) => instantiate(t)));
    const linear = pe.finish(tins.filter((t) => t !== null).map((t) => t![1]), outT);
    return { primalsOut, outTree, linear, differentiable, aux };
  } finally {
    pe.alive = false;
  }
}

/** The tree of the first element of a `[main, aux]` output. */
function treeOfFirst(td: tree.TreeDef, leaves: NDArray[]): tree.TreeDef {
  const [main] = tree.unflatten(td, leaves) as [unknown, unknown];
  return tree.structure(main);
}

/** Transposes a jaxpr linear in its invars (constvars are known values): cotangents of its
 * outputs to cotangents of its invars. */
export function backwardPass(j: Jaxpr, consts: readonly NDArray[], cts: Tangent[]): Tangent[] {
  const ctEnv = new Map<Var, Tangent>();
  const known = new Map<Var, NDArray>();
  j.constvars.forEach((v, i) => known.set(v, consts[i]));
  const write = (a: Atom, ct: Tangent | null) => {
    if (a instanceof Literal || ct === null || known.has(a)) return;
    const prev = ctEnv.get(a);
    ctEnv.set(a, prev ? addTangents(prev, ct) : ct);
  };
  j.outvars.forEach((v, i) => write(v, cts[i]));
  // Equations whose inputs are all known are not linear: evaluate them forward first.
  const isKnown = (a: Atom) => a instanceof Literal || known.has(a);
  const linearEqns = j.eqns.filter((e) => {
    if (!e.inputs.every(isKnown)) return true;
    const outs = e.prim.bind(e.inputs.map((a) => (a instanceof Literal ? scalarArray(a.value, a.aval.dtype, a.aval.weakType) : known.get(a)!)), e.params);
    e.outvars.forEach((v, i) => known.set(v, outs[i]));
    return false;
  });
  for (let k = linearEqns.length - 1; k >= 0; k--) {
    const e = linearEqns[k];
    const outCts = e.outvars.map((v) => ctEnv.get(v) ?? new Zero(v.aval));
    if (outCts.every((c) => c instanceof Zero)) continue;
    const args = e.inputs.map((a) => (a instanceof Literal ? scalarArray(a.value, a.aval.dtype, a.aval.weakType)
      : known.get(a) ?? new UndefinedPrimal(a.aval)));
    const rule = e.prim.rules.transpose;
    if (!rule) throw new TypeError(`transpose: primitive ${e.prim.name} is not linear in its tangent inputs, or has no transpose rule.`);
    const inCts = rule(outCts, args, e.params);
    e.inputs.forEach((a, i) => {
      const c = inCts[i];
      if (c === null || c === undefined || !(args[i] instanceof UndefinedPrimal)) return;
      const aval = (args[i] as UndefinedPrimal).aval;
      write(a, c instanceof Zero ? c : c.dtype === aval.dtype ? c : convert(c, aval.dtype));
    });
  }
  return j.invars.map((v) => ctEnv.get(v) ?? new Zero(v.aval));
}

function flatArgs(op: string, primals: unknown[]): [NDArray[], tree.TreeDef] {
  const [leaves, td] = tree.flatten(primals);
  return [leafArrays(op, leaves), td];
}

/**
 * `[f(...primals), jvpFn]` where `jvpFn(...tangents)` applies the linearization (the
 * primal computation is not repeated).
 * @example const [y, fJvp] = linearize(np.sin, x); fJvp(np.onesLike(x)) // cos(x)
 */
export function linearize(f: (...args: any[]) => any, ...primals: unknown[]): [any, (...tangents: unknown[]) => any] {
  const [ps, inTree] = flatArgs("linearize", primals);
  const lin = linearizeFlat((...xs) => f(...(tree.unflatten(inTree, xs) as unknown[])), ps);
  const jvpFn = (...tangents: unknown[]) => {
    const [ts, tTree] = flatArgs("linearize", tangents);
    if (!tTree.equals(inTree)) throw new TypeError(msg("linearize", "tangents must have the primals' structure", `${tTree} for ${inTree}`));
    const outs = evalJaxpr(lin.linear.jaxpr, lin.linear.consts, ts.filter((_, i) => lin.differentiable[i]));
    return tree.unflatten(lin.outTree, outs);
  };
  return [tree.unflatten(lin.outTree, lin.primalsOut), jvpFn];
}

/**
 * `[f(...primals), vjpFn]`; `vjpFn(cotangent)` returns one cotangent per primal (pytrees
 * like the primals; integer inputs get zeros).
 * @example const [y, back] = vjp((x) => x.mul(x), np.array(3)); back(np.array(1)) // [6]
 */
export function vjp(f: (...args: any[]) => any, ...primals: unknown[]): [any, (ct: unknown) => any[]] {
  const [y, back] = vjpWithAux(f, primals, false);
  return [y, back];
}

export function vjpWithAux(f: (...args: any[]) => any, primals: unknown[], hasAux: boolean): [any, (ct: unknown) => any[], unknown] {
  const [ps, inTree] = flatArgs("vjp", primals);
  const lin = linearizeFlat((...xs) => f(...(tree.unflatten(inTree, xs) as unknown[])), ps, hasAux);
  const back = (ct: unknown) => {
    const [cl, ctTree] = tree.flatten(ct);
    if (!ctTree.equals(lin.outTree)) throw new TypeError(msg("vjp", "the cotangent must have the output's structure", `${ctTree} for ${lin.outTree}`));
    const cts = leafArrays("vjp", cl).map((c, i) => {
      const p = lin.primalsOut[i];
      if (c.ndim !== p.ndim || c.shape.some((d, k) => d !== p.shape[k])) {
        throw new TypeError(msg("vjp", "each cotangent must have its output's shape", `${c.aval.str()} for output ${p.aval.str()}`));
      }
      return c.dtype === p.dtype ? c : convert(c, p.dtype);
    });
    const inCts = backwardPass(lin.linear.jaxpr, lin.linear.consts, cts);
    let k = 0;
    const full = ps.map((p, i) => (lin.differentiable[i] ? instantiate(inCts[k++]) : instantiate(new Zero(p.aval.strong()))));
    return tree.unflatten(inTree, full) as any[];
  };
  return [tree.unflatten(lin.outTree, lin.primalsOut), back, lin.aux];
}
