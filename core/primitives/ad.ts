// Primitives that exist for differentiation: stop_gradient (identity with zero derivative).
import { definePrimitive, type Primitive, Zero } from "../primitive";
import { elementwiseBatch } from "./batching";

export const stopGradient: Primitive<{}> = definePrimitive<{}>("stop_gradient", {
  abstractEval: ([x]) => [x],
  jvp: ([x]) => { const [y] = stopGradient.bind([x], {}); return [[y], [new Zero(y.aval)]]; },
  batch: elementwiseBatch(() => stopGradient),
});

export const adPrims = { stop_gradient: stopGradient };
