// FFTs the single-workgroup kernel (kernels/fft.ts) cannot take: lengths that are not powers
// of two, and blocks over 2048 points. They are composed on the GPU from that kernel and
// index/elementwise ops, one axis at a time (a multi-axis DFT is the 1-D DFTs along each
// axis, in any order):
// - power of two n = n1·n2 > 2048 (four-step): X[k1 + n1·k2] =
//   Σ_j2 W_n2^(j2·k2) · W_n^(j2·k1) · Σ_j1 W_n1^(j1·k1) · x[j1·n2 + j2],
//   i.e. n2 transforms of length n1, a twiddle multiply, n1 transforms of length n2;
// - any other n (Bluestein): jk = (j² + k² − (k−j)²) / 2 turns the DFT into a convolution,
//   X[k] = c[k] · Σ_j (x[j]·c[j]) · b[k−j] with c[j] = e^(s·iπ j²/n), b[m] = e^(−s·iπ m²/n),
//   done circularly with power-of-two FFTs of length M ≥ 2n − 1.
// Chirps, twiddles and the filter's spectrum are computed on the host in float64 (j² mod 2n
// in exact integers, the spectrum with the CPU's complex128 FFT) and cached on the device.
// RFFT is the complex transform of (x, 0) cut to the half spectrum; IRFFT rebuilds the
// Hermitian spectrum, X[n−k] = conj X[k], and keeps the real part of the inverse — the real
// part ignores the imaginary parts of the DC and Nyquist terms, as the CPU kernel does.
import { ShapedArray } from "../../core/aval";
import { prims, type FftParams } from "../../core/primitives";
import type { Params } from "../../core/primitive";
import type { Buffer } from "../backend";
import { cpuBackend } from "../cpu";
import type { GpuBuffer, WebGpuBackend } from "./backend";
import { FFT_MAX_BLOCK } from "./kernels/fft";

interface Val { buffer: Buffer; aval: ShapedArray }
const isPow2 = (n: number) => (n & (n - 1)) === 0;

/** Primitive applications on device buffers; intermediates are released as soon as they are used. */
class Ops {
  private temps: Val[] = [];
  constructor(readonly gpu: WebGpuBackend) {}
  apply(name: keyof typeof prims, params: Params, xs: Val[]): Val {
    const aval = (prims[name].rules.abstractEval as (a: ShapedArray[], p: Params) => ShapedArray[])(xs.map((x) => x.aval), params)[0];
    const v = { buffer: this.gpu.execute(name, params, xs, [aval])[0], aval };
    this.temps.push(v);
    return v;
  }
  /** Releases every intermediate except `keep`. */
  done(keep: Val): Buffer {
    for (const t of this.temps) if (t !== keep) this.gpu.release(t.buffer as GpuBuffer);
    return keep.buffer;
  }
  transpose(x: Val, permutation: number[]): Val { return this.apply("transpose", { permutation }, [x]); }
  reshape(x: Val, newSizes: readonly number[]): Val { return this.apply("reshape", { newSizes }, [x]); }
  /** x · c, with c (a constant of x's trailing shape) broadcast over x's leading axes. */
  scale(x: Val, c: Val): Val {
    const r = x.aval.ndim, k = c.aval.ndim;
    if (r === k) return this.apply("mul", {}, [x, c]);
    const b = this.apply("broadcast_in_dim", { shape: x.aval.shape, broadcastDimensions: [...Array(k).keys()].map((i) => r - k + i) }, [c]);
    return this.apply("mul", {}, [x, b]);
  }
  slice(x: Val, axis: number, start: number, stop: number): Val {
    const s = x.aval.shape;
    return this.apply("slice", { startIndices: s.map((_, d) => (d === axis ? start : 0)), limitIndices: s.map((n, d) => (d === axis ? stop : n)), strides: null }, [x]);
  }
  /** Moves axis `a` last, applies `f`, and moves it back. */
  alongAxis(x: Val, a: number, f: (y: Val) => Val): Val {
    const r = x.aval.ndim;
    if (a === r - 1) return f(x);
    const perm = [...Array(r).keys()].filter((d) => d !== a).concat(a);
    const inv = perm.map((_, d) => perm.indexOf(d));
    return this.transpose(f(this.transpose(x, perm)), inv);
  }
}

/** Device constants (complex64, interleaved), computed once per length and direction. */
const constants = new WeakMap<WebGpuBackend, Map<string, Val>>();
function constant(gpu: WebGpuBackend, key: string, shape: number[], make: () => Float64Array): Val {
  let m = constants.get(gpu);
  if (!m) constants.set(gpu, (m = new Map()));
  let v = m.get(key);
  if (!v) {
    const aval = new ShapedArray(shape, "complex64");
    v = { buffer: gpu.upload(Float32Array.from(make()), aval), aval };
    m.set(key, v);
  }
  return v;
}

/** e^(i·sign·π·q/n) for integer q, reduced mod 2n first so the angle stays exact. */
function unitRoot(q: number, n: number, sign: number, out: Float64Array, at: number): void {
  const r = ((q % (2 * n)) + 2 * n) % (2 * n);
  const t = (sign * Math.PI * r) / n;
  out[2 * at] = Math.cos(t); out[2 * at + 1] = Math.sin(t);
}

/**
 * The 1-D DFT along the last axis of complex x, with lax.fft's scaling: the inverse carries
 * 1/n. Four-step sub-transforms then multiply to 1/(n1·n2) = 1/n, and Bluestein's inverse
 * length-M transform makes its product the plain circular convolution.
 */
function dft(ops: Ops, x: Val, inverse: boolean): Val {
  const n = x.aval.shape[x.aval.ndim - 1];
  if (n === 1) return x;
  if (isPow2(n) && n <= FFT_MAX_BLOCK) return ops.apply("fft", { fftType: inverse ? "IFFT" : "FFT", fftLengths: [n] }, [x]);
  return isPow2(n) ? fourStep(ops, x, n, inverse) : bluestein(ops, x, n, inverse);
}

function fourStep(ops: Ops, x: Val, n: number, inverse: boolean): Val {
  const lead = x.aval.shape.slice(0, -1), r = lead.length, s = inverse ? 1 : -1;
  const n1 = 2 ** Math.ceil(Math.log2(n) / 2), n2 = n / n1;
  const swap = [...Array(r).keys(), r + 1, r];
  // [.., j1, j2] -> [.., j2, j1]: transforms over j1 give [.., j2, k1].
  let y = dft(ops, ops.transpose(ops.reshape(x, [...lead, n1, n2]), swap), inverse);
  y = ops.scale(y, constant(ops.gpu, `tw:${n}:${s}`, [n2, n1], () => {
    const t = new Float64Array(2 * n);
    for (let j2 = 0; j2 < n2; j2++) for (let k1 = 0; k1 < n1; k1++) unitRoot(2 * j2 * k1, n, s, t, j2 * n1 + k1);
    return t;
  }));
  // [.., j2, k1] -> [.., k1, j2]: transforms over j2 give [.., k1, k2]; X[k1 + n1·k2] is [.., k2, k1].
  y = dft(ops, ops.transpose(y, swap), inverse);
  return ops.reshape(ops.transpose(y, swap), [...lead, n]);
}

function bluestein(ops: Ops, x: Val, n: number, inverse: boolean): Val {
  const r = x.aval.ndim - 1, s = inverse ? 1 : -1;
  let M = 1;
  while (M < 2 * n - 1) M *= 2;
  const chirp = (scale: number) => () => {
    const c = new Float64Array(2 * n);
    for (let j = 0; j < n; j++) { unitRoot(j * j, n, s, c, j); c[2 * j] *= scale; c[2 * j + 1] *= scale; }
    return c;
  };
  const filter = constant(ops.gpu, `b:${n}:${s}:${M}`, [M], () => {
    const h = new Float64Array(2 * M);
    for (let m = 0; m < n; m++) {
      unitRoot(m * m, n, -s, h, m);
      if (m > 0) unitRoot(m * m, n, -s, h, M - m);
    }
    const aval = new ShapedArray([M], "complex128");
    return cpuBackend.execute("fft", { fftType: "FFT", fftLengths: [M] }, [{ buffer: h, aval }], [aval])[0] as Float64Array;
  });
  const a = ops.scale(x, constant(ops.gpu, `c:${n}:${s}`, [n], chirp(1)));
  const padded = ops.apply("pad", { config: x.aval.shape.map((_, d) => [0, d === r ? M - n : 0, 0] as const) }, [a, constant(ops.gpu, "0", [], () => new Float64Array(2))]);
  const conv = dft(ops, ops.scale(dft(ops, padded, false), filter), true);
  return ops.scale(ops.slice(conv, r, 0, n), constant(ops.gpu, `c:${n}:${s}:out`, [n], chirp(inverse ? 1 / n : 1)));
}

/** Applies the transform of `params` to one operand; returns the output buffer. */
export function fftComposite(gpu: WebGpuBackend, params: FftParams, input: Val, out: ShapedArray): Buffer {
  const ops = new Ops(gpu);
  const { fftType, fftLengths: lens } = params;
  const r = input.aval.ndim, last = r - 1, n = lens[lens.length - 1];
  const axes = lens.map((_, i) => r - lens.length + i);
  const inverse = fftType === "IFFT" || fftType === "IRFFT";
  const along = (v: Val, as: number[]) => as.reduce((y, a) => ops.alongAxis(y, a, (z) => dft(ops, z, inverse)), v);
  let y: Val;
  if (fftType === "FFT" || fftType === "IFFT") y = along(input, axes);
  else if (fftType === "RFFT") {
    y = along(ops.apply("convert_element_type", { newDtype: "complex64", weakType: false }, [input]), axes);
    y = ops.slice(y, last, 0, Math.floor(n / 2) + 1);
  } else {
    y = along(input, axes.slice(0, -1));
    const m = input.aval.shape[last];
    if (n > m) {
      const tail = ops.apply("conj", {}, [ops.apply("rev", { dimensions: [last] }, [ops.slice(y, last, 1, n - m + 1)])]);
      y = ops.apply("concatenate", { dimension: last }, [y, tail]);
    }
    y = ops.apply("real", {}, [along(y, [last])]);
  }
  if (y === input) y = ops.reshape(input, out.shape);   // every length 1: the output is a new buffer
  return ops.done(y);
}
