// Random and special-function primitives on WebGPU against the CPU backend: erf_inv and
// random_gamma_grad run WGSL ports in float32 (close to the CPU's float64-rounded values);
// random_gamma / random_poisson run on the CPU (their rejection loops must reproduce the
// CPU's float64 roundings, see backends/webgpu/kernels/special.ts), so samples drawn from
// a key on the GPU equal the CPU's bit for bit, also under jit and through gamma's gradient.
import { devicePut, grad, jit, lax, np, random, type NDArray } from "graft";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../core/aval";
import { KERNELS } from "../../backends/webgpu/kernels";
import { startWebgpu } from "./setup";

const hasGpu = await startWebgpu();

const gpu = (x: NDArray) => devicePut(x, "webgpu");
const flat = (x: NDArray) => Array.from(x.dataSync() as ArrayLike<number>);

/** Each element within rtol relative (or atol absolute) of the CPU's; non-finite ones equal. */
function expectClose(got: NDArray, want: NDArray, rtol: number, atol = 0): void {
  expect(got.shape).toEqual(want.shape);
  const g = flat(got), w = flat(want);
  w.forEach((v, i) => {
    if (!Number.isFinite(v)) expect(g[i], `at ${i}`).toBe(v);
    else expect(Math.abs(g[i] - v), `at ${i}: got ${g[i]}, want ${v}`).toBeLessThanOrEqual(rtol * Math.abs(v) + atol);
  });
}

describe.skipIf(!hasGpu)("webgpu random and special functions", () => {
  it("erf_inv matches the CPU on (-1, 1), in both tails, and at the special points", () => {
    const u = random.uniform(random.key(0), [4000], { minval: -1, maxval: 1 });
    const tails = np.array([1 - 1e-7, -(1 - 1e-7), 0.999, -0.9999, 1e-30, -1e-8, 0.5, -0.5, 0.9375], { dtype: "float32" });
    const special = np.array([0, -0, 1, -1, 1.5, -2, NaN], { dtype: "float32" });
    for (const x of [u, tails]) expectClose(lax.erfInv(gpu(x)), lax.erfInv(x), 2e-6);
    const got = flat(lax.erfInv(gpu(special))), want = flat(lax.erfInv(special));
    expect(got.map(String)).toEqual(want.map(String));
    expect(KERNELS.erf_inv([new ShapedArray([3], "float32")], {}, [new ShapedArray([3], "float32")])).not.toBeNull();
  });

  it("random_gamma_grad matches the CPU over small, moderate and large shapes (series and continued fraction)", () => {
    const a = np.array([0.05, 0.3, 1, 1, 2.5, 7, 30, 200, 0.8, 4, 1e3, 0.01], { dtype: "float32" });
    const x = np.array([0.01, 0.5, 0.2, 3, 2.5, 12, 25, 190, 5, 0.3, 1020, 1e-6], { dtype: "float32" });
    expectClose(lax.randomGammaGrad(gpu(a), gpu(x)), lax.randomGammaGrad(a, x), 5e-5, 1e-6);
    // Samples from the distribution itself, and a rank-0 shape broadcast against them.
    const as = random.uniform(random.key(1), [500], { minval: 0.1, maxval: 20 });
    const xs = random.gamma(random.key(2), as);
    expectClose(lax.randomGammaGrad(gpu(as), gpu(xs)), lax.randomGammaGrad(as, xs), 5e-5, 1e-6);
    const a0 = np.array(2.5, { dtype: "float32" });
    expectClose(lax.randomGammaGrad(gpu(a0), gpu(xs)), lax.randomGammaGrad(a0, xs), 5e-5, 1e-6);
    const edge = [np.array([-1, 0, NaN, 2, 2, 2], { dtype: "float32" }), np.array([1, 1, 1, 0, -1, Infinity], { dtype: "float32" })];
    expect(flat(lax.randomGammaGrad(gpu(edge[0]), gpu(edge[1]))).map(String)).toEqual(flat(lax.randomGammaGrad(edge[0], edge[1])).map(String));
  });

  it("gamma, loggamma and poisson samples from a GPU key equal the CPU's exactly", () => {
    const k = random.key(42), gk = gpu(k);
    const a = np.array([0.2, 0.9, 1, 3.5, 40], { dtype: "float32" });
    const cases: [string, (key: NDArray, a: NDArray) => NDArray][] = [
      ["gamma", (key, s) => random.gamma(key, s, [64, 5])],
      ["loggamma", (key, s) => random.loggamma(key, s, [64, 5])],
      ["poisson", (key, s) => random.poisson(key, s.mul(4), [64, 5])],
    ];
    for (const [name, f] of cases) {
      const want = f(k, a), got = f(gk, gpu(a));
      expect(got.device, name).toBe("webgpu");
      expect(flat(got), name).toEqual(flat(want));
      expect(flat(jit(f)(gk, gpu(a))), `${name} under jit`).toEqual(flat(want));
    }
    // No WGSL kernel: these run on the CPU (with automatic transfer) by design.
    expect(KERNELS.random_gamma).toBeUndefined();
    expect(KERNELS.random_poisson).toBeUndefined();
  });

  it("the gamma sample's gradient (random_gamma_grad on the GPU) matches the CPU", () => {
    const a = np.array([0.5, 1.5, 6], { dtype: "float32" });
    const f = (s: NDArray, key: NDArray) => np.sum(random.gamma(key, s, [32, 3]));
    const want = grad(f)(a, random.key(3)), got = jit(grad(f))(gpu(a), gpu(random.key(3)));
    expectClose(got, want, 1e-4);
  });
});
