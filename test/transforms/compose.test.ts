// vmap, jit, jacobians, custom rules and checkpoint, alone and composed.
import { describe, expect, it } from "vitest";
import { checkJaxpr, checkpoint, customJvp, customVjp, grad, hessian, jacfwd, jacrev, jit, jvp, makeJaxpr, nnFunctions, np, tree, vjp, vmap, type NDArray } from "graft";
import { jitStats } from "../../transforms/jit";

const f64 = (v: number | number[] | number[][]) => np.array(v, { dtype: "float64" });
const near = (a: NDArray, b: NDArray | number[] | number[][] | number, tol = 1e-9) =>
  expect(np.allclose(a, typeof b === "number" || Array.isArray(b) ? f64(b as number[]) : b, { atol: tol, rtol: tol })).toBe(true);

describe("vmap", () => {
  const xs = f64([[1, 2, 3], [4, 5, 6]]);
  it("inAxes/outAxes and closed-over arrays", () => {
    const w = f64([1, 0, -1]);
    near(vmap((x: NDArray) => np.dot(x, w))(xs), [-2, -2]);
    near(vmap((x: NDArray) => x.mul(2), { inAxes: 1, outAxes: 1 })(xs), xs.mul(2));
    near(vmap((x: NDArray, s: NDArray) => x.mul(s), { inAxes: [0, null] })(xs, f64(3)), xs.mul(3));
    near(vmap((x: NDArray) => x.sum(), { inAxes: 1 })(xs), [5, 7, 9]);
    const out = vmap((p: { a: NDArray; b: NDArray }) => p.a.add(p.b), { inAxes: [{ a: 0, b: null }] })({ a: xs, b: f64([1, 1, 1]) });
    near(out, xs.add(1));
  });
  it("nested vmap computes an outer product", () => {
    near(vmap((a: NDArray) => vmap((b: NDArray) => a.mul(b))(f64([1, 2])))(f64([3, 4])), [[3, 6], [4, 8]]);
  });
  it("axisSize with all inputs unbatched, and size mismatch errors", () => {
    near(vmap(() => f64(1), { inAxes: [], axisSize: 3 })(), [1, 1, 1]);
    expect(() => vmap((a: NDArray, b: NDArray) => a.add(b))(f64([1, 2]), f64([1, 2, 3]))).toThrow(/same size/);
  });
  it("per-example gradients: vmap(grad)", () => {
    const loss = (w: NDArray, x: NDArray) => np.sum(np.square(np.tanh(x.mul(w))));
    const w = f64([0.5, -0.3]);
    const per = vmap(grad(loss), { inAxes: [null, 0] })(w, xs.slice([], [0, 2]));
    const loop = np.stack([0, 1].map((i) => grad(loss)(w, xs.slice(i, [0, 2]))));
    near(per, loop);
  });
});

describe("jit", () => {
  it("gives the same results and caches per avals", () => {
    const f = (x: NDArray, y: NDArray) => np.tanh(x.mul(y)).sum(0);
    const jf = jit(f);
    const x = np.ones([2, 3]), y = np.linspace(0, 1, 3);
    const before = { ...jitStats };
    expect(jf(x, y).js()).toEqual(f(x, y).js());
    jf(x.mul(2), y);
    expect(jitStats.traces - before.traces).toBe(1);
    expect(jitStats.hits - before.hits).toBe(1);
    jf(np.ones([4, 3]), y);
    expect(jitStats.traces - before.traces).toBe(2);
  });
  it("static arguments are part of the cache key", () => {
    const f = jit((x: NDArray, n: number) => np.power(x, n), { staticArgnums: 1 });
    expect(f(f64(2), 3).item()).toBe(8);
    expect(f(f64(2), 2).item()).toBe(4);
  });
  it("simplifies: CSE and constant folding show in the program", () => {
    const text = makeJaxpr(jit((x: NDArray) => x.mul(2).add(x.mul(2)).add(np.ones([3]).mul(3))))(np.ones([3])).toString();
    expect(text.match(/mul/g)?.length).toBe(1);
    checkJaxpr(makeJaxpr(jit((x: NDArray) => np.sin(x)))(np.ones([2])).jaxpr);
  });
  it("composes with grad, vmap and jvp in any order", () => {
    const f = (x: NDArray) => np.sum(np.sin(x).mul(x));
    const x = f64([0.3, 1.2]);
    const g = grad(f)(x);
    near(jit(grad(f))(x), g);
    near(grad(jit(f))(x), g);
    near(jit(grad(jit(f)))(x), g);
    near(vmap(jit(grad(f)))(x.reshape([2, 1])), g.reshape([2, 1]));
    near(jvp(jit(f), [x], [f64([1, 0])])[1], g.slice(0));
    near(jit(vmap(grad(f)))(x.reshape([2, 1])), g.reshape([2, 1]));
    near(jit(jit(f))(x), f(x));
  });
});

describe("jacobians", () => {
  it("jacfwd == jacrev for any shapes; hessian is symmetric", () => {
    const f = (x: NDArray) => np.matmul(np.tanh(x), x.T);
    const x = f64([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]);
    const jf = jacfwd(f)(x), jr = jacrev(f)(x);
    expect(jf.shape).toEqual([3, 3, 3, 2]);
    near(jf, jr);
    const h = hessian((v: NDArray) => np.sum(np.exp(v.mul(v.slice(0)))))(f64([0.3, 0.5, -0.2]));
    near(h, h.T);
  });
  it("Fisher matrix of a Gaussian model: hessian of -log L equals J^T C^-1 J", () => {
    // Linear model mu(theta) = A theta, noise covariance C = diag(sigma^2).
    const A = f64([[1, 0.5], [0.2, 2], [1.5, -1]]);
    const sig2 = f64([0.5, 1, 2]);
    const data = f64([0.3, -0.1, 0.8]);
    const nll = (th: NDArray) => np.sum(np.square(data.sub(np.matmul(A, th))).div(sig2)).mul(0.5);
    const H = hessian(nll)(f64([0.1, 0.2]));
    const J = jacfwd((th: NDArray) => np.matmul(A, th))(f64([0.1, 0.2]));
    near(H, np.matmul(J.T, J.div(sig2.reshape([3, 1]))));
  });
  it("pytree inputs and outputs: out structure of in structure", () => {
    const f = ({ a, b }: { a: NDArray; b: NDArray }) => ({ s: a.mul(b), t: np.sin(a) });
    const jac = jacrev(f)({ a: f64([1, 2]), b: f64(3) });
    near(jac.s.a, [[3, 0], [0, 3]]);
    near(jac.s.b, [1, 2]);
    near(jac.t.b, [0, 0]);
    near(jacfwd(f)({ a: f64([1, 2]), b: f64(3) }).t.a, [[Math.cos(1), 0], [0, Math.cos(2)]]);
  });
});

describe("custom rules", () => {
  const softplus = customJvp((x: NDArray) => np.log1p(np.exp(x)));
  softplus.defjvp(([x]: NDArray[], [t]: NDArray[]) => [softplus(x), t.mul(nnFunctions.sigmoid(x))]);
  it("customJvp is used by jvp, grad, jit and vmap, and to higher order", () => {
    near(softplus(f64(1)), Math.log1p(Math.E));
    near(grad(softplus)(f64(1000)), 1);                 // the naive rule gives NaN here
    near(jit(grad(softplus))(f64(0)), 0.5);
    near(vmap(grad(softplus))(f64([0, 1000])), [0.5, 1]);
    near(grad(grad(softplus))(f64(0)), 0.25);
  });
  const clipGrad = customVjp((x: NDArray) => x.mul(1));
  clipGrad.defvjp((x: NDArray) => [x.mul(1), null], (_r: unknown, g: NDArray) => [np.clip(g, -1, 1)]);
  it("customVjp is used by grad (under jit and vmap too); forward mode is a clear error", () => {
    near(grad((x: NDArray) => clipGrad(x).mul(5))(f64(2)), 1);
    near(jit(grad((x: NDArray) => clipGrad(x).mul(-5)))(f64(2)), -1);
    near(vmap(grad((x: NDArray) => clipGrad(x).mul(0.5)))(f64([1, 2])), [0.5, 0.5]);
    expect(() => jvp(clipGrad, [f64(1)], [f64(1)])).toThrow(/forward-mode/);
  });
});

describe("checkpoint", () => {
  it("gives the same gradients and recomputes the forward pass in the backward pass", () => {
    let sinCalls = 0;
    const body = (x: NDArray) => { sinCalls++; return np.sin(np.sin(x)); };
    const f = (x: NDArray) => np.sum(checkpoint(body)(x));
    const x = f64([0.1, 0.7]);
    near(grad(f)(x), grad((v: NDArray) => np.sum(np.sin(np.sin(v))))(x));
    const [, back] = vjp(f, x);
    const text = makeJaxpr(back)(f64(1)).toString();
    expect(text).toContain("sin");                       // the backward pass recomputes sin
    const [, plainBack] = vjp((v: NDArray) => np.sum(np.sin(np.sin(v))), x);
    expect(makeJaxpr(plainBack)(f64(1)).toString()).not.toContain("sin");  // stored residuals instead
    expect(sinCalls).toBeGreaterThan(0);
  });
});

describe("jit cache keys", () => {
  it("distinguishes static data that prints alike (e.g. functions in registered nodes)", () => {
    class Act { constructor(readonly w: NDArray, readonly fn: (x: NDArray) => NDArray) {} }
    tree.registerNode(Act, (a: Act) => [[a.w], a.fn], (fn: unknown, [w]: unknown[]) => new Act(w as NDArray, fn as (x: NDArray) => NDArray));
    const f = jit((a: Act, x: NDArray) => a.fn(x.mul(a.w)));
    const x = f64([1, -2]);
    expect(f(new Act(f64(1), np.abs), x).js()).toEqual([1, 2]);
    expect(f(new Act(f64(1), np.negative), x).js()).toEqual([-1, 2]);
  });
});
