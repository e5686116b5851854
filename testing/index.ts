// graft/testing: helpers for users' property tests (fast-check arbitraries).
export { shapes, broadcastableShapes, arrays, pytrees } from "./arbitraries";
export type { ShapeOptions, ArrayOptions, PytreeOptions, ArbitraryDType, GraftArray } from "./arbitraries";
export { checkGrads, type CheckGradsOpts } from "./check-grads";
