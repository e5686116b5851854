// lax wrappers for complex numbers and the FFT: lax.complex/real/imag/conj and lax.fft
// (jax.lax.complex, jax.lax.real, ..., jax.lax.fft). Like the rest of lax they do not
// broadcast beyond rank-0 scalars; lax.fft promotes real input to complex as JAX does.
import type { NDArray, Operand } from "./array";
import { complexDType, isComplex } from "./dtype";
import { DTypeError, msg } from "./errors";
import { prims } from "./primitives";
import type { FftType } from "./primitives";
import { asArray, astype, promote, toFloat } from "./numpy/util";

/**
 * re + i im from two real arrays (equal shapes or scalars); float32 parts give complex64,
 * float64 parts complex128.
 * @example lax.complex(np.array([1, 2]), np.array([0.5, -1])) // [1.+0.5j 2.-1.j]
 */
export const complex = (re: Operand, im: Operand): NDArray => prims.complex.bind1(promote([re, im]).map(toFloat), {});
/** The real part of a complex array. @example lax.real(z) */
export const real = (x: NDArray): NDArray => prims.real.bind1([x], {});
/** The imaginary part of a complex array. @example lax.imag(z) */
export const imag = (x: NDArray): NDArray => prims.imag.bind1([x], {});
/** The complex conjugate (real arrays are returned as they are). @example lax.conj(z) */
export const conj = (x: NDArray): NDArray => (isComplex(x.dtype) ? prims.conj.bind1([x], {}) : x);

/**
 * DFT over the trailing `fftLengths.length` axes: "FFT" and "IFFT" (complex to complex, the
 * inverse scaled by 1/n), "RFFT" (real to the n/2 + 1 non-negative frequencies), "IRFFT"
 * (back to real; trailing input dims fftLengths[:-1] + [n/2 + 1]).
 * @example lax.fft(x, "FFT", [x.shape[x.ndim - 1]])
 */
export function fft(x: Operand, fftType: FftType, fftLengths: readonly number[]): NDArray {
  let a = toFloat(asArray(x));
  if (fftType === "RFFT") {
    if (isComplex(a.dtype)) throw new DTypeError(msg("fft", "RFFT requires real input", a.aval.str()));
  } else if (!isComplex(a.dtype)) a = astype(a, complexDType(a.dtype));
  if (fftLengths.length === 0) return a;
  return prims.fft.bind1([a], { fftType, fftLengths: [...fftLengths] });
}
