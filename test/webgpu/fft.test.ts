// The fft primitive on WebGPU against the CPU backend: FFT/IFFT/RFFT/IRFFT for every length
// 1..64 (powers of two run the WGSL kernel, the rest fall back to the CPU and must agree
// too), multi-dimensional transforms, batches, the largest block (2048), non-Hermitian
// IRFFT input (imaginary DC/Nyquist parts ignored), and np.fft with grad under jit.
import { devicePut, grad, jit, lax, np, random, type NDArray } from "graft";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../core/aval";
import { prims } from "../../core/primitives";
import type { FftType } from "../../core/primitives";
import { FFT_MAX_BLOCK, fftKernel } from "../../backends/webgpu/kernels/fft";
import { startWebgpu } from "./setup";

const hasGpu = await startWebgpu();

let seed = 0;
const normal = (shape: number[]) => random.normal(random.key(seed++), shape);
const cplx = (shape: number[]) => lax.complex(normal(shape), normal(shape));
const gpu = (x: NDArray) => devicePut(x, "webgpu");
const fft = (x: NDArray, fftType: FftType, fftLengths: number[]) => prims.fft.bind1([x], { fftType, fftLengths });

/** max |got - want| <= tol * max |want| (the DFT spreads rounding error over a whole line). */
function expectClose(got: NDArray, want: NDArray, tol = 1e-6): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  const g = got.dataSync(), w = want.dataSync();
  let scale = 1e-30, err = 0;
  for (let i = 0; i < w.length; i++) { scale = Math.max(scale, Math.abs(w[i])); err = Math.max(err, Math.abs(g[i] - w[i])); }
  expect(err).toBeLessThanOrEqual(tol * scale);
}

/** An operand for `fftType` over lengths `lens` with leading batch dims `lead`. */
function operand(fftType: FftType, lead: number[], lens: number[]): NDArray {
  if (fftType === "RFFT") return normal([...lead, ...lens]);
  if (fftType === "IRFFT") return cplx([...lead, ...lens.slice(0, -1), Math.floor(lens[lens.length - 1] / 2) + 1]);
  return cplx([...lead, ...lens]);
}
const TYPES: FftType[] = ["FFT", "IFFT", "RFFT", "IRFFT"];
const isPow2 = (n: number) => (n & (n - 1)) === 0;

describe.skipIf(!hasGpu)("webgpu fft", () => {
  it("every length 1..64 matches the CPU; powers of two have a kernel, the rest fall back", () => {
    const lens = [...Array(64).keys()].map((i) => i + 1);
    for (const n of lens) {
      for (const t of TYPES) {
        const x = operand(t, [2], [n]);
        const got = fft(gpu(x), t, [n]);
        expect(got.device).toBe("webgpu");
        expectClose(got, fft(x, t, [n]), 2e-6 * Math.max(1, Math.log2(n)));
        const out = got.aval;
        expect(fftKernel([new ShapedArray(x.shape, x.dtype)], { fftType: t, fftLengths: [n] }, [new ShapedArray(out.shape, out.dtype)]) !== null).toBe(isPow2(n));
      }
    }
  });

  it("multi-dimensional transforms and batches match the CPU", () => {
    const cases: [number[], number[]][] = [[[3], [4, 8]], [[2, 2], [2, 4, 8]], [[], [16, 1]], [[5], [1, 32]], [[2], [8, 8]], [[1], [4, 6]]];
    for (const [lead, lens] of cases) {
      for (const t of TYPES) {
        const x = operand(t, lead, lens);
        expectClose(fft(gpu(x), t, lens), fft(x, t, lens), 5e-6);
      }
    }
  });

  // (SwiftShader takes seconds to compile a shader with a 16 KiB workgroup array: one type.)
  it("handles the largest block in workgroup memory and falls back past it", () => {
    const x0 = operand("FFT", [3], [FFT_MAX_BLOCK]);
    expectClose(fft(gpu(x0), "FFT", [FFT_MAX_BLOCK]), fft(x0, "FFT", [FFT_MAX_BLOCK]), 5e-6);
    const big = new ShapedArray([2 * FFT_MAX_BLOCK], "complex64");
    expect(fftKernel([big], { fftType: "FFT", fftLengths: [2 * FFT_MAX_BLOCK] }, [big])).toBeNull();
    const x = cplx([2 * FFT_MAX_BLOCK]);
    expectClose(fft(gpu(x), "FFT", [2 * FFT_MAX_BLOCK]), fft(x, "FFT", [2 * FFT_MAX_BLOCK]), 5e-6);
  });

  it("IRFFT ignores the imaginary parts of the DC and Nyquist terms, as the CPU", () => {
    const h = lax.complex(np.array([[1, 2, 3, 4, 5]], { dtype: "float32" }), np.array([[7, -1, 2, 0.5, 9]], { dtype: "float32" }));
    expectClose(fft(gpu(h), "IRFFT", [8]), fft(h, "IRFFT", [8]));
    expectClose(fft(gpu(h), "IRFFT", [9]), fft(h, "IRFFT", [9]));
  });

  it("np.fft functions and their gradients under jit match the CPU", () => {
    const x = normal([3, 16]);
    const f = (a: NDArray) => np.sum(np.abs(np.fft.rfft(a))).add(np.sum(np.real(np.fft.ifft(np.fft.fft2(a.astype("complex64"))))));
    expectClose(jit(f)(gpu(x)), f(x), 1e-5);
    expectClose(jit(grad(f))(gpu(x)), grad(f)(x), 1e-5);
  });
});
