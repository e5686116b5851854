// graft: the public entry point (see ../shared/API.md).
import "./backends/cpu";
import "./backends/webgpu";
import * as np from "./core/numpy";
import * as coreLax from "./core/lax";
import * as control from "./transforms/control";
import * as nnFunctions from "./core/nn-functions";
import { tree } from "./core/tree";
import * as random from "./core/random";

/** jax.lax: primitive wrappers plus control flow. */
const lax = { ...coreLax, cond: control.cond, switch: control.switch_, whileLoop: control.whileLoop, foriLoop: control.foriLoop, scan: control.scan, map: control.map };
export { np, np as numpy, lax, nnFunctions, tree };
export { random };
export { NDArray, NDArray as Array, ConcreteArray, Tracer, isArray } from "./core/array";
export type { Axis, Operand, IndexEntry, NestedArray } from "./core/array";
export type { DType } from "./core/dtype";
export { ShapedArray } from "./core/aval";
export { config } from "./core/config";
export { devices, defaultDevice, init, memoryStats } from "./core/device";
export { tidy, devicePut } from "./core/memory";
export { makeJaxpr, evalShape, evalJaxpr, ShapeDtypeStruct } from "./core/tracing";
export { Jaxpr, ClosedJaxpr, checkJaxpr, JaxprTypeError } from "./core/jaxpr";
export { ShapeError, DTypeError, ConcretizationError, UnexpectedTracerError, UnsupportedOnBackendError, FloatingPointError } from "./core/errors";
export { jvp } from "./transforms/jvp";
export { vmap } from "./transforms/vmap";
export { linearize, vjp } from "./transforms/linearize";
export { grad, valueAndGrad, stopGradient } from "./transforms/grad";
export { jit } from "./transforms/jit";
export { jacfwd, jacrev, hessian } from "./transforms/jacobians";
export { customJvp, customVjp } from "./transforms/custom";
export { checkpoint } from "./transforms/checkpoint";
