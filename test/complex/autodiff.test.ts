// Autodiff with complex numbers, in JAX's conventions: tangents of complex values are
// complex; transposes pair cotangent and tangent by Re(ct * t) (no conjugation); grad of a
// real loss L(z) is dL/dx - i dL/dy (fixtures: central differences in numpy, from
// test/fixtures/gen_complex.py); grad of a complex output needs { holomorphic: true }.
import { describe, expect, it } from "vitest";
import { grad, jit, jvp, lax, np, valueAndGrad, vjp, vmap, type NDArray } from "graft";
import fixtures from "../fixtures/complex.json";

const pairsOf = (d: number[]) => Array.from({ length: d.length / 2 }, (_, i) => ({ re: d[2 * i], im: d[2 * i + 1] }));
const c128 = (d: number[]) => np.array(pairsOf(d), { dtype: "complex128" });
const c128s = (d: number[]) => np.array(pairsOf(d)[0], { dtype: "complex128" });

function expectComplexClose(got: NDArray, want: number[], tol: number): void {
  const g = Array.from(got.dataSync());
  expect(g.length).toBe(want.length);
  g.forEach((v, i) => { if (!(Math.abs(v - want[i]) <= tol)) expect.fail(`element ${i}: got ${v}, expected ${want[i]} (tolerance ${tol})`); });
}

type Loss = (z: NDArray, c: NDArray, w: NDArray) => NDArray;
const LOSSES: Record<string, Loss> = {
  "sum |z|^2": (z) => np.sum(np.square(np.abs(z))),
  "sum re(exp(z) c)": (z, c) => np.sum(np.real(np.multiply(np.exp(z), c))),
  "sum |sin z|": (z) => np.sum(np.abs(np.sin(z))),
  "re(sum z c) + sum im(z)^2": (z, c) => np.add(np.real(np.sum(np.multiply(z, c))), np.sum(np.square(np.imag(z)))),
  "sum |fft z|^2 w": (z, _c, w) => np.sum(np.multiply(np.square(np.abs(np.fft.fft(z))), w)),
  "sum angle z": (z) => np.sum(np.angle(z)),
  "sum |sqrt z log z|": (z) => np.sum(np.abs(np.multiply(np.sqrt(z), np.log(z)))),
  "sum re(conj(z) z^2 / (z + 3))": (z) => np.sum(np.real(np.divide(np.multiply(np.conj(z), np.power(z, 2)), np.add(z, 3)))),
  "prod-abs": (z) => np.abs(np.prod(z)),
  "re(vdot(c, z)) * |mean z|": (z, c) => np.multiply(np.real(np.vdot(c, z)), np.abs(np.mean(z))),
  "sum |irfft(z)|^2 (n=8)": (z) => np.sum(np.multiply(np.square(np.fft.irfft(z, 8)), np.arange(1, 9).astype("float64"))),
};

describe("grad of real losses of complex inputs (JAX convention: dL/dx - i dL/dy)", () => {
  for (const g of fixtures.grads) {
    it(g.name, () => {
      const z = c128(g.z as number[]), c = c128(g.c as number[]), w = np.array(g.w as number[], { dtype: "float64" });
      const f = (zz: NDArray) => LOSSES[g.name](zz, c, w);
      const [value, gz] = valueAndGrad(f)(z);
      expect(value.item()).toBeCloseTo(g.value, 10);
      expect(gz.dtype).toBe("complex128");
      expectComplexClose(gz, g.grad as number[], 1e-6 * Math.max(1, ...(g.grad as number[]).map(Math.abs)));
      // The same under jit, and with the loss jitted inside.
      expectComplexClose(jit(grad(f))(z), g.grad as number[], 1e-6 * Math.max(1, ...(g.grad as number[]).map(Math.abs)));
    });
  }
  it("matches the autodiff cookbook: grad(x^2 + y^2) at 3+4j is 6-8j", () => {
    const f = (z: NDArray) => np.add(np.square(np.real(z)), np.square(np.imag(z)));
    expect(grad(f)(np.array({ re: 3, im: 4 })).js()).toEqual({ re: 6, im: -8 });
  });
  it("works in complex64", () => {
    const z = np.array([{ re: 1, im: 2 }, { re: -0.5, im: 0.25 }]);
    const g = grad((zz: NDArray) => np.sum(np.square(np.abs(zz))))(z);
    expect(g.dtype).toBe("complex64");
    expect(g.js()).toEqual([{ re: 2, im: -4 }, { re: -1, im: -0.5 }]);
  });
});

describe("holomorphic grad", () => {
  const F: Record<string, (z: NDArray) => NDArray> = {
    "sin(z) exp(z)": (z) => np.multiply(np.sin(z), np.exp(z)),
    "z^3 / (1 + z)": (z) => np.divide(np.power(z, 3), np.add(1, z)),
    "log(z) sqrt(z)": (z) => np.multiply(np.log(z), np.sqrt(z)),
    "conj(z) (not holomorphic)": (z) => np.conj(z),
  };
  for (const h of fixtures.holomorphic) {
    it(h.name, () => {
      const z = c128s(h.z as number[]);
      expectComplexClose(grad(F[h.name], { holomorphic: true })(z), h.grad as number[], 1e-12);
    });
  }
  it("raises for complex outputs without holomorphic, as JAX", () => {
    const z = np.array({ re: 1, im: 1 });
    expect(() => grad(np.sin)(z)).toThrow(/grad: requires real-valued outputs.*c64\[\].*holomorphic: true/);
  });
  it("raises for real inputs or real outputs with holomorphic", () => {
    expect(() => grad(np.sin, { holomorphic: true })(np.array(1))).toThrow(/holomorphic: true requires inputs with a complex dtype/);
    expect(() => grad((z: NDArray) => np.abs(z), { holomorphic: true })(np.array({ re: 1, im: 1 }))).toThrow(/returning a complex scalar/);
  });
});

describe("jvp and transposes of complex ops", () => {
  const z = np.array([{ re: 0.3, im: -1.2 }, { re: 2, im: 0.5 }], { dtype: "complex128" });
  const t = np.array([{ re: 1, im: 0.5 }, { re: -0.25, im: 2 }], { dtype: "complex128" });
  const u = np.array([{ re: -0.7, im: 0.1 }, { re: 0.4, im: 1.5 }], { dtype: "complex128" });
  /** Re(sum(a * b)): the pairing JAX's transposes use. */
  const pair = (a: NDArray, b: NDArray) => np.real(np.sum(np.multiply(a, b))).item();

  it("tangents of complex values are complex (holomorphic: f'(z) t)", () => {
    const [y, ty] = jvp(np.exp, [z], [t]);
    expect(y.dtype).toBe("complex128");
    expectComplexClose(ty, Array.from(np.multiply(np.exp(z), t).dataSync()), 1e-14);
  });
  it("mul by a constant transposes to mul by the constant itself (no conjugate)", () => {
    const c = np.array([{ re: 2, im: 3 }, { re: -1, im: 0.5 }], { dtype: "complex128" });
    const [, back] = vjp((x: NDArray) => np.multiply(x, c), z);
    expectComplexClose(back(u)[0], Array.from(np.multiply(u, c).dataSync()), 1e-15);
  });
  it("real, imag, conj, complex and abs transpose consistently with their jvps", () => {
    const fns: [string, (x: NDArray) => NDArray][] = [
      ["real", np.real], ["imag", np.imag], ["conj", np.conj], ["abs", np.abs], ["angle", (x) => np.angle(x)],
      ["complex(imag, real)", (x) => lax.complex(np.imag(x), np.real(x))],
      ["fft", (x) => np.fft.fft(x)], ["ifft ortho", (x) => np.fft.ifft(x, null, -1, "ortho")],
      ["exp * conj", (x) => np.multiply(np.exp(x), np.conj(x))],
    ];
    for (const [name, f] of fns) {
      const [y, back] = vjp(f, z);
      const [, ty] = jvp(f, [z], [t]);
      const ct = y.dtype === "complex128" ? u : np.real(u);
      const lhs = pair(ct, ty), rhs = pair(back(ct)[0], t);
      expect(Math.abs(lhs - rhs), `${name}: <ct, J t> = ${lhs}, <J^T ct, t> = ${rhs}`).toBeLessThan(1e-12);
    }
  });
  it("casts: real -> complex and complex -> real (the real part) are linear", () => {
    const x = np.array([0.5, -2], { dtype: "float64" });
    const g = grad((v: NDArray) => np.sum(np.abs(np.square(v.astype("complex128")))))(x);
    expect(Array.from(g.dataSync())).toEqual([1, -4]);
    const gz = grad((v: NDArray) => np.sum(np.square(lax.convertElementType(v, "float64"))))(z);
    expectComplexClose(gz, [0.6, 0, 4, 0], 1e-15);
  });
  it("vmap of grad of a complex loss", () => {
    const f = (v: NDArray) => np.sum(np.square(np.abs(np.exp(v))));
    const zs = np.stack([z, np.conj(z)]);
    const gs = vmap(grad(f))(zs);
    expectComplexClose(gs.slice(1), Array.from(grad(f)(np.conj(z)).dataSync()), 1e-14);
  });
});
