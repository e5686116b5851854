// np.fft: NumPy's discrete Fourier transforms on the `fft` primitive (lax.fft), following
// jax.numpy.fft (`_fft_core`): the transformed axes are moved last, cropped or zero-padded
// to the requested lengths `n`/`s`, transformed, scaled for `norm`, and moved back. Any
// length works (mixed radix 2/3/4/5, generic small primes, Bluestein for large primes) in
// O(n log n); everything is differentiable (grad, jvp, vmap, jit) with JAX's conventions.
// Results are complex64 for float32 input and complex128 for float64 (as JAX; NumPy 1.x
// always returns complex128).
import type { NDArray, Operand } from "../array";
import { defaultFloat } from "../config";
import { complexDType, type DType, isComplex } from "../dtype";
import { DTypeError, msg, normalizeAxis, ShapeError } from "../errors";
import { prims } from "../primitives";
import type { FftType } from "../primitives";
import { array } from "./creation";
import { moveaxis, roll } from "./shapes";
import { asArray, astype, scalarArray, toFloat } from "./util";

/** Scaling: "backward" (default: 1/n on the inverse), "ortho" (1/sqrt(n) both ways), "forward" (1/n on the forward). */
export type FftNorm = "backward" | "ortho" | "forward";

function checkNorm(op: string, norm: FftNorm | null | undefined): FftNorm {
  const v = norm ?? "backward";
  if (v !== "backward" && v !== "ortho" && v !== "forward") {
    throw new TypeError(msg(op, 'norm must be "backward", "ortho" or "forward"', JSON.stringify(norm)));
  }
  return v;
}

/** The factor JAX's `_fft_norm` applies on top of lax.fft (whose inverse already has 1/n). */
function normFactor(inverse: boolean, norm: FftNorm, total: number): number {
  if (norm === "backward") return 1;
  if (norm === "ortho") return inverse ? Math.sqrt(total) : 1 / Math.sqrt(total);
  return inverse ? total : 1 / total;
}

/** Operand in the dtype the transform needs: complex for FFT/IFFT/IRFFT, real for RFFT. */
function prepare(op: string, fftType: FftType, a: NDArray): NDArray {
  if (fftType === "RFFT") {
    if (isComplex(a.dtype)) throw new DTypeError(msg(op, "requires a real input", a.aval.str(), "Use np.fft.fft for complex input, or take np.real first."));
    const f = toFloat(a);
    return f.dtype === "float16" ? astype(f, "float32") : f;
  }
  if (isComplex(a.dtype)) return a;
  const f = toFloat(a);
  return astype(f, complexDType(f.dtype === "float16" ? "float32" : f.dtype));
}

/** Crops or zero-pads `x` so that dim `axis` has `size`. */
function fitAxis(x: NDArray, axis: number, size: number): NDArray {
  const n = x.shape[axis];
  if (n === size) return x;
  if (n > size) {
    return prims.slice.bind1([x], { startIndices: x.shape.map(() => 0), limitIndices: x.shape.map((d, i) => (i === axis ? size : d)), strides: null });
  }
  const config = x.shape.map((_, i) => (i === axis ? [0, size - n, 0] as const : [0, 0, 0] as const));
  return prims.pad.bind1([x, scalarArray(0, x.dtype, false)], { config });
}

/** jax.numpy.fft's `_fft_core`. */
function fftCore(op: string, fftType: FftType, x: Operand, s: readonly number[] | null | undefined,
                 axes: readonly number[] | null | undefined, norm: FftNorm | null | undefined): NDArray {
  const nm = checkNorm(op, norm);
  let arr = prepare(op, fftType, asArray(x));
  if (s) {
    for (const v of s) if (!Number.isInteger(v) || v < 1) throw new ShapeError(msg(op, "transform lengths must be positive integers", `[${s.join(",")}]`));
  }
  if (s && axes && s.length !== axes.length) throw new ShapeError(msg(op, "s and axes must have the same length", `s [${s.join(",")}] and axes [${axes.join(",")}]`));
  const origAxes = axes ? axes.map((a) => normalizeAxis(op, a, arr.ndim)) : null;
  if (origAxes && new Set(origAxes).size !== origAxes.length) throw new RangeError(msg(op, "axes must not repeat", `[${axes!.join(",")}]`));
  const k = origAxes ? origAxes.length : s ? s.length : arr.ndim;
  if (k > arr.ndim) throw new ShapeError(msg(op, `s has more entries than the input has axes`, `s [${s!.join(",")}] for ${arr.aval.str()}`));
  if (k === 0) return arr;
  const tail = Array.from({ length: k }, (_, i) => arr.ndim - k + i);
  if (origAxes) arr = moveaxis(arr, origAxes, tail);
  let lengths: number[];
  if (s) {
    lengths = [...s];
    tail.forEach((ax, i) => { arr = fitAxis(arr, ax, fftType === "IRFFT" && i === k - 1 ? Math.floor(s[i] / 2) + 1 : s[i]); });
  } else {
    lengths = tail.map((ax) => arr.shape[ax]);
    if (fftType === "IRFFT") lengths[k - 1] = 2 * (arr.shape[tail[k - 1]] - 1);
  }
  if (lengths.some((n) => n < 1)) {
    throw new ShapeError(msg(op, "every transformed axis needs a positive length", `lengths [${lengths.join(",")}] for ${arr.aval.str()}`, "Pass n (or s) explicitly."));
  }
  let out = prims.fft.bind1([arr], { fftType, fftLengths: lengths });
  const factor = normFactor(fftType === "IFFT" || fftType === "IRFFT", nm, lengths.reduce((p, n) => p * n, 1));
  if (factor !== 1) out = prims.mul.bind1([out, scalarArray(factor, out.dtype, true)], {});
  return origAxes ? moveaxis(out, tail, origAxes) : out;
}

const one = (n: number | null | undefined): number[] | null => (n === null || n === undefined ? null : [n]);

/**
 * 1-d discrete Fourier transform along `axis`, cropped or zero-padded to length `n`.
 * @example np.fft.fft(np.array([1, 2, 3, 4])) // [10.+0.j -2.+2.j -2.+0.j -2.-2.j]
 */
export const fft = (a: Operand, n?: number | null, axis = -1, norm?: FftNorm | null): NDArray => fftCore("fft", "FFT", a, one(n), [axis], norm);
/**
 * 1-d inverse DFT along `axis` (1/n scaling by default).
 * @example np.fft.ifft(np.fft.fft(x)) // x, as complex
 */
export const ifft = (a: Operand, n?: number | null, axis = -1, norm?: FftNorm | null): NDArray => fftCore("ifft", "IFFT", a, one(n), [axis], norm);
/**
 * DFT of real input: the n/2 + 1 non-negative frequency terms along `axis`.
 * @example np.fft.rfft(np.array([1, 2, 3, 4])) // [10.+0.j -2.+2.j -2.+0.j]
 */
export const rfft = (a: Operand, n?: number | null, axis = -1, norm?: FftNorm | null): NDArray => fftCore("rfft", "RFFT", a, one(n), [axis], norm);
/**
 * Inverse of rfft: real output of length `n` (default 2 (m - 1) for m input terms).
 * @example np.fft.irfft(np.fft.rfft(x), x.shape[0]) // x
 */
export const irfft = (a: Operand, n?: number | null, axis = -1, norm?: FftNorm | null): NDArray => fftCore("irfft", "IRFFT", a, one(n), [axis], norm);

/**
 * n-d DFT over `axes` (default: all axes, or the last s.length), with lengths `s`.
 * @example np.fft.fftn(x, null, [0, 2])
 */
export const fftn = (a: Operand, s?: readonly number[] | null, axes?: readonly number[] | null, norm?: FftNorm | null): NDArray => fftCore("fftn", "FFT", a, s, axes, norm);
/** n-d inverse DFT. @example np.fft.ifftn(np.fft.fftn(x)) */
export const ifftn = (a: Operand, s?: readonly number[] | null, axes?: readonly number[] | null, norm?: FftNorm | null): NDArray => fftCore("ifftn", "IFFT", a, s, axes, norm);
/** n-d DFT of real input (real transform on the last axis). @example np.fft.rfftn(np.ones([4, 4, 4])) */
export const rfftn = (a: Operand, s?: readonly number[] | null, axes?: readonly number[] | null, norm?: FftNorm | null): NDArray => fftCore("rfftn", "RFFT", a, s, axes, norm);
/** Inverse of rfftn; pass `s` to recover odd lengths. @example np.fft.irfftn(np.fft.rfftn(x), x.shape) */
export const irfftn = (a: Operand, s?: readonly number[] | null, axes?: readonly number[] | null, norm?: FftNorm | null): NDArray => fftCore("irfftn", "IRFFT", a, s, axes, norm);

/** 2-d DFT over `axes` (default the last two). @example np.fft.fft2(image) */
export const fft2 = (a: Operand, s?: readonly number[] | null, axes: readonly number[] = [-2, -1], norm?: FftNorm | null): NDArray => fftCore("fft2", "FFT", a, s, axes, norm);
/** 2-d inverse DFT. @example np.fft.ifft2(np.fft.fft2(image)) */
export const ifft2 = (a: Operand, s?: readonly number[] | null, axes: readonly number[] = [-2, -1], norm?: FftNorm | null): NDArray => fftCore("ifft2", "IFFT", a, s, axes, norm);
/** 2-d DFT of real input. @example np.fft.rfft2(image) */
export const rfft2 = (a: Operand, s?: readonly number[] | null, axes: readonly number[] = [-2, -1], norm?: FftNorm | null): NDArray => fftCore("rfft2", "RFFT", a, s, axes, norm);
/** Inverse of rfft2. @example np.fft.irfft2(np.fft.rfft2(image), image.shape) */
export const irfft2 = (a: Operand, s?: readonly number[] | null, axes: readonly number[] = [-2, -1], norm?: FftNorm | null): NDArray => fftCore("irfft2", "IRFFT", a, s, axes, norm);

function freqDType(op: string, dtype: DType | undefined): DType {
  const d = dtype ?? defaultFloat();
  if (d !== "float32" && d !== "float64") throw new DTypeError(msg(op, "dtype must be float32 or float64", d));
  return d;
}

/**
 * Sample frequencies of an n-point DFT with sample spacing d: [0, 1, ..., -(n/2), ..., -1] / (d n).
 * @example np.fft.fftfreq(4) // [ 0.    0.25 -0.5  -0.25]
 */
export function fftfreq(n: number, d = 1.0, opts: { dtype?: DType } = {}): NDArray {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(msg("fftfreq", "n must be a positive integer", String(n)));
  const half = Math.floor((n - 1) / 2) + 1;
  return array(Float64Array.from({ length: n }, (_, i) => (i < half ? i : i - n) / (d * n)), { dtype: freqDType("fftfreq", opts.dtype) });
}

/**
 * Non-negative sample frequencies of an n-point real DFT: [0, 1, ..., n/2] / (d n).
 * @example np.fft.rfftfreq(5) // [0.  0.2 0.4]
 */
export function rfftfreq(n: number, d = 1.0, opts: { dtype?: DType } = {}): NDArray {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(msg("rfftfreq", "n must be a positive integer", String(n)));
  return array(Float64Array.from({ length: Math.floor(n / 2) + 1 }, (_, i) => i / (d * n)), { dtype: freqDType("rfftfreq", opts.dtype) });
}

function shiftAll(op: string, x: Operand, axes: number | readonly number[] | null | undefined, sign: 1 | -1): NDArray {
  const a = asArray(x);
  const list = axes === null || axes === undefined ? [...Array(a.ndim).keys()] : typeof axes === "number" ? [axes] : [...axes];
  const norm = list.map((ax) => normalizeAxis(op, ax, a.ndim));
  if (norm.length === 0) return a;
  return roll(a, norm.map((ax) => sign * Math.floor(a.shape[ax] / 2)), norm);
}

/**
 * Moves the zero-frequency term to the centre (rolls each axis by n/2; default all axes).
 * @example np.fft.fftshift(np.fft.fftfreq(5)) // [-0.4 -0.2  0.   0.2  0.4]
 */
export const fftshift = (x: Operand, axes?: number | readonly number[] | null): NDArray => shiftAll("fftshift", x, axes, 1);
/**
 * Inverse of fftshift (they differ for odd lengths).
 * @example np.fft.ifftshift(np.fft.fftshift(x)) // x
 */
export const ifftshift = (x: Operand, axes?: number | readonly number[] | null): NDArray => shiftAll("ifftshift", x, axes, -1);
