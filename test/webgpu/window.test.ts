// Windowed reductions on WebGPU against the CPU backend: reduce_window_sum/max/min,
// select_and_gather_add and select_and_scatter_add on random geometries (strides, padding
// also negative, base and window dilation) in float32 and int32 (exact, with ties), NaN
// and empty-window semantics, and max-pool gradients through the public API under jit.
import { devicePut, grad, jit, lax, np, random, type NDArray } from "graft";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../core/aval";
import { prims } from "../../core/primitives";
import type { ReduceWindowParams, SelectAndGatherAddParams } from "../../core/primitives";
import { KERNELS } from "../../backends/webgpu/kernels";
import { startWebgpu } from "./setup";

const hasGpu = await startWebgpu();

let seed = 0;
const gpu = (x: NDArray) => devicePut(x, "webgpu");
const bind = (name: string, xs: NDArray[], p: ReduceWindowParams | SelectAndGatherAddParams): NDArray =>
  (prims as unknown as Record<string, { bind1: (xs: NDArray[], p: unknown) => NDArray }>)[name].bind1(xs, p);

function expectMatch(got: NDArray, want: NDArray, tol: number): void {
  expect(got.device).toBe("webgpu");
  expect(got.shape).toEqual(want.shape);
  const g = Array.from(got.dataSync()), w = Array.from(want.dataSync());
  if (tol === 0) { expect(g).toEqual(w); return; }
  w.forEach((v, i) => {
    if (!Number.isFinite(v)) expect(g[i]).toBe(v);
    else expect(Math.abs(g[i] - v)).toBeLessThanOrEqual(tol * (1 + Math.abs(v)));
  });
}

/** A random window geometry over `shape` (deterministic LCG). */
function geometry(shape: number[], next: () => number): ReduceWindowParams {
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const p = { windowDimensions: [] as number[], windowStrides: [] as number[], padding: [] as [number, number][], baseDilation: [] as number[], windowDilation: [] as number[] };
  for (const n of shape) {
    const w = int(1, Math.min(3, n)), bd = int(1, 2), wd = int(1, 2);
    p.windowDimensions.push(w); p.windowStrides.push(int(1, 2)); p.baseDilation.push(bd); p.windowDilation.push(wd);
    const lo = int(-1, 1), hi = int(0, 2);
    // Keep every dim's window count positive.
    const padded = (n - 1) * bd + 1 + lo + hi, span = (w - 1) * wd + 1;
    p.padding.push(padded >= span ? [lo, hi] : [1, span]);
  }
  return p;
}

describe.skipIf(!hasGpu)("webgpu windowed reductions", () => {
  let s = 99;
  const next = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };

  it("random geometries match the CPU (float32 within rounding, int32 exactly)", () => {
    for (let trial = 0; trial < 5; trial++) {
      const rank = 1 + (trial % 3);
      const shape = Array.from({ length: rank }, () => 2 + Math.floor(next() * 5));
      const p = geometry(shape, next);
      for (const dtype of ["float32", "int32"] as const) {
        // int32 values in a small range, so windows have ties (first max/min must win).
        const x = random.normal(random.key(seed++), shape).mul(dtype === "int32" ? 2 : 1).astype(dtype);
        const t = random.normal(random.key(seed++), shape).mul(10).astype(dtype);
        const tol = dtype === "int32" ? 0 : 1e-6;
        for (const name of ["reduce_window_sum", "reduce_window_max", "reduce_window_min"]) {
          expectMatch(bind(name, [gpu(x)], p), bind(name, [x], p), name === "reduce_window_sum" ? tol : 0);
        }
        for (const selectPrim of ["ge", "le"] as const) {
          const q = { ...p, selectPrim };
          const y = bind("select_and_gather_add", [t, x], q);
          expectMatch(bind("select_and_gather_add", [gpu(t), gpu(x)], q), y, 0);
          const src = random.normal(random.key(seed++), y.shape).mul(10).astype(dtype);
          expectMatch(bind("select_and_scatter_add", [gpu(src), gpu(x)], q), bind("select_and_scatter_add", [src, x], q), tol);
        }
      }
    }
  });

  it("propagates NaN, selects the first NaN, and gives -inf/+inf/0 for windows of padding only", () => {
    const x = np.array([1, NaN, 3, 2, 5, 4], { dtype: "float32" });
    const p: ReduceWindowParams = { windowDimensions: [2], windowStrides: [1], padding: [[3, 3]], baseDilation: [1], windowDilation: [1] };
    for (const name of ["reduce_window_sum", "reduce_window_max", "reduce_window_min"]) expectMatch(bind(name, [gpu(x)], p), bind(name, [x], p), 0);
    const t = np.arange(6).astype("float32");
    for (const selectPrim of ["ge", "le"] as const) {
      const q = { ...p, selectPrim };
      expectMatch(bind("select_and_gather_add", [gpu(t), gpu(x)], q), bind("select_and_gather_add", [t, x], q), 0);
      const src = np.arange(11).astype("float32");
      expectMatch(bind("select_and_scatter_add", [gpu(src), gpu(x)], q), bind("select_and_scatter_add", [src, x], q), 0);
    }
  });

  it("max-pool and avg-pool values and gradients under jit match the CPU", () => {
    const x = random.normal(random.key(seed++), [2, 3, 6, 6]);
    const pool = (a: NDArray) => lax.reduceWindow(a, -Infinity, "max", [1, 1, 3, 3], [1, 1, 2, 2], "SAME");
    const avg = (a: NDArray) => lax.reduceWindow(a, 0, "add", [1, 1, 2, 2], [1, 1, 2, 2], "VALID");
    const loss = (a: NDArray) => np.sum(np.square(pool(a))).add(np.sum(np.sin(avg(a))));
    expectMatch(jit(pool)(gpu(x)), pool(x), 0);
    expectMatch(jit(grad(loss))(gpu(x)), grad(loss)(x), 1e-5);
  });

  it("has kernels for float32/int32/uint32 and leaves other dtypes to the CPU", () => {
    const p: ReduceWindowParams = { windowDimensions: [2], windowStrides: [1], padding: [[0, 0]], baseDilation: [1], windowDilation: [1] };
    for (const d of ["float32", "int32", "uint32"] as const) {
      expect(KERNELS.reduce_window_sum([new ShapedArray([4], d)], p, [new ShapedArray([3], d)])).not.toBeNull();
    }
    expect(KERNELS.reduce_window_sum([new ShapedArray([4], "complex64")], p, [new ShapedArray([3], "complex64")])).toBeNull();
    const u = np.array([4294967295, 1, 7], { dtype: "uint32" });
    expectMatch(bind("reduce_window_sum", [gpu(u)], p), bind("reduce_window_sum", [u], p), 0);
  });
});
