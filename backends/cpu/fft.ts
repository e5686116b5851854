// CPU kernel for the fft primitive. Work happens in an interleaved float64 buffer (the output
// buffer itself for complex128), transformed axis by axis in place with cached plans
// (backends/cpu/fft-plan.ts); complex64 results are rounded once at the end. Real transforms
// of even length n run as one complex FFT of length n/2 plus an O(n) split step (the
// standard "pack two reals" identity): a real row read as n/2 interleaved complex numbers is
// exactly z_t = x_2t + i x_2t+1.
import type { ShapedArray } from "../../core/aval";
import type { TypedArray } from "../../core/dtype";
import type { FftParams } from "../../core/primitives";
import { prod } from "../../core/shape";
import { getPlan, sincos2pi } from "./fft-plan";
import { alloc, type Kernel } from "./util";

/** Unnormalised complex DFT along `axis` of `shape`, in place in interleaved `x`. */
function fftAxis(x: Float64Array, shape: readonly number[], axis: number, inverse: boolean): void {
  const n = shape[axis], outer = prod(shape.slice(0, axis)), inner = prod(shape.slice(axis + 1));
  if (n <= 1 || outer * inner === 0) return;
  const plan = getPlan(n);
  for (let o = 0; o < outer; o++) plan.exec(x, o * n * inner, inner, inverse);
}

/** Twiddles exp(-2 pi i k / n) for k <= n/2, interleaved, cached per n (the real-transform split step). */
const halfTwiddles = new Map<number, Float64Array>();
function rfftTwiddles(n: number): Float64Array {
  let t = halfTwiddles.get(n);
  if (!t) {
    const h = n / 2;
    t = new Float64Array(2 * (h + 1));
    for (let k = 0; k <= h; k++) { const [c, sn] = sincos2pi(k, n); t[2 * k] = c; t[2 * k + 1] = -sn; }
    if (halfTwiddles.size > 64) halfTwiddles.clear();
    halfTwiddles.set(n, t);
  }
  return t;
}

/** Real rows of length n to half spectra (n/2 + 1 complex per row), interleaved in `out`. */
function rfftRows(src: TypedArray, rows: number, n: number, out: Float64Array): void {
  const m = Math.floor(n / 2) + 1;
  if (n % 2 === 1 || n === 2) {
    const z = new Float64Array(2 * n), plan = getPlan(n);
    for (let r = 0; r < rows; r++) {
      z.fill(0);
      for (let t = 0; t < n; t++) z[2 * t] = src[r * n + t];
      plan.exec(z, 0, 1, false);
      out.set(z.subarray(0, 2 * m), 2 * r * m);
    }
    return;
  }
  // Z = FFT_h(z); E_k = (Z_k + conj Z_(h-k)) / 2, O_k = (Z_k - conj Z_(h-k)) / 2i;
  // X_k = E_k + w^k O_k with w = exp(-2 pi i / n).
  const h = n / 2, plan = getPlan(h), tw = rfftTwiddles(n);
  const z = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    z.set(src.subarray(r * n, r * n + n));
    plan.exec(z, 0, 1, false);
    const ob = 2 * r * m;
    // DC and Nyquist are exactly real: Re Z_0 +- Im Z_0.
    out[ob] = z[0] + z[1]; out[ob + 1] = 0;
    out[ob + 2 * h] = z[0] - z[1]; out[ob + 2 * h + 1] = 0;
    for (let k = 1; k < h; k++) {
      const a = 2 * k, b = 2 * (h - k);
      const pr = z[a], pi = z[a + 1], qr = z[b], qi = -z[b + 1];
      const er = 0.5 * (pr + qr), ei = 0.5 * (pi + qi);
      // (P - Q) / 2i = ((pi - qi) / 2, -(pr - qr) / 2)
      const or = 0.5 * (pi - qi), oi = -0.5 * (pr - qr);
      const wr = tw[a], wi = tw[a + 1];
      out[ob + a] = er + wr * or - wi * oi;
      out[ob + a + 1] = ei + wr * oi + wi * or;
    }
  }
}

/**
 * Half spectra (interleaved, n/2 + 1 complex per row) to real rows of length n, times
 * `scale` (the transform is unnormalised: n times the inverse). The imaginary parts of the
 * DC and (even n) Nyquist terms are ignored.
 */
function irfftRows(x: Float64Array, rows: number, n: number, out: TypedArray, scale: number): void {
  const m = Math.floor(n / 2) + 1;
  if (n % 2 === 1 || n === 2) {
    const z = new Float64Array(2 * n), plan = getPlan(n);
    for (let r = 0; r < rows; r++) {
      const b = 2 * r * m;
      z[0] = x[b]; z[1] = 0;
      for (let k = 1; k < m; k++) {
        z[2 * k] = x[b + 2 * k]; z[2 * k + 1] = x[b + 2 * k + 1];
        if (n - k !== k) { z[2 * (n - k)] = x[b + 2 * k]; z[2 * (n - k) + 1] = -x[b + 2 * k + 1]; }
        else z[2 * k + 1] = 0;
      }
      plan.exec(z, 0, 1, true);
      for (let t = 0; t < n; t++) out[r * n + t] = z[2 * t] * scale;
    }
    return;
  }
  // Invert the split step: E_k = X_k + conj X_(h-k), O_k = (X_k - conj X_(h-k)) conj(w^k),
  // Z_k = E_k + i O_k; IDFT_h(Z) (unnormalised: 2h = n times the true inverse) read as
  // interleaved complex is the real row.
  const h = n / 2, plan = getPlan(h), tw = rfftTwiddles(n);
  const z = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const b = 2 * r * m;
    for (let k = 0; k < h; k++) {
      const pr = x[b + 2 * k], pi = k === 0 ? 0 : x[b + 2 * k + 1];
      const qr = x[b + 2 * (h - k)], qi = k === 0 ? 0 : -x[b + 2 * (h - k) + 1];
      const er = pr + qr, ei = pi + qi, dr = pr - qr, di = pi - qi;
      const wr = tw[2 * k], wi = -tw[2 * k + 1];
      const or = dr * wr - di * wi, oi = dr * wi + di * wr;
      z[2 * k] = er - oi; z[2 * k + 1] = ei + or;
    }
    plan.exec(z, 0, 1, true);
    const ob = r * n;
    for (let t = 0; t < n; t++) out[ob + t] = z[t] * scale;
  }
}

/** An interleaved float64 buffer to work in: the output itself when it is complex128. */
const workFor = (out: TypedArray, aval: ShapedArray): Float64Array =>
  aval.dtype === "complex128" ? (out as Float64Array) : new Float64Array(2 * aval.size);

/** Copies (rounding for complex64) and scales the work buffer into the output. */
function finish(work: Float64Array, out: TypedArray, scale: number): TypedArray {
  if (work === out) { if (scale !== 1) for (let i = 0; i < work.length; i++) work[i] *= scale; }
  else if (scale === 1) out.set(work);
  else for (let i = 0; i < work.length; i++) out[i] = work[i] * scale;
  return out;
}

export const fftKernel: Kernel<FftParams> = ([x], { fftType, fftLengths }, [outAval]) => {
  const k = fftLengths.length, total = prod(fftLengths);
  const inShape = x.aval.shape, rank = inShape.length;
  const axes = Array.from({ length: k }, (_, i) => rank - k + i);
  const out = alloc(outAval);
  if (fftType === "FFT" || fftType === "IFFT") {
    const inverse = fftType === "IFFT";
    const work = workFor(out, outAval);
    work.set(x.data);
    for (let a = k - 1; a >= 0; a--) fftAxis(work, inShape, axes[a], inverse);
    return [finish(work, out, inverse ? 1 / total : 1)];
  }
  const n = fftLengths[k - 1];
  if (fftType === "RFFT") {
    const work = workFor(out, outAval);
    rfftRows(x.data, n === 0 ? 0 : x.aval.size / n, n, work);
    for (let a = k - 2; a >= 0; a--) fftAxis(work, outAval.shape, axes[a], false);
    return [finish(work, out, 1)];
  }
  // IRFFT: inverse complex transforms over the leading fft axes, then the real one.
  let work = x.data as Float64Array;
  if (k > 1 || !(x.data instanceof Float64Array)) {
    work = new Float64Array(2 * x.aval.size);
    work.set(x.data);
    for (let a = k - 2; a >= 0; a--) fftAxis(work, inShape, axes[a], true);
  }
  irfftRows(work, outAval.size / n, n, out, 1 / total);
  return [out];
};
