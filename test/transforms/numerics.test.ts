// Numerically safe rules (issue: transforms item 10) and transform errors (item 9).
import { describe, expect, it } from "vitest";
import { ConcretizationError, grad, hessian, jit, lax, nnFunctions, np, UnexpectedTracerError, vmap, type NDArray } from "graft";

const f64 = (v: number | number[]) => np.array(v, { dtype: "float64" });

describe("numerically safe gradients (as JAX)", () => {
  it("logsumexp and softmax are finite for huge and infinite inputs", () => {
    const g = grad((x: NDArray) => nnFunctions.logsumexp(x))(f64([1000, 1000, -Infinity]));
    expect(g.js()).toEqual([0.5, 0.5, 0]);
    const s = grad((x: NDArray) => nnFunctions.logSoftmax(x).slice(0))(f64([800, 0]));
    expect(s.js().every(Number.isFinite)).toBe(true);
  });
  it("softplus and sigmoid saturate without NaN", () => {
    expect(grad(nnFunctions.softplus)(f64(1000)).item()).toBe(1);
    expect(grad(nnFunctions.softplus)(f64(-1000)).item()).toBe(0);
    expect(grad(nnFunctions.sigmoid)(f64(0)).item()).toBe(0.25);
  });
  it("sqrt at 0 has an infinite derivative", () => {
    expect(grad(np.sqrt)(f64(0)).item()).toBe(Infinity);
  });
  it("prod with zeros has exact gradients", () => {
    expect(grad((x: NDArray) => np.prod(x))(f64([2, 0, 3])).js()).toEqual([0, 6, 0]);
    expect(grad((x: NDArray) => np.prod(x))(f64([0, 0, 3])).js()).toEqual([0, 0, 0]);
  });
  it("where with NaN in the untaken branch gives NaN; the double-where trick gives finite grads", () => {
    const naive = (x: NDArray) => np.where(x.gt(0), np.sqrt(x), 0);
    expect(Number.isNaN(grad(naive)(f64(-1)).item())).toBe(true);
    const safe = (x: NDArray) => { const ok = x.gt(0); return np.where(ok, np.sqrt(np.where(ok, x, 1)), 0); };
    expect(grad(safe)(f64(-1)).item()).toBe(0);
    expect(grad(safe)(f64(4)).item()).toBe(0.25);
  });
  it("max with ties splits the gradient, as JAX", () => {
    expect(grad((x: NDArray) => np.max(x))(f64([1, 3, 3])).js()).toEqual([0, 0.5, 0.5]);
    expect(grad((x: NDArray) => np.maximum(x, 1))(f64(1)).item()).toBe(0.5);
  });
});

describe("regressions found by the property suite", () => {
  it("rem/fmod/mod pass the dividend's tangent through", () => {
    expect(grad((x: NDArray) => np.fmod(x, 2))(f64(3.3)).item()).toBe(1);
    expect(grad((x: NDArray) => np.mod(x, 2))(f64(3.3)).item()).toBe(1);
    expect(grad((y: NDArray) => np.fmod(7, y))(f64(2)).item()).toBe(-3);
  });
  it("logaddexp, softplus and logSigmoid have the right second derivative at ties", () => {
    expect(grad(grad((x: NDArray) => nnFunctions.softplus(x)))(f64(0)).item()).toBeCloseTo(0.25, 14);
    expect(grad(grad((x: NDArray) => np.logaddexp(x, 1)))(f64(1)).item()).toBeCloseTo(0.25, 14);
    expect(grad(grad(nnFunctions.logSigmoid))(f64(0)).item()).toBeCloseTo(-0.25, 14);
    expect(np.logaddexp(f64([Infinity, -Infinity, 3]), f64([Infinity, -Infinity, 1000])).js()).toEqual([Infinity, -Infinity, 1000]);
  });
  it("hypot's Hessian is right where |x| == |y|", () => {
    const h = hessian((v: NDArray) => np.hypot(v.slice(0), v.slice(1)))(f64([0.2, 0.2])).js();
    const c = 1 / (2 * Math.SQRT2 * 0.2);   // d2/dx2 sqrt(x^2 + y^2) = y^2 / r^3
    expect(h[0][0]).toBeCloseTo(c, 12); expect(h[0][1]).toBeCloseTo(-c, 12);
    expect(np.hypot(f64(1e300), f64(1e300)).item()).toBeCloseTo(Math.SQRT2 * 1e300, -286);
  });
  it("softmax and logsumexp accept a zero-length axis (as JAX, with initial -inf)", () => {
    expect(nnFunctions.softmax(np.zeros([2, 0]), -1).shape).toEqual([2, 0]);
    expect(nnFunctions.logsumexp(np.zeros([2, 0]), -1).js()).toEqual([-Infinity, -Infinity]);
  });
});

describe("transform errors", () => {
  it("traced values used as JS values raise ConcretizationError naming the fixes", () => {
    const branchy = (x: NDArray) => (x.sum().item() > 0 ? x : x.neg());
    expect(() => jit(branchy)(f64([1]))).toThrow(ConcretizationError);
    expect(() => jit(branchy)(f64([1]))).toThrow(/lax\.cond.*staticArgnums/s);
    expect(() => grad((x: NDArray) => (Number(x) > 0 ? x : x.neg()))(f64(1))).toThrow(ConcretizationError);
    expect(() => vmap((x: NDArray) => (x.item() ? x : x))(f64([1, 2]))).toThrow(ConcretizationError);
  });
  it("a tracer escaping its transform is detected and named", () => {
    let leaked: NDArray | undefined;
    grad((x: NDArray) => { leaked = x.mul(2); return x; })(f64(1));
    expect(() => np.sin(leaked!)).toThrow(UnexpectedTracerError);
    let leaked2: NDArray | undefined;
    vmap((x: NDArray) => { leaked2 = x; return x; })(f64([1, 2]));
    expect(() => jit((y: NDArray) => y.add(leaked2!))(f64(1))).toThrow(/BatchTrace.*escaped|escaped/);
  });
  it("async functions are rejected", () => {
    expect(() => jit(async (x: NDArray) => x)(f64(1))).toThrow(/Promise/);
  });
  it("errors leave no state behind: the same transform works afterwards", () => {
    const f = jit((x: NDArray, n: number) => (n > 0 ? x.mul(n) : lax.cond(x.sum().gt(0), (v: NDArray) => v, (v: NDArray) => v.neg(), x)), { staticArgnums: 1 });
    expect(() => jit((x: NDArray) => np.add(x, np.ones([5])))(f64([1, 2]))).toThrow(/add: shapes must broadcast/);
    expect(f(f64([1, 2]), 2).js()).toEqual([2, 4]);
    expect(f(f64([-1, -2]), 0).js()).toEqual([1, 2]);
    expect(np.ones([2]).add(1).js()).toEqual([2, 2]);
  });
});
