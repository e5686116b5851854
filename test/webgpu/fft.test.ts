// The fft primitive on WebGPU against the CPU backend: FFT/IFFT/RFFT/IRFFT for every length
// 1..64 (powers of two ≤ 2048 run the WGSL kernel; other lengths are composed on the GPU by
// fft-composite.ts: Bluestein, four-step), multi-dimensional transforms, batches, blocks
// past 2048 points, non-Hermitian IRFFT input (imaginary DC/Nyquist parts ignored), and
// np.fft with grad under jit. No float32/complex64 transform may run on the CPU.
import { devicePut, grad, jit, lax, np, random, type NDArray } from "graft";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getBackend } from "../../core/device";
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
  let onCpu: string[] = [];
  beforeEach(() => {
    onCpu = [];
    const gpuBackend = getBackend("webgpu") as unknown as { onCpu(prim: string): unknown };
    const run = gpuBackend.onCpu.bind(gpuBackend) as (...a: unknown[]) => unknown;
    vi.spyOn(gpuBackend, "onCpu").mockImplementation((...a: unknown[]) => { onCpu.push(a[0] as string); return run(...a); });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    expect(onCpu).toEqual([]);
  });

  // Every length for FFT; the other directions on a sample (each composed length compiles
  // a handful of pipelines, seconds on SwiftShader).
  it("every length 1..64 matches the CPU; powers of two have a kernel, the rest are composed on the GPU", () => {
    const lens = [...Array(64).keys()].map((i) => i + 1);
    const sample = new Set([1, 2, 3, 4, 5, 7, 8, 12, 17, 31, 32, 63]);
    for (const n of lens) {
      for (const t of sample.has(n) ? TYPES : ["FFT" as const]) {
        const x = operand(t, [2], [n]);
        const got = fft(gpu(x), t, [n]);
        expect(got.device).toBe("webgpu");
        expectClose(got, fft(x, t, [n]), 2e-6 * Math.max(1, Math.log2(n)));
        const out = got.aval;
        expect(fftKernel([new ShapedArray(x.shape, x.dtype)], { fftType: t, fftLengths: [n] }, [new ShapedArray(out.shape, out.dtype)]) !== null).toBe(isPow2(n));
      }
    }
  }, 180_000);

  it("multi-dimensional transforms and batches match the CPU", () => {
    const cases: [number[], number[]][] = [[[3], [4, 8]], [[2, 2], [2, 4, 8]], [[], [16, 1]], [[5], [1, 32]], [[2], [8, 8]], [[1], [4, 6]],
      [[2], [3, 5, 7]], [[], [64, 64]], [[2], [100, 3]]];
    for (const [lead, lens] of cases) {
      for (const t of TYPES) {
        const x = operand(t, lead, lens);
        expectClose(fft(gpu(x), t, lens), fft(x, t, lens), 5e-6);
      }
    }
  }, 180_000);

  // (SwiftShader takes seconds to compile a shader with a 16 KiB workgroup array: one type.)
  it("handles the largest block in workgroup memory and composes the transform past it", () => {
    const x0 = operand("FFT", [3], [FFT_MAX_BLOCK]);
    expectClose(fft(gpu(x0), "FFT", [FFT_MAX_BLOCK]), fft(x0, "FFT", [FFT_MAX_BLOCK]), 5e-6);
    const big = new ShapedArray([2 * FFT_MAX_BLOCK], "complex64");
    expect(fftKernel([big], { fftType: "FFT", fftLengths: [2 * FFT_MAX_BLOCK] }, [big])).toBeNull();
    const x = cplx([2 * FFT_MAX_BLOCK]);
    expectClose(fft(gpu(x), "FFT", [2 * FFT_MAX_BLOCK]), fft(x, "FFT", [2 * FFT_MAX_BLOCK]), 5e-6);
  });

  it("long and prime lengths (four-step and Bluestein, nested) match the CPU in every direction", () => {
    for (const [n, lead] of [[8192, [2]], [4099, []], [1000, [3]], [6000, []]] as [number, number[]][]) {
      for (const t of TYPES) {
        const x = operand(t, lead, [n]);
        expectClose(fft(gpu(x), t, [n]), fft(x, t, [n]), 1e-5);
      }
    }
  }, 180_000);

  it("an impulse gives the exact twiddles (catches a wrong sign or index order)", () => {
    // DFT of e_1 is exp(-2πik/n); of e_1 inverse, exp(+2πik/n)/n.
    for (const n of [12, 4096 * 2]) {
      const e1 = lax.complex(np.zeros([n]).at(1).set(1), np.zeros([n]));
      const k = np.arange(n, undefined, 1, { dtype: "float64" });
      const ang = k.mul(-2 * Math.PI / n);
      const want = lax.complex(np.cos(ang).astype("float32"), np.sin(ang).astype("float32"));
      expectClose(fft(gpu(e1), "FFT", [n]), want, 2e-6);
      expectClose(fft(gpu(e1), "IFFT", [n]), np.conj(want).mul(1 / n), 2e-6);
    }
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
