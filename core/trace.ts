// Trace machinery, following JAX's current design (autodidax2): one *current* trace at a
// time; each transform is a Trace with a parent. `bind` hands a primitive to the current
// trace, which unwraps only its own tracers (anything else is a constant to it) and runs
// its rule with the parent made current. The root is the eval trace, which computes.
import { ConcreteArray, type NDArray, Tracer } from "./array";
import type { ShapedArray } from "./aval";
import { config } from "./config";
import { getBackend } from "./device";
import { FloatingPointError, UnexpectedTracerError } from "./errors";
import type { Primitive, Params } from "./primitive";

let traceCounter = 0;

export abstract class Trace {
  readonly id = ++traceCounter;
  /** False once the transform that owns this trace has returned; its tracers are dead. */
  alive = true;
  constructor(readonly parent: Trace | null) {}
  abstract processPrimitive(prim: Primitive<any>, args: NDArray[], params: Params): NDArray[];
  /** Level in the stack, for messages. */
  get depth(): number { return this.parent ? this.parent.depth + 1 : 0; }
  toString(): string { return `${this.constructor.name}#${this.id}`; }
}

class EvalTrace extends Trace {
  processPrimitive(prim: Primitive<any>, args: NDArray[], params: Params): NDArray[] {
    const concrete = args.map((a) => {
      if (a instanceof ConcreteArray) return a;
      throw new UnexpectedTracerError(
        `${prim.name}: got a tracer ${a.aval.str()} from ${(a as unknown as Tracer)._trace} outside its transform. ` +
        `A value computed inside jit/grad/vmap escaped (stored in a variable or closure and used later); ` +
        `return it from the transformed function instead.`,
      );
    });
    let outs: NDArray[];
    if (prim.rules.impl) {
      // Check types eagerly too, so eager calls raise the errors jit and makeJaxpr raise.
      prim.rules.abstractEval(concrete.map((a) => a.aval), params);
      outs = prim.rules.impl(concrete, params);
    } else outs = executeOnBackend(prim, concrete, params);
    if (config.get("debugNans")) checkNans(prim.name, outs);
    return outs;
  }
}

/**
 * Runs a primitive as a one-primitive program on the backend of its inputs. Inputs on the
 * CPU next to inputs on an accelerator are copied to the accelerator first (they are
 * usually scalars and constants); nothing moves to the CPU implicitly.
 */
export function executeOnBackend(prim: Primitive<any>, args: ConcreteArray[], params: Params): ConcreteArray[] {
  const outAvals: ShapedArray[] = prim.rules.abstractEval(args.map((a) => a.aval), params);
  const backend = args.find((a) => a.backend.name !== "cpu")?.backend ?? (args.length ? args[0].backend : getBackend());
  const inputs = args.map((a) => {
    if (a.backend === backend) return { buffer: a.buffer, aval: a.aval };
    if (a.backend.name !== "cpu") {
      throw new TypeError(`${prim.name}: inputs live on different devices (${backend.name} and ${a.backend.name}); move them with devicePut first.`);
    }
    return { buffer: backend.upload(a.backend.readSync(a.buffer, a.aval), a.aval), aval: a.aval, temp: true };
  });
  const bufs = backend.execute(prim.name, params, inputs, outAvals);
  for (const i of inputs) if ("temp" in i) backend.dispose(i.buffer);
  return bufs.map((b, i) => new ConcreteArray(backend, b, outAvals[i]));
}

function checkNans(name: string, outs: NDArray[]): void {
  for (const o of outs) {
    // Complex data is interleaved (re, im) floats, checked the same way.
    if (o.dtype !== "float32" && o.dtype !== "float64" && o.dtype !== "complex64" && o.dtype !== "complex128") continue;
    if ((o.dataSync() as Float32Array).some(Number.isNaN)) {
      throw new FloatingPointError(`${name}: produced NaN (${o.aval.str()}) with config debugNans on.`);
    }
  }
}

export const evalTrace: Trace = new EvalTrace(null);
let current: Trace = evalTrace;

export const currentTrace = (): Trace => current;

/** Runs `f` with `t` as the current trace, restoring the previous one even on error. */
export function withTrace<T>(t: Trace, f: () => T): T {
  const prev = current;
  current = t;
  try { return f(); } finally { current = prev; }
}

export function bindPrimitive(prim: Primitive<any>, args: NDArray[], params: Params): NDArray[] {
  for (const a of args) {
    if (a instanceof Tracer && !a._trace.alive) {
      throw new UnexpectedTracerError(
        `${prim.name}: got a tracer ${a.aval.str()} from ${a._trace}, which has finished. ` +
        `A value computed inside jit/grad/vmap escaped (stored in a variable or closure and used later); ` +
        `return it from the transformed function instead.`,
      );
    }
  }
  return current.processPrimitive(prim, args, params);
}
