// Shared helpers of the nn layer tests: float32/float64 arrays from fixture lists, and an
// elementwise closeness check with a readable failure.
import { expect } from "vitest";
import { np, type NDArray } from "graft";

export const f32 = (x: unknown): NDArray => np.array(x as number[], { dtype: "float32" });
export const f64 = (x: unknown): NDArray => np.array(x as number[], { dtype: "float64" });

/**
 * |got - want| <= atol + rtol |want| elementwise, with atol defaulting to rtol times the largest
 * |want| (float32 sums of many terms lose absolute, not relative, precision near zero).
 */
export function expectClose(got: NDArray, want: unknown, rtol = 1e-5, atol?: number): void {
  // Compared on the host in float64, so that `got` may live on any device (WebGPU has no float64).
  const w = np.array(want as number[], { dtype: "float64", device: "cpu" });
  expect(got.shape).toEqual(w.shape);
  const a = Float64Array.from(got.dataSync() as ArrayLike<number>), b = w.dataSync();
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  const tol = atol ?? rtol * Math.max(scale, 1e-30);
  for (let i = 0; i < b.length; i++) {
    const err = Math.abs(a[i]! - b[i]!);
    if (!(err <= tol + rtol * Math.abs(b[i]!))) {
      expect.fail(`element ${i}: got ${a[i]}, want ${b[i]} (|err| ${err.toExponential(2)}, rtol ${rtol}, atol ${tol.toExponential(2)})`);
    }
  }
}

/** Largest |x| of an array, as a JS number. */
export const maxAbs = (x: NDArray): number => np.max(np.abs(x)).item() as number;
