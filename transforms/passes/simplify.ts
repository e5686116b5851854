// IR passes run by jit: constant folding, common-subexpression elimination, dead-code
// elimination. Each takes and returns a closed program; none changes what it computes.
import { ConcreteArray, type NDArray } from "../../core/array";
import { type Atom, Jaxpr, type JaxprEqn, Literal, Var } from "../../core/jaxpr";
import { evalTrace, withTrace } from "../../core/trace";
import { scalarArray } from "../../core/numpy/util";

export interface Program { jaxpr: Jaxpr; consts: NDArray[] }

/** Removes equations whose outputs are never used (all primitives are pure). */
export function dce({ jaxpr, consts }: Program): Program {
  const live = new Set<Var>(jaxpr.outvars.filter((a): a is Var => a instanceof Var));
  const kept: JaxprEqn[] = [];
  for (let i = jaxpr.eqns.length - 1; i >= 0; i--) {
    const e = jaxpr.eqns[i];
    if (!e.outvars.some((v) => live.has(v))) continue;
    kept.push(e);
    for (const a of e.inputs) if (a instanceof Var) live.add(a);
  }
  kept.reverse();
  const keepConst = jaxpr.constvars.map((v) => live.has(v));
  return {
    jaxpr: new Jaxpr(jaxpr.constvars.filter((_, i) => keepConst[i]), jaxpr.invars, kept, jaxpr.outvars),
    consts: consts.filter((_, i) => keepConst[i]),
  };
}

const paramKey = (v: unknown, ids: Map<object, number>): string => {
  if (v instanceof Jaxpr || (typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype)) {
    if (!ids.has(v as object)) ids.set(v as object, ids.size);
    return `#${ids.get(v as object)}`;
  }
  if (Array.isArray(v)) return `[${v.map((x) => paramKey(x, ids)).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${k}:${paramKey((v as Record<string, unknown>)[k], ids)}`).join(",")}}`;
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);   // NaN and infinities stay distinct
  return JSON.stringify(v) ?? String(v);
};

/** Reuses the outputs of an earlier identical equation (same primitive, inputs, params). */
export function cse({ jaxpr, consts }: Program): Program {
  const subst = new Map<Var, Atom>();
  const seen = new Map<string, readonly Var[]>();
  const ids = new Map<object, number>();
  const varIds = new Map<Var, number>();
  const atomKey = (a: Atom) => (a instanceof Literal ? `${a.value}:${a.aval.str()}${a.aval.weakType ? "w" : ""}` : `v${varIds.get(a) ?? (varIds.set(a, varIds.size), varIds.size - 1)}`);
  const sub = (a: Atom): Atom => (a instanceof Var ? subst.get(a) ?? a : a);
  const eqns: JaxprEqn[] = [];
  for (const e of jaxpr.eqns) {
    const inputs = e.inputs.map(sub);
    const key = `${e.prim.name}(${inputs.map(atomKey).join(",")})${paramKey(e.params, ids)}`;
    const prev = seen.get(key);
    if (prev && prev.every((v, i) => v.aval.equals(e.outvars[i].aval))) {
      e.outvars.forEach((v, i) => subst.set(v, prev[i]));
      continue;
    }
    seen.set(key, e.outvars);
    eqns.push({ ...e, inputs });
  }
  return { jaxpr: new Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, jaxpr.outvars.map(sub)), consts };
}

const FOLD_LIMIT = 1 << 16;

/** Evaluates equations whose inputs are all known constants (small outputs only, so
 * folding never bloats the program); results become constvars or literals. */
export function foldConstants({ jaxpr, consts }: Program): Program {
  const known = new Map<Var, NDArray>();
  jaxpr.constvars.forEach((v, i) => { if (consts[i] instanceof ConcreteArray) known.set(v, consts[i]); });
  const subst = new Map<Var, Atom>();
  const newConstvars = [...jaxpr.constvars];
  const newConsts = [...consts];
  const eqns: JaxprEqn[] = [];
  const sub = (a: Atom): Atom => (a instanceof Var ? subst.get(a) ?? a : a);
  for (const e of jaxpr.eqns) {
    const inputs = e.inputs.map(sub);
    const foldable = !e.prim.rules.impl && inputs.every((a) => a instanceof Literal || known.has(a)) &&
      e.outvars.every((v) => v.aval.size <= FOLD_LIMIT);
    if (!foldable) { eqns.push({ ...e, inputs }); continue; }
    const args = inputs.map((a) => (a instanceof Literal ? scalarArray(a.value, a.aval.dtype, a.aval.weakType) : known.get(a as Var)!));
    const outs = withTrace(evalTrace, () => e.prim.bind(args, e.params));
    e.outvars.forEach((v, i) => {
      const out = outs[i] as ConcreteArray;
      const value = out.knownScalar();
      if (value !== undefined) { subst.set(v, new Literal(value, v.aval)); return; }
      const cv = new Var(v.aval);
      newConstvars.push(cv); newConsts.push(out); known.set(cv, out); subst.set(v, cv);
    });
  }
  return { jaxpr: new Jaxpr(newConstvars, jaxpr.invars, eqns, jaxpr.outvars.map(sub)), consts: newConsts };
}

/** The pipeline jit runs. */
export const simplify = (p: Program): Program => dce(cse(foldConstants(p)));
