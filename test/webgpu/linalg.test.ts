// Cholesky and triangular_solve kernels against the CPU (float32 on the GPU, float64
// internally on the CPU): batched, every side/triangle/transpose/unit-diagonal combination,
// NaN for non-positive-definite input, and the gradient of a Gaussian log-density under jit.
import { devicePut, grad, jit, np, random, type NDArray } from "graft";
import { describe, expect, it } from "vitest";
import { prims } from "../../core/primitives";
import { startWebgpu } from "./setup";

const hasGpu = await startWebgpu();
const gpu = (x: NDArray) => devicePut(x, "webgpu");
function close(got: NDArray, want: NDArray, tol: number): void {
  expect(got.device).toBe("webgpu");
  expect(got.shape).toEqual(want.shape);
  const g = got.dataSync(), w = want.dataSync();
  const scale = Array.from(w).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < w.length; i++) {
    if (Number.isNaN(w[i])) { expect(g[i]).toBeNaN(); continue; }
    expect(Math.abs(g[i] - w[i]), `[${i}] ${g[i]} vs ${w[i]}`).toBeLessThanOrEqual(tol * (Math.abs(w[i]) + scale));
  }
}
const spd = (key: number, batch: number[], n: number) => {
  const m = random.normal(random.key(key), [...batch, n, n]);
  return np.matmul(m, np.swapaxes(m, -1, -2)).add(np.eye(n).mul(n));
};

describe.skipIf(!hasGpu)("webgpu linalg kernels", () => {
  it("cholesky, batched, with and without symmetrizing", () => {
    for (const [batch, n] of [[[], 1], [[3], 5], [[2, 2], 17], [[], 40]] as [number[], number][]) {
      const a = spd(n, batch, n);
      for (const symmetrizeInput of [true, false]) {
        const [want] = prims.cholesky.bind([a], { symmetrizeInput });
        const [got] = prims.cholesky.bind([gpu(a)], { symmetrizeInput });
        close(got, want, 1e-5);
      }
    }
  });
  it("cholesky of a non-positive-definite matrix is NaN", () => {
    const a = np.array([[1, 2], [2, 1]]);
    expect(Array.from(np.linalg.cholesky(gpu(a)).dataSync()).every(Number.isNaN)).toBe(true);
  });
  it("triangular_solve in all 16 configurations", () => {
    const a = random.normal(random.key(1), [2, 6, 6]).add(np.eye(6).mul(4));
    for (const leftSide of [true, false]) for (const lower of [true, false]) for (const transposeA of [true, false]) for (const unitDiagonal of [true, false]) {
      const b = random.normal(random.key(2), leftSide ? [2, 6, 3] : [2, 3, 6]);
      const params = { leftSide, lower, transposeA, unitDiagonal };
      const [want] = prims.triangular_solve.bind([a, b], params);
      const [got] = prims.triangular_solve.bind([gpu(a), gpu(b)], params);
      close(got, want, 1e-5);
    }
  });
  it("the gradient of a Gaussian log-density through cholesky, jitted", () => {
    const logp = (k: NDArray, y: NDArray) => {
      const L = np.linalg.cholesky(k);
      const z = np.linalg.triangularSolve(L, y, { lower: true, leftSide: true });
      return np.sum(np.square(z)).mul(-0.5).sub(np.sum(np.log(np.diagonal(L))));
    };
    const k = spd(7, [], 8), y = random.normal(random.key(8), [8, 1]);
    close(jit(logp)(gpu(k), gpu(y)), logp(k, y), 1e-5);
    close(jit(grad(logp))(gpu(k), gpu(y)), grad(logp)(k, y), 1e-4);
  });
});
