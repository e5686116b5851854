// Staging: a trace that records primitives into a jaxpr (JAX's DynamicJaxprTrace), and
// the public makeJaxpr / evalShape built on it. jit (transforms/) uses traceToJaxpr.
import { ConcreteArray, type NDArray, Tracer } from "./array";
import { ShapedArray } from "./aval";
import { defaultFloat } from "./config";
import { type Atom, ClosedJaxpr, Jaxpr, type JaxprEqn, Literal, Var } from "./jaxpr";
import type { Params, Primitive } from "./primitive";
import { currentTrace, Trace, withTrace } from "./trace";
import * as tree from "./tree";
import { scalarArray } from "./numpy/creation";
import { bindPrimitive } from "./trace";

class JaxprTracer extends Tracer {
  constructor(readonly _trace: JaxprTrace, readonly aval: ShapedArray) { super(); }
}

export class JaxprTrace extends Trace {
  /**
   * With `forwardKnown`, an equation none of whose inputs are this trace's tracers is
   * evaluated by the parent instead of recorded: the trace then stages only what depends
   * on its inputs (partial evaluation, as linearize needs: primal work runs, tangent work
   * is recorded; the known values it uses become constvars, the residuals).
   */
  constructor(parent: Trace | null, readonly forwardKnown = false) { super(parent); }
  private eqns: JaxprEqn[] = [];
  private vars = new Map<JaxprTracer, Var>();
  private constVars = new Map<NDArray, Var>();

  newArg(aval: ShapedArray): [JaxprTracer, Var] {
    const t = new JaxprTracer(this, aval);
    const v = new Var(aval);
    this.vars.set(t, v);
    return [t, v];
  }

  /** Own tracers are variables; anything else is a constant of this jaxpr. */
  atom(x: NDArray): Atom {
    if (x instanceof JaxprTracer && x._trace === this) return this.vars.get(x)!;
    const known = x instanceof ConcreteArray ? x.knownScalar() : undefined;
    if (known !== undefined) return new Literal(known, x.aval);
    let v = this.constVars.get(x);
    if (!v) { v = new Var(x.aval.strong()); this.constVars.set(x, v); }
    return v;
  }

  isOwn(x: NDArray): boolean { return x instanceof JaxprTracer && x._trace === this; }

  processPrimitive(prim: Primitive<any>, args: NDArray[], params: Params): NDArray[] {
    if (this.forwardKnown && !args.some((a) => this.isOwn(a))) return withTrace(this.parent!, () => prim.bind(args, params));
    if (this.forwardKnown && prim.rules.partialEval) return prim.rules.partialEval(this, args, params);
    return this.processPrimitiveRecord(prim, args, params);
  }

  /** Records an equation (no partial evaluation). */
  processPrimitiveRecord(prim: Primitive<any>, args: NDArray[], params: Params): NDArray[] {
    const inputs = args.map((a) => this.atom(a));
    const outAvals = prim.rules.abstractEval(inputs.map((a) => a.aval), params);
    const outs = outAvals.map((aval) => this.newArg(aval));
    this.eqns.push({ prim, inputs, params, outvars: outs.map(([, v]) => v) });
    return outs.map(([t]) => t);
  }

  finish(invars: Var[], outs: NDArray[]): ClosedJaxpr {
    const outvars = outs.map((o) => this.atom(o));
    const consts = [...this.constVars.keys()];
    const jaxpr = new Jaxpr([...this.constVars.values()], invars, this.eqns, outvars);
    return new ClosedJaxpr(jaxpr, consts);
  }
}

/** Traces `f` on abstract inputs into a closed jaxpr; outputs must be arrays or numbers. */
export function traceToJaxpr(f: (...xs: NDArray[]) => (NDArray | number)[], inAvals: ShapedArray[]): ClosedJaxpr {
  const trace = new JaxprTrace(currentTrace());
  const args = inAvals.map((a) => trace.newArg(a));
  const outs = withTrace(trace, () => f(...args.map(([t]) => t)));
  return trace.finish(args.map(([, v]) => v), outs.map((o) => (typeof o === "number" ? scalarArray(o) : o)));
}

/** The aval of a pytree leaf passed to a traced function. */
export function leafAval(op: string, x: unknown): ShapedArray {
  if (x instanceof ConcreteArray || x instanceof Tracer) return x.aval;
  if (typeof x === "number") return new ShapedArray([], defaultFloat(), true);
  if (typeof x === "boolean") return new ShapedArray([], "bool", true);
  if (x instanceof ShapeDtypeStruct) return new ShapedArray(x.shape, x.dtype);
  throw new TypeError(`${op}: arguments must be pytrees of arrays and numbers, got a leaf of type ${describe(x)}.`);
}

const describe = (x: unknown) => (x === null ? "null" : typeof x === "object" ? (x as object).constructor?.name ?? "object" : typeof x);

/** Shape and dtype of an array without data; what evalShape returns. */
export class ShapeDtypeStruct {
  constructor(readonly shape: number[], readonly dtype: import("./dtype").DType) {}
  toString(): string { return new ShapedArray(this.shape, this.dtype).str(); }
}

export interface TracedFunction {
  closedJaxpr: ClosedJaxpr;
  outTree: tree.TreeDef;
}

function traceFlat(op: string, f: (...args: any[]) => any, args: unknown[]): TracedFunction {
  const [leaves, inTree] = tree.flatten(args);
  return traceTree(op, f, inTree, leaves.map((x) => leafAval(op, x)));
}

/** Traces `f` (a function of pytree arguments with structure `inTree` and flat leaf avals)
 * into a closed jaxpr, recording the structure of its output. */
export function traceTree(op: string, f: (...args: any[]) => any, inTree: tree.TreeDef, inAvals: ShapedArray[]): TracedFunction {
  let outTree: tree.TreeDef | undefined;
  const closedJaxpr = traceToJaxpr((...flat) => {
    const out = f(...(tree.unflatten(inTree, flat) as unknown[]));
    if (out instanceof Promise) throw new TypeError(`${op}: the function returned a Promise; traced functions must be synchronous.`);
    const [outLeaves, td] = tree.flatten(out);
    outTree = td;
    return outLeaves.map((o) => {
      if (typeof o === "number" || o instanceof ConcreteArray || o instanceof Tracer) return o as NDArray | number;
      throw new TypeError(`${op}: outputs must be pytrees of arrays and numbers, got a leaf of type ${describe(o)}.`);
    });
  }, inAvals);
  return { closedJaxpr, outTree: outTree! };
}

/**
 * The jaxpr of `f` at the given arguments' shapes and dtypes.
 * @example makeJaxpr((x) => np.sin(x))(np.ones([3])).toString()
 *   // "{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b) }"
 */
export function makeJaxpr(f: (...args: any[]) => any): (...args: unknown[]) => ClosedJaxpr {
  return (...args) => traceFlat("makeJaxpr", f, args).closedJaxpr;
}

/**
 * Output shapes/dtypes of `f` without computing anything.
 * @example evalShape((x) => x.sum(0))(np.ones([3, 4])) // ShapeDtypeStruct { shape: [4], dtype: "float32" }
 */
export function evalShape(f: (...args: any[]) => any): (...args: unknown[]) => any {
  return (...args) => {
    const { closedJaxpr, outTree } = traceFlat("evalShape", f, args);
    return tree.unflatten(outTree, closedJaxpr.outAvals.map((a) => new ShapeDtypeStruct(a.shape.slice(), a.dtype)));
  };
}

/** Evaluates a jaxpr by binding each equation under the current trace. */
export function evalJaxpr(j: Jaxpr, consts: readonly NDArray[], args: readonly NDArray[]): NDArray[] {
  const env = new Map<Var, NDArray>();
  const read = (a: Atom): NDArray => (a instanceof Literal ? scalarArray(a.value, a.aval.dtype, a.aval.weakType) : env.get(a)!);
  j.constvars.forEach((v, i) => env.set(v, consts[i]));
  j.invars.forEach((v, i) => env.set(v, args[i]));
  for (const e of j.eqns) {
    const outs = bindPrimitive(e.prim, e.inputs.map(read), e.params);
    e.outvars.forEach((v, i) => env.set(v, outs[i]));
  }
  return j.outvars.map(read);
}
