// The fft primitive, as lax.fft: a discrete Fourier transform over the trailing
// `fftLengths.length` axes. FFT/IFFT map complex to complex (IFFT includes the 1/n factor),
// RFFT maps real to the non-negative half spectrum (last axis n -> n/2 + 1), IRFFT maps a
// half spectrum back to real (the imaginary parts of the DC and Nyquist terms are ignored).
// Rules follow jax/_src/lax/fft.py: linear, so its jvp applies it to the tangent; the DFT
// matrix is symmetric, so FFT and IFFT are their own transposes (JAX's convention pairs
// cotangent and tangent without conjugation, see core/primitives/complex.ts); RFFT and IRFFT
// transpose through the full complex FFT.
import { ConcreteArray, type NDArray } from "../array";
import { ShapedArray } from "../aval";
import { getBackend } from "../device";
import { allocate, complexDType, type DType, isComplex, realDType } from "../dtype";
import { DTypeError, msg, ShapeError } from "../errors";
import { definePrimitive, type Primitive, UndefinedPrimal, Zero } from "../primitive";
import { scalarArray } from "../numpy/util";
import { moveAxis } from "./batching";
import { prims } from "./index";
import * as o from "./ops";

export type FftType = "FFT" | "IFFT" | "RFFT" | "IRFFT";
export interface FftParams { fftType: FftType; fftLengths: readonly number[] }

const FFT_TYPES: readonly FftType[] = ["FFT", "IFFT", "RFFT", "IRFFT"];
const dims = (ls: readonly number[]) => `[${ls.join(",")}]`;

function fftAbstractEval([x]: ShapedArray[], { fftType, fftLengths }: FftParams): ShapedArray[] {
  if (!FFT_TYPES.includes(fftType)) throw new TypeError(msg("fft", `fftType must be one of ${FFT_TYPES.join(", ")}`, JSON.stringify(fftType)));
  const k = fftLengths.length;
  if (k < 1 || k > x.ndim) {
    throw new ShapeError(msg("fft", "fftLengths must name at least one and at most all axes of the operand (the trailing ones)", `fftLengths ${dims(fftLengths)} for ${x.str()}`));
  }
  if (fftLengths.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new ShapeError(msg("fft", "fft lengths must be positive integers", dims(fftLengths)));
  }
  const lead = x.shape.slice(0, x.ndim - k), tail = x.shape.slice(x.ndim - k);
  const last = fftLengths[k - 1];
  const expected = fftType === "IRFFT" ? [...fftLengths.slice(0, -1), Math.floor(last / 2) + 1] : fftLengths;
  if (tail.some((d, i) => d !== expected[i])) {
    throw new ShapeError(msg("fft", `${fftType} with fftLengths ${dims(fftLengths)} needs trailing dims ${dims(expected)}`, x.str()));
  }
  if (fftType === "RFFT") {
    if (x.dtype !== "float32" && x.dtype !== "float64") throw new DTypeError(msg("fft", "RFFT requires a float32 or float64 operand", x.str()));
    return [new ShapedArray([...lead, ...fftLengths.slice(0, -1), Math.floor(last / 2) + 1], complexDType(x.dtype))];
  }
  if (!isComplex(x.dtype)) throw new DTypeError(msg("fft", `${fftType} requires a complex operand`, x.str(), "Cast with .astype(\"complex64\") or use RFFT."));
  if (fftType === "IRFFT") return [new ShapedArray([...lead, ...fftLengths], realDType(x.dtype))];
  return [x.strong()];
}

const bind = (x: NDArray, fftType: FftType, fftLengths: readonly number[]): NDArray => fftP.bind1([x], { fftType, fftLengths });

/**
 * Transpose of RFFT: rfft(x) = slice(FFT(complex(x))), so its transpose is
 * real(FFT(zero-pad(ct))) with the same lengths (O(n log n); JAX transposes the same naive
 * formulation with linear_transpose).
 */
function rfftTranspose(ct: NDArray, fftLengths: readonly number[]): NDArray {
  const last = ct.ndim - 1, n = fftLengths[fftLengths.length - 1];
  const config = ct.aval.shape.map((_, i) => (i === last ? [0, n - ct.aval.shape[last], 0] as const : [0, 0, 0] as const));
  const padded = prims.pad.bind1([ct, scalarArray(0, ct.dtype, false)], { config });
  return prims.real.bind1([bind(padded, "FFT", fftLengths)], {});
}

/**
 * Transpose of IRFFT: conj(mask * RFFT(ct)) / prod(fftLengths), where the mask is 2 on the
 * half-spectrum entries that stand for a conjugate pair (1 on DC and, for even n, Nyquist).
 */
function irfftTranspose(ct: NDArray, fftLengths: readonly number[]): NDArray {
  const x = bind(ct, "RFFT", fftLengths);
  const m = x.aval.shape[x.ndim - 1], n = fftLengths[fftLengths.length - 1];
  const total = fftLengths.reduce((a, b) => a * b, 1);
  const w = new Float64Array(m).fill(2 / total);
  w[0] = 1 / total;
  if (n % 2 === 0) w[m - 1] = 1 / total;
  const mask = o.broadcastInDim(weights(w, realDType(x.dtype)), x.aval.shape, [x.ndim - 1]);
  return prims.conj.bind1([o.mul(x, o.convert(mask, x.dtype))], {});
}

/** A 1-d constant (concrete under every trace). */
function weights(w: Float64Array, dtype: DType): NDArray {
  const aval = new ShapedArray([w.length], dtype);
  const data = allocate("fft", dtype, w.length);
  data.set(w);
  const b = getBackend();
  return new ConcreteArray(b, b.upload(data, aval), aval);
}

export const fftP: Primitive<FftParams> = definePrimitive<FftParams>("fft", {
  abstractEval: fftAbstractEval,
  jvp: ([x], [t], params) => [[fftP.bind1([x], params)], [fftP.bind1([t as NDArray], params)]],
  transpose: ([ct], [x], { fftType, fftLengths }) => {
    const aval = (x as UndefinedPrimal).aval;
    if (ct instanceof Zero) return [new Zero(aval)];
    if (fftType === "RFFT") return [rfftTranspose(ct, fftLengths)];
    if (fftType === "IRFFT") return [irfftTranspose(ct, fftLengths)];
    return [bind(ct, fftType, fftLengths)];
  },
  // The transform acts on trailing axes: move the batch axis to the front.
  batch: ([x], [d], params) => [[fftP.bind1([moveAxis(x, d!, 0)], params)], [0]],
});

export const fftPrims = { fft: fftP };
