// WGSL's builtin transcendentals only promise loose accuracy (sin/cos 2^-11 absolute, acos
// thousands of ulp); graft's kernels use their own range reductions and polynomials. These
// bounds hold on SwiftShader and on real GPUs alike (the code does not use the builtins).
import { devicePut, nnFunctions, np, type NDArray } from "graft";
import { describe, expect, it } from "vitest";
import { startWebgpu } from "./setup";

const hasGpu = await startWebgpu();

/** Worst error in float32 ulps of the float64 value, over normal-range results. */
function worstUlps(f: (x: NDArray) => NDArray, x: NDArray): number {
  const want = f(x.astype("float64")).dataSync(), got = f(devicePut(x, "webgpu")).dataSync();
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    if (!Number.isFinite(want[i])) { expect(got[i]).toBe(want[i]); continue; }
    // Subnormal results may be flushed to zero (WGSL allows it).
    if (Math.abs(want[i]) < 1.2e-38) { expect([0, Math.fround(want[i])]).toContain(got[i]); continue; }
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / (Math.abs(want[i]) * 2 ** -23));
  }
  return worst;
}

describe.skipIf(!hasGpu)("webgpu float32 math accuracy", () => {
  const x = np.linspace(-100, 100, 4001);
  const cases: [string, (x: NDArray) => NDArray, NDArray, number][] = [
    ["sin", np.sin, x, 2], ["cos", np.cos, x, 2], ["tan", np.tan, x, 4],
    ["exp", np.exp, x.div(2), 2], ["expm1", np.expm1, x.div(20), 3], ["tanh", np.tanh, x.div(10), 2],
    ["log", np.log, np.abs(x).add(1e-3), 2], ["arccos", np.arccos, x.div(100.5), 3], ["arcsin", np.arcsin, x.div(100.5), 3],
    ["arctan", np.arctan, x, 3], ["arccosh", np.arccosh, np.abs(x).add(1), 4], ["sigmoid", nnFunctions.sigmoid, x, 3],
  ];
  for (const [name, f, xs, bound] of cases) {
    it(`${name} within ${bound} ulp`, () => { expect(worstUlps(f, xs)).toBeLessThanOrEqual(bound); });
  }
  it("special values follow C99", () => {
    const v = devicePut(np.array([-1, 0, Infinity, NaN, -Infinity]), "webgpu");
    expect(Array.from(np.log(v).dataSync())).toEqual([NaN, -Infinity, Infinity, NaN, NaN]);
    expect(Array.from(np.sqrt(v).dataSync())).toEqual([NaN, 0, Infinity, NaN, NaN]);
    expect(Array.from(np.exp(v).dataSync())).toEqual([Math.fround(Math.exp(-1)), 1, Infinity, NaN, 0]);
    expect(Array.from(np.arccos(devicePut(np.array([1.5, -1, 1]), "webgpu")).dataSync())).toEqual([NaN, Math.fround(Math.PI), 0]);
  });
});
