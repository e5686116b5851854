// The primitive registry. A primitive is declared once, in its family file under
// core/primitives/, with its shape/dtype rule; transform rules live in the same entry and
// backend lowerings live in exhaustive tables keyed by the primitive's name.
import type { ShapedArray } from "./aval";
import type { ConcreteArray, NDArray } from "./array";
import { bindPrimitive } from "./trace";

export type Params = object;

/** A symbolic zero tangent/cotangent (never materialised unless a rule needs it). */
export class Zero {
  constructor(readonly aval: ShapedArray) {}
}
export type Tangent = NDArray | Zero;
/** Marks the linear inputs of an equation being transposed (their value is unknown). */
export class UndefinedPrimal {
  constructor(readonly aval: ShapedArray) {}
}
/** jvp: primal outputs and tangent outputs; tangents may be Zero (all-Zero calls are skipped). */
export type JvpRule<P> = (primals: NDArray[], tangents: Tangent[], params: P) => [NDArray[], Tangent[]];
/** transpose: cotangents for the UndefinedPrimal inputs (null for the others). */
export type TransposeRule<P> = (cts: Tangent[], args: (NDArray | UndefinedPrimal)[], params: P) => (Tangent | null)[];
/** batch: `dims[i]` is the batched axis of args[i] (null: unbatched); returns outputs and their batched axes. */
export type BatchRule<P> = (args: NDArray[], dims: (number | null)[], params: P, axisSize: number) => [NDArray[], (number | null)[]];

export interface PrimitiveRules<P extends object> {
  /** Shape and dtype rule. Raises the user-facing errors, so eager, jit and vmap agree. */
  abstractEval(avals: ShapedArray[], params: P): ShapedArray[];
  /**
   * Evaluation on concrete arrays when the primitive is not one backend kernel (call and
   * control-flow primitives). Default: the backend's lowering of this primitive.
   */
  impl?(args: ConcreteArray[], params: P): NDArray[];
  /** Forward-mode rule (JAX: ad.primitive_jvps). */
  jvp?: JvpRule<P>;
  /** For primitives linear in some inputs (JAX: ad.primitive_transposes). */
  transpose?: TransposeRule<P>;
  /** vmap rule (JAX: batching.primitive_batchers). */
  batch?: BatchRule<P>;
  /** How a partially-evaluating trace handles the primitive when some inputs are known
   * (call primitives inline their body so known work runs now). Default: record it. */
  partialEval?(trace: import("./tracing").JaxprTrace, args: NDArray[], params: P): NDArray[];
}

export class Primitive<P extends object = Params> {
  constructor(readonly name: string, readonly rules: PrimitiveRules<P>) {}
  /** Applies the primitive under the current trace. */
  bind(args: NDArray[], params: P): NDArray[] { return bindPrimitive(this, args, params); }
  bind1(args: NDArray[], params: P): NDArray { return bindPrimitive(this, args, params)[0]; }
  toString(): string { return this.name; }
}

const registry = new Map<string, Primitive<any>>();

export function definePrimitive<P extends object = {}>(name: string, rules: PrimitiveRules<P>): Primitive<P> {
  if (registry.has(name)) throw new Error(`definePrimitive: ${name} is already defined`);
  const p = new Primitive<P>(name, rules);
  registry.set(name, p);
  return p;
}

export const lookupPrimitive = (name: string): Primitive<any> | undefined => registry.get(name);
export const allPrimitives = (): Primitive<any>[] => [...registry.values()];
