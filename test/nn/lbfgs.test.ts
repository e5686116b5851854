// nn.optim.lbfgs with the zoom line search: Rosenbrock from (-1.2, 1) to |grad| < 1e-6 in
// float64 within a bounded number of iterations (eager and jitted), a quadratic solved in
// about n steps, the strong Wolfe conditions at the accepted step, and valueAndGradFromState.
import { describe, expect, it } from "vitest";
import { jit, np, valueAndGrad, type NDArray } from "graft";
import * as nn from "graft/nn";

const { optim } = nn;
const f64 = (xs: number[]) => np.array(xs, { dtype: "float64" });
const rosenbrock = (x: NDArray): NDArray => {
  const a = x.slice([0, -1]), b = x.slice([1, null]);
  return np.sum(np.add(np.multiply(100, np.square(np.subtract(b, np.square(a)))), np.square(np.subtract(1, a))));
};
const norm = (g: NDArray) => Math.hypot(...Array.from(g.dataSync()));

/** Runs L-BFGS until |grad| < tol; returns the final point and the number of iterations. */
function solve(f: (x: NDArray) => NDArray, x0: NDArray, maxIter: number, tol: number, useJit: boolean) {
  const opt = optim.lbfgs();
  const step = (x: NDArray, s: any): [NDArray, any, NDArray] => {
    const [v, g] = valueAndGrad(f)(x);
    const [u, s2] = opt.update(g, s, x, { value: v, grad: g, valueFn: f });
    return [optim.applyUpdates(x, u), s2, g];
  };
  const run = useJit ? jit(step) : step;
  let x = x0, s = opt.init(x0);
  for (let it = 0; it < maxIter; it++) {
    const gNow = valueAndGrad(f)(x)[1];
    if (norm(gNow) < tol) return { x, iters: it };
    [x, s] = run(x, s);
  }
  return { x, iters: maxIter };
}

describe("lbfgs", () => {
  it("solves Rosenbrock from (-1.2, 1) to |grad| < 1e-6 in float64 (jitted step)", () => {
    const { x, iters } = solve(rosenbrock, f64([-1.2, 1]), 100, 1e-6, true);
    expect(iters).toBeLessThanOrEqual(50); // SciPy's L-BFGS-B takes ~35 here; this run takes 36
    for (const v of x.dataSync()) expect(Math.abs(v - 1)).toBeLessThan(1e-5);
    expect(x.dtype).toBe("float64");
  });

  it("gives the same iterates eagerly as under jit", () => {
    const a = solve(rosenbrock, f64([-1.2, 1]), 5, 0, false).x.dataSync();
    const b = solve(rosenbrock, f64([-1.2, 1]), 5, 0, true).x.dataSync();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 10);
  });

  it("solves a 6-D Rosenbrock and a convex quadratic in few iterations", () => {
    const r = solve(rosenbrock, f64([-1.2, 1, -1.2, 1, -1.2, 1]), 200, 1e-6, true);
    expect(r.iters).toBeLessThan(150);
    // f(x) = 0.5 x^T A x - b^T x with A = diag(1..8) + 0.1 11^T: minimiser solves A x = b.
    const n = 8;
    const A = np.add(np.diag(np.arange(1, n + 1, 1, { dtype: "float64" })), np.full([n, n], 0.1, { dtype: "float64" }));
    const b = np.linspace(-1, 1, n, { dtype: "float64" });
    const quad = (x: NDArray) => np.subtract(np.multiply(0.5, np.dot(x, np.matmul(A, x))), np.dot(b, x));
    const q = solve(quad, np.zeros([n], { dtype: "float64" }), 50, 1e-9, true);
    expect(q.iters).toBeLessThanOrEqual(2 * n);
    const resid = np.subtract(np.matmul(A, q.x), b);
    expect(norm(resid)).toBeLessThan(1e-9);
  });

  it("accepts steps satisfying the strong Wolfe conditions", () => {
    const ls = optim.scaleByZoomLinesearch({ initialGuessStrategy: "one" });
    const x = f64([-1.2, 1]);
    const [v, g] = valueAndGrad(rosenbrock)(x);
    const dir = np.negative(g);
    const [u, s] = ls.update(dir, ls.init(x), x, { value: v, grad: g, valueFn: rosenbrock });
    const t = s.learningRate.item();
    expect(t).toBeGreaterThan(0);
    const [v1, g1] = valueAndGrad(rosenbrock)(optim.applyUpdates(x, u));
    const slope0 = np.dot(g, dir).item(), slope1 = np.dot(g1, dir).item();
    expect(v1.item()).toBeLessThanOrEqual(v.item() + 1e-4 * t * slope0);
    expect(Math.abs(slope1)).toBeLessThanOrEqual(0.9 * Math.abs(slope0));
    expect(s.value.item()).toBeCloseTo(v1.item(), 12);
    expect(s.info.decreaseError.item()).toBe(0);
  });

  it("valueAndGradFromState reuses the line search's value and gradient", () => {
    const opt = optim.lbfgs();
    const vg = optim.valueAndGradFromState(rosenbrock);
    let x = f64([-1.2, 1]);
    let s = opt.init(x);
    const step = jit((x: NDArray, s: any): [NDArray, any] => {
      const [v, g] = vg(x, s);
      const [u, s2] = opt.update(g, s, x, { value: v, grad: g, valueFn: rosenbrock });
      return [optim.applyUpdates(x, u), s2];
    });
    for (let i = 0; i < 60; i++) [x, s] = step(x, s);
    for (const v of x.dataSync()) expect(Math.abs(v - 1)).toBeLessThan(1e-6);
    const [v, g] = vg(x, s);
    const [vRef, gRef] = valueAndGrad(rosenbrock)(x);
    expect(v.item()).toBeCloseTo(vRef.item(), 14);
    expect(norm(np.subtract(g, gRef))).toBeLessThan(1e-12);
  });

  it("names the missing objective", () => {
    const opt = optim.lbfgs();
    const x = f64([1, 2]);
    expect(() => opt.update(x, opt.init(x), x)).toThrow(/valueFn/);
  });
});
