// The primitive registry. A primitive is declared once, in its family file under
// core/primitives/, with its shape/dtype rule; transform rules live in the same entry and
// backend lowerings live in exhaustive tables keyed by the primitive's name.
import type { ShapedArray } from "./aval";
import type { ConcreteArray, NDArray } from "./array";
import { bindPrimitive } from "./trace";

export type Params = object;

export interface PrimitiveRules<P extends object> {
  /** Shape and dtype rule. Raises the user-facing errors, so eager, jit and vmap agree. */
  abstractEval(avals: ShapedArray[], params: P): ShapedArray[];
  /**
   * Evaluation on concrete arrays when the primitive is not one backend kernel (call and
   * control-flow primitives). Default: the backend's lowering of this primitive.
   */
  impl?(args: ConcreteArray[], params: P): NDArray[];
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
