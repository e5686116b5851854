// Textbook derivatives: jvp/vjp/grad/linearize, higher order, pytrees, argnums/hasAux,
// integer inputs, stopGradient, nested-derivative perturbation confusion.
import { describe, expect, it } from "vitest";
import { grad, jvp, linearize, makeJaxpr, np, stopGradient, valueAndGrad, vjp, type NDArray } from "graft";

const f64 = (v: number | number[]) => np.array(v, { dtype: "float64" });
const close = (a: NDArray | number, b: number | number[], tol = 1e-10) => {
  const got = typeof a === "number" ? a : a.js();
  const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
  const [g, e] = [flat(got), flat(b)];
  expect(g.length).toBe(e.length);
  g.forEach((x, i) => expect(Math.abs(x - e[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e[i]))));
};

describe("jvp and vjp of f([x, y]) = [x*y, y^3] at [2, 3]", () => {
  const f = (v: NDArray) => np.stack([v.slice(0).mul(v.slice(1)), np.power(v.slice(1), 3)]);
  it("jvp with [1.2, 3.4] gives [10.4, 91.8]", () => {
    const [y, t] = jvp(f, [f64([2, 3])], [f64([1.2, 3.4])]);
    close(y, [6, 27]);
    close(t, [10.4, 91.8]);
  });
  it("vjp with [4, 5] gives [12, 143]", () => {
    const [, back] = vjp(f, f64([2, 3]));
    close(back(f64([4, 5]))[0], [12, 143]);
  });
  it("linearize evaluates the same tangent map", () => {
    const [y, fj] = linearize(f, f64([2, 3]));
    close(y, [6, 27]);
    close(fj(f64([1.2, 3.4])), [10.4, 91.8]);
  });
});

describe("higher order", () => {
  it("derivatives of x^3 at 4 are 64, 48, 24, 6, 0", () => {
    let g: (x: NDArray) => NDArray = (x) => np.power(x, 3);
    const vals = [g(f64(4)).item()];
    for (let i = 0; i < 4; i++) { g = grad(g); vals.push(g(f64(4)).item()); }
    expect(vals).toEqual([64, 48, 24, 6, 0]);
  });
  it("no perturbation confusion: d/dx [x * d/dy (x y)] = 2x", () => {
    const h = (x: NDArray) => x.mul(grad((y: NDArray) => x.mul(y))(f64(3)));
    close(grad(h)(f64(3)), 6);
    const [, t] = jvp(h, [f64(3)], [f64(1)]);
    close(t, 6);
  });
  it("grad of grad of sin is -sin", () => close(grad(grad(np.sin))(f64(0.7)), -Math.sin(0.7)));
});

describe("grad options", () => {
  const loss = (w: NDArray, b: NDArray, x: NDArray) => np.sum(np.square(x.mul(w).add(b)));
  const [w, b, x] = [f64(2), f64(-1), f64([1, 2, 3])];
  it("argnums number and list", () => {
    // d/dw sum((wx + b)^2) = sum(2 (wx + b) x) = 2 (1*1 + 3*2 + 5*3) = 44; d/db = 2 (1 + 3 + 5) = 18
    close(grad(loss)(w, b, x), 44);
    const [gw, gb] = grad(loss, { argnums: [0, 1] })(w, b, x);
    close(gw, 44); close(gb, 18);
    close(grad(loss, { argnums: -1 })(w, b, x), [4, 12, 20]);
  });
  it("hasAux and valueAndGrad", () => {
    const withAux = (p: NDArray) => [np.sum(np.square(p)), { n: p.size }];
    const [g, aux] = grad(withAux, { hasAux: true })(f64([1, 2]));
    close(g, [2, 4]);
    expect(aux).toEqual({ n: 2 });
    const [[v, aux2], g2] = valueAndGrad(withAux, { hasAux: true })(f64([1, 2]));
    close(v, 5); close(g2, [2, 4]);
    expect(aux2.n).toBe(2);
    const [v3, g3] = valueAndGrad((p: NDArray) => np.sum(p.mul(p)))(f64([3]));
    close(v3, 9); close(g3, [6]);
  });
  it("pytree inputs give pytree gradients", () => {
    const g = grad((p: { a: NDArray; b: NDArray[] }) => np.sum(p.a.mul(p.b[0])).add(np.sum(p.b[1])))({ a: f64([1, 2]), b: [f64([3, 4]), f64([5])] });
    close(g.a, [3, 4]); close(g.b[0], [1, 2]); close(g.b[1], [1]);
  });
  it("differentiating w.r.t. an integer input is a clear error; other int inputs are fine", () => {
    const idx = np.array([0, 1], { dtype: "int32" });
    expect(() => grad((i: NDArray) => np.sum(i))(idx)).toThrow(/grad: can only differentiate with respect to floating-point inputs.*int32/);
    close(grad((p: NDArray, i: NDArray) => np.sum(np.take(p, i)))(f64([1, 2, 3]), idx), [1, 1, 0]);
  });
  it("non-scalar output is a clear error", () => {
    expect(() => grad((p: NDArray) => p.mul(2))(f64([1, 2]))).toThrow(/scalar/);
  });
  it("stopGradient blocks gradients", () => {
    close(grad((p: NDArray) => p.mul(stopGradient(p)))(f64(3)), 3);
    expect(makeJaxpr((p: NDArray) => stopGradient(p))(f64(1)).toString()).toContain("stop_gradient");
  });
});
