// The jaxpr IR: typed, immutable programs of primitive equations; its printer, type
// checker and interpreter. Rewrites build new jaxprs (objects here are frozen).
import { ShapedArray } from "./aval";
import type { NDArray } from "./array";
import { shortName } from "./dtype";
import type { Params, Primitive } from "./primitive";

let varCounter = 0;
export class Var {
  readonly id = ++varCounter;
  constructor(readonly aval: ShapedArray) { Object.freeze(this); }
}
export class Literal {
  constructor(readonly value: number, readonly aval: ShapedArray) { Object.freeze(this); }
}
export type Atom = Var | Literal;

export interface JaxprEqn {
  readonly prim: Primitive<any>;
  readonly inputs: readonly Atom[];
  readonly params: Params;
  readonly outvars: readonly Var[];
}

export class Jaxpr {
  readonly constvars: readonly Var[];
  readonly invars: readonly Var[];
  readonly eqns: readonly JaxprEqn[];
  readonly outvars: readonly Atom[];
  constructor(constvars: readonly Var[], invars: readonly Var[], eqns: readonly JaxprEqn[], outvars: readonly Atom[]) {
    this.constvars = Object.freeze(constvars.slice());
    this.invars = Object.freeze(invars.slice());
    this.eqns = Object.freeze(eqns.map((e) => Object.freeze({ ...e, inputs: Object.freeze(e.inputs.slice()), outvars: Object.freeze(e.outvars.slice()) })));
    this.outvars = Object.freeze(outvars.slice());
    Object.freeze(this);
  }
  get inAvals(): ShapedArray[] { return this.invars.map((v) => v.aval); }
  get outAvals(): ShapedArray[] { return this.outvars.map((v) => v.aval); }
  toString(): string { return printJaxpr(this); }
}

/** A jaxpr with the values of its constvars. */
export class ClosedJaxpr {
  constructor(readonly jaxpr: Jaxpr, readonly consts: readonly NDArray[]) { Object.freeze(this); }
  get inAvals(): ShapedArray[] { return this.jaxpr.inAvals; }
  get outAvals(): ShapedArray[] { return this.jaxpr.outAvals; }
  get eqns(): readonly JaxprEqn[] { return this.jaxpr.eqns; }
  toString(): string { return printJaxpr(this.jaxpr); }
}

// ---------------------------------------------------------------- printer

/** a, b, ..., z, ba, bb, ... as JAX names variables. */
function varName(i: number): string {
  let s = "";
  do { s = String.fromCharCode(97 + (i % 26)) + s; i = Math.floor(i / 26); } while (i > 0);
  return s;
}

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());

function paramStr(v: unknown, names: Namer, indent: string): string {
  if (v instanceof Jaxpr) return printJaxpr(v, indent + "  ", names);
  if (v instanceof ClosedJaxpr) return printJaxpr(v.jaxpr, indent + "  ", names);
  if (Array.isArray(v)) return `(${v.map((x) => paramStr(x, names, indent)).join(", ")}${v.length === 1 ? "," : ""})`;
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${k}: ${paramStr(x, names, indent)}`).join(", ")}}`;
  return String(v);
}

function literalStr(l: Literal): string {
  const { value, aval } = l;
  let s: string;
  if (aval.dtype === "bool") s = value ? "True" : "False";
  else if (aval.dtype === "float32" || aval.dtype === "float64") s = Number.isInteger(value) ? value.toFixed(1) : String(value);
  else s = String(value);
  return `${s}:${shortName(aval.dtype)}[]`;
}

class Namer {
  private names = new Map<Var, string>();
  name(v: Var): string {
    let n = this.names.get(v);
    if (n === undefined) { n = varName(this.names.size); this.names.set(v, n); }
    return n;
  }
}

function printJaxpr(j: Jaxpr, indent = "", names = new Namer()): string {
  const decl = (v: Var) => `${names.name(v)}:${v.aval.str()}`;
  const atom = (a: Atom) => (a instanceof Literal ? literalStr(a) : names.name(a));
  const head = `{ lambda ${j.constvars.map(decl).join(" ")}; ${j.invars.map(decl).join(" ")}. let`;
  const eqnStr = (e: JaxprEqn) => {
    const ps = Object.entries(e.params).filter(([, v]) => v !== undefined);
    const pstr = ps.length ? `[${ps.map(([k, v]) => `${snake(k)}=${paramStr(v, names, indent)}`).join(" ")}]` : "";
    return `${e.outvars.map(decl).join(" ")} = ${e.prim.name}${pstr} ${e.inputs.map(atom).join(" ")}`.trimEnd();
  };
  const eqns = j.eqns.map(eqnStr);
  const out = `(${j.outvars.map(atom).join(", ")})`;
  if (eqns.length <= 1) return `${head}${eqns.map((e) => " " + e).join("")} in ${out} }`;
  const body = eqns.map((e) => `${indent}    ${e}`).join("\n");
  return `${head}\n${body}\n${indent}  in ${out} }`;
}

// ---------------------------------------------------------------- type checker

export class JaxprTypeError extends TypeError { override name = "JaxprTypeError"; }

/** Checks that every variable is defined once before use and every equation's output types
 * are what its primitive's shape rule gives for its inputs. Throws JaxprTypeError. */
export function checkJaxpr(j: Jaxpr): void {
  const defined = new Set<Var>();
  const define = (v: Var, where: string) => {
    if (defined.has(v)) throw new JaxprTypeError(`checkJaxpr: variable ${v.aval.str()} (#${v.id}) defined twice (${where}).`);
    defined.add(v);
  };
  const use = (a: Atom, where: string) => {
    if (a instanceof Literal) {
      if (a.aval.ndim !== 0) throw new JaxprTypeError(`checkJaxpr: literal ${a.aval.str()} is not a scalar (${where}).`);
      return;
    }
    if (!defined.has(a)) throw new JaxprTypeError(`checkJaxpr: variable ${a.aval.str()} (#${a.id}) used before it is defined (${where}).`);
  };
  j.constvars.forEach((v) => define(v, "constvars"));
  j.invars.forEach((v) => define(v, "invars"));
  j.eqns.forEach((e, i) => {
    const where = `equation ${i}: ${e.prim.name}`;
    e.inputs.forEach((a) => use(a, where));
    let expected: ShapedArray[];
    try { expected = e.prim.rules.abstractEval(e.inputs.map((a) => a.aval), e.params); } catch (err) {
      throw new JaxprTypeError(`checkJaxpr: ${where} fails its shape rule: ${(err as Error).message}`);
    }
    if (expected.length !== e.outvars.length || expected.some((t, k) => !t.sameType(e.outvars[k].aval))) {
      throw new JaxprTypeError(`checkJaxpr: ${where} outputs ${e.outvars.map((v) => v.aval.str()).join(", ")} but its rule gives ${expected.map((t) => t.str()).join(", ")}.`);
    }
    for (const p of Object.values(e.params)) {
      if (p instanceof Jaxpr) checkJaxpr(p);
      if (p instanceof ClosedJaxpr) checkJaxpr(p.jaxpr);
    }
    e.outvars.forEach((v) => define(v, where));
  });
  j.outvars.forEach((a) => use(a, "outvars"));
}

/**
 * Def-use facts for program planners (fusion): the equation defining each variable, the
 * equations using it (each once: `mul y y` uses y once), and the output variables.
 */
export function defUse(j: Jaxpr): { producer: Map<Var, JaxprEqn>; users: Map<Var, JaxprEqn[]>; outputs: Set<Var> } {
  const producer = new Map<Var, JaxprEqn>();
  const users = new Map<Var, JaxprEqn[]>();
  for (const e of j.eqns) {
    for (const v of e.outvars) producer.set(v, e);
    for (const x of new Set(e.inputs)) if (x instanceof Var) { const u = users.get(x) ?? []; u.push(e); users.set(x, u); }
  }
  return { producer, users, outputs: new Set(j.outvars.filter((x): x is Var => x instanceof Var)) };
}
