// Control flow on WebGPU: loop bodies run as fused executables (transforms/staging.ts `run`);
// results equal the CPU's, eagerly and under jit, with gradients through scan.
import { devicePut, grad, jit, lax, np, type NDArray } from "graft";
import { describe, expect, it } from "vitest";
import { startWebgpu } from "./setup";

const hasGpu = await startWebgpu();
const gpu = (x: NDArray) => devicePut(x, "webgpu");
function close(got: NDArray, want: NDArray, tol: number): void {
  expect(got.device).toBe("webgpu");
  const g = got.dataSync(), w = want.dataSync();
  expect(g.length).toBe(w.length);
  for (let i = 0; i < w.length; i++) expect(Math.abs(g[i] - w[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(w[i])));
}

describe.skipIf(!hasGpu)("webgpu control flow", () => {
  // A damped oscillator integrated with RK4 in lax.scan; the gradient w.r.t. the damping.
  const rk4 = (gamma: NDArray, y0: NDArray) => {
    const dt = 0.01;
    const f = (y: NDArray) => np.stack([y.slice(1), y.slice(0).neg().sub(gamma.mul(y.slice(1)))]);
    const [yT] = lax.scan((y: NDArray) => {
      const k1 = f(y), k2 = f(y.add(k1.mul(dt / 2))), k3 = f(y.add(k2.mul(dt / 2))), k4 = f(y.add(k3.mul(dt)));
      return [y.add(k1.add(k2.mul(2)).add(k3.mul(2)).add(k4).mul(dt / 6)), null];
    }, y0, null, { length: 200 });
    return np.sum(np.square(yT));
  };
  it("scan (RK4) and its gradient match the CPU, eager and jitted", () => {
    const gamma = np.array(0.3), y0 = np.array([1, 0]);
    const want = rk4(gamma, y0), wantGrad = grad(rk4)(gamma, y0);
    close(rk4(gpu(gamma), gpu(y0)), want, 1e-5);
    close(jit(rk4)(gpu(gamma), gpu(y0)), want, 1e-5);
    close(jit(grad(rk4))(gpu(gamma), gpu(y0)), wantGrad, 1e-4);
  });
  it("whileLoop and cond with data-dependent predicates", () => {
    const collatz = (n: NDArray) => lax.whileLoop(
      ([x]: NDArray[]) => x.gt(1),
      ([x, k]: NDArray[]) => [lax.cond(np.equal(np.remainder(x, 2), 0), (v: NDArray) => np.floorDivide(v, 2), (v: NDArray) => v.mul(3).add(1), x), k.add(1)],
      [n, np.array(0, { dtype: "int32" })]);
    const n = np.array(27, { dtype: "int32" });
    const [, steps] = collatz(gpu(n)) as NDArray[];
    expect(steps.device).toBe("webgpu");
    expect(steps.item()).toBe(111);
    expect((jit(collatz)(gpu(n)) as NDArray[])[1].item()).toBe(111);
  });
});
