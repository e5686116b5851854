// graft: the public entry point (see ../shared/API.md).
import "./backends/cpu";
import * as np from "./core/numpy";
import * as lax from "./core/lax";
import * as nnFunctions from "./core/nn-functions";
import { tree } from "./core/tree";

export { np, np as numpy, lax, nnFunctions, tree };
export { NDArray, NDArray as Array, ConcreteArray, Tracer, isArray } from "./core/array";
export type { Axis, Operand, IndexEntry, NestedArray } from "./core/array";
export type { DType } from "./core/dtype";
export { ShapedArray } from "./core/aval";
export { config } from "./core/config";
export { devices, defaultDevice, init } from "./core/device";
export { tidy, devicePut } from "./core/memory";
export { makeJaxpr, evalShape, evalJaxpr, ShapeDtypeStruct } from "./core/tracing";
export { Jaxpr, ClosedJaxpr, checkJaxpr, JaxprTypeError } from "./core/jaxpr";
export { ShapeError, DTypeError, ConcretizationError, UnexpectedTracerError, UnsupportedOnBackendError, FloatingPointError } from "./core/errors";
