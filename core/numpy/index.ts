// The `np` namespace (also exported as `numpy`): NumPy's API over graft arrays.
import { installNumpy } from "../array";
import * as creation from "./creation";
import * as elementwise from "./elementwise";
import * as reductions from "./reductions";
import * as shapes from "./shapes";
import * as indexing from "./indexing";
import * as products from "./products";
import * as search from "./search";
import * as complexFns from "./complex";

export * from "./creation";
export * from "./elementwise";
export * from "./reductions";
export * from "./shapes";
export * from "./indexing";
export * from "./products";
export * from "./search";
export * from "./complex";
/** np.fft: discrete Fourier transforms (see core/numpy/fft.ts). */
export * as fft from "./fft";
/** np.linalg: linear algebra, batched over leading axes (see core/numpy/linalg.ts). */
export * as linalg from "./linalg";
// The one-argument form of where is nonzero (search.ts); it shadows elementwise's where.
export { where } from "./search";
export { astypeFn as astype } from "./elementwise";

export const float32 = "float32" as const;
export const float64 = "float64" as const;
export const float16 = "float16" as const;
export const int32 = "int32" as const;
export const uint32 = "uint32" as const;
export const bool = "bool" as const;
export const complex64 = "complex64" as const;
export const complex128 = "complex128" as const;
export const pi = Math.PI;
export const e = Math.E;
export const inf = Infinity;
export const nan = NaN;
export { promoteTypes, resultType } from "../dtype";

// Array methods forward to these functions (a plain object: works the same in ESM and CJS).
installNumpy({ ...creation, ...elementwise, ...reductions, ...shapes, ...indexing, ...products, ...search, ...complexFns, astype: elementwise.astypeFn } as never);
