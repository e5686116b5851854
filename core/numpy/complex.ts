// np functions for complex numbers: real, imag, conj/conjugate, angle, iscomplexobj.
// Arithmetic, abs, exp/log/sqrt, sums and products of complex arrays are the ordinary np
// functions (promotion: float32 with complex64 gives complex64; float64 with complex64 gives
// complex128, as JAX). Complex arrays print like NumPy (`[1.+2.j 3.-1.j]`), `x.js()` gives
// nested `{ re, im }` objects, and `x.dataSync()` the interleaved (re, im) storage.
import type { NDArray, Operand } from "../array";
import { isComplex } from "../dtype";
import { prims } from "../primitives";
import { asArray, broadcastAll, scalarArray, toFloat } from "./util";

/**
 * The real part; real arrays are returned as they are.
 * @example np.real(lax.complex(np.array([1, 2]), np.array([3, 4]))) // [1. 2.]
 */
export function real(x: Operand): NDArray {
  const a = asArray(x);
  return isComplex(a.dtype) ? prims.real.bind1([a], {}) : a;
}

/**
 * The imaginary part; zeros for real arrays.
 * @example np.imag(np.array([{ re: 1, im: 3 }])) // [3.]
 */
export function imag(x: Operand): NDArray {
  const a = asArray(x);
  if (isComplex(a.dtype)) return prims.imag.bind1([a], {});
  return broadcastAll("imag", [scalarArray(0, a.dtype, a.weakType), a], true)[0];
}

/**
 * The complex conjugate; real arrays are returned as they are.
 * @example np.conj(np.array([{ re: 1, im: 2 }])) // [1.-2.j]
 */
export function conj(x: Operand): NDArray {
  const a = asArray(x);
  return isComplex(a.dtype) ? prims.conj.bind1([a], {}) : a;
}
/** Alias of `conj`. @example np.conjugate(z) */
export const conjugate = conj;

/**
 * The argument (phase) of complex values, in (-pi, pi]; in degrees with `deg`.
 * @example np.angle(np.array([{ re: 0, im: 1 }])) // [1.5707964]
 */
export function angle(x: Operand, deg = false): NDArray {
  let a = asArray(x);
  if (!isComplex(a.dtype)) a = toFloat(a);
  const re = real(a), im = imag(a);
  const out = prims.atan2.bind1([im, re], {});
  return deg ? prims.mul.bind1([out, scalarArray(180 / Math.PI, out.dtype, true)], {}) : out;
}

/** Whether an array has a complex dtype. @example np.iscomplexobj(z) // true */
export const iscomplexobj = (x: Operand): boolean => isComplex(asArray(x).dtype);
/** Whether an array has a non-complex dtype. @example np.isrealobj(x) // true */
export const isrealobj = (x: Operand): boolean => !isComplex(asArray(x).dtype);
