// Differentiating through samplers: erf_inv, the implicit reparameterisation gradient of
// gamma (and beta, dirichlet, loggamma built on it), and the reparameterised samplers.
import { describe, expect, it } from "vitest";
import { grad, jacfwd, lax, np, random, vmap, type NDArray } from "graft";
import { F, moments } from "./stats";
import { cpuBlock, onCpu } from "../device";

const f64 = (v: number | number[] | number[][]) => np.array(v, { dtype: "float64" });
const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const key = onCpu(() => random.key(31415)); // every test here runs on the CPU (float64)

describe("erf_inv", () => {
  cpuBlock();
  it("matches mpmath in float64 and rounds correctly to float32", () => {
    const ys = F.erfinv.map(([y]) => y), want = F.erfinv.map(([, v]) => v);
    const got = Array.from(lax.erfInv(f64(ys)).dataSync());
    got.forEach((g, i) => expect(relErr(g, want[i]) < 1e-14 || g === want[i]).toBe(true));
    // float32 inputs (exactly representable): the float64 value rounded once.
    const exact32 = F.erfinv.filter(([y]) => Math.fround(y) === y && y !== 0);
    const g32 = Array.from(lax.erfInv(np.array(exact32.map(([y]) => y))).dataSync());
    g32.forEach((g, i) => expect(g).toBe(Math.fround(exact32[i][1])));
    expect(lax.erfInv(f64([1, -1, 1.5])).js()).toEqual([Infinity, -Infinity, NaN]);
  });
  it("has derivative sqrt(pi)/2 exp(erfinv(x)^2)", () => {
    for (const x of [-0.9, 0, 0.3, 0.99]) {
      const g = grad((v: NDArray) => lax.erfInv(v))(f64(x)).item();
      const y = lax.erfInv(f64(x)).item();
      expect(relErr(g, (Math.sqrt(Math.PI) / 2) * Math.exp(y * y))).toBeLessThan(1e-14);
      const h = 1e-6;
      const fd = (lax.erfInv(f64(x + h)).item() - lax.erfInv(f64(x - h)).item()) / (2 * h);
      expect(relErr(g, fd)).toBeLessThan(1e-6);
    }
  });
});

describe("gamma: implicit reparameterisation gradient", () => {
  cpuBlock();
  // d/da of the gamma quantile function at fixed q (mpmath, see gen_random.py).
  it("random_gamma_grad matches d/da gammaincinv(a, q) (float64 and float32)", () => {
    const rows = F.gamma_grad;
    const got = Array.from(lax.randomGammaGrad(f64(rows.map((r) => r.a)), f64(rows.map((r) => r.x))).dataSync());
    got.forEach((g, i) => expect(relErr(g, rows[i].dxda)).toBeLessThan(1e-12));
    const mid = rows.filter((r) => r.x > 1e-30);
    const g32 = Array.from(lax.randomGammaGrad(np.array(mid.map((r) => r.a)), np.array(mid.map((r) => r.x))).dataSync());
    g32.forEach((g, i) => expect(relErr(g, mid[i].dxda)).toBeLessThan(2e-5));
  });
  it("grad of a gamma sample is random_gamma_grad(a, sample)", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const a = np.array([0.2, 1, 7.5], { dtype });
      const x = random.gamma(key, a, null, { dtype });
      const g = grad((aa: NDArray) => np.sum(random.gamma(key, aa, null, { dtype })))(a);
      expect(Array.from(g.dataSync())).toEqual(Array.from(lax.randomGammaGrad(a, x).dataSync()));
    }
    // a scalar a broadcast to a shape: the gradient sums over the samples
    const gs = grad((aa: NDArray) => np.sum(random.gamma(key, aa, [5], { dtype: "float64" })))(f64(2));
    const xs = random.gamma(key, 2, [5], { dtype: "float64" });
    expect(gs.item()).toBeCloseTo(np.sum(lax.randomGammaGrad(f64(2), xs)).item(), 12);
  });
  it("is unbiased: the mean gradient is d E[x] / d a", () => {
    const n = 4000, keys = random.split(key, n);
    // Per-key gradients of one sample (vmap of grad), their mean within 5 standard errors.
    const check = (sample: (k: NDArray, p: NDArray) => NDArray, p: number, want: number) => {
      const gs = Array.from((vmap((k: NDArray) => grad((q: NDArray) => sample(k, q))(f64(p)))(keys) as NDArray).dataSync());
      const m = moments(gs);
      expect(Math.abs(m.mean - want)).toBeLessThan(5 * Math.sqrt(m.var / n));
    };
    const d = { dtype: "float64" as const };
    // E[Gamma(a)] = a, so E[dx/da] = 1.
    check((k, a) => random.gamma(k, a, null, d), 0.4, 1);
    check((k, a) => random.gamma(k, a, null, d), 3, 1);
    // E[log Gamma(a)] = digamma(a): its derivative at a = 1 is trigamma(1) = pi^2 / 6.
    check((k, a) => random.loggamma(k, a, null, d), 1, Math.PI ** 2 / 6);
    // E[Beta(a, b)] = a / (a + b): d/da = b / (a + b)^2 at (2, 3).
    check((k, a) => random.beta(k, a, 3, null, d), 2, 3 / 25);
    // E[Dirichlet(alpha)_0] = alpha_0 / sum(alpha): d/d alpha_0 = (sum - alpha_0) / sum^2 at (1, 2, 3).
    check((k, a) => random.dirichlet(k, np.concatenate([a.reshape([1]), f64([2, 3])]), null, d).slice(0), 1, 5 / 36);
  });
  it("second derivatives raise a clear error", () => {
    const g = grad((a: NDArray) => random.gamma(key, a, null, { dtype: "float64" }));
    expect(() => grad(g)(f64(2))).toThrow(/second derivatives of gamma.*not supported/);
  });
});

describe("reparameterised samplers", () => {
  cpuBlock();
  const fd = (f: (x: number) => number, x: number, h = 1e-6) => (f(x + h) - f(x - h)) / (2 * h);
  it("uniform is differentiable in minval and maxval", () => {
    const u = random.uniform(key, [4], { dtype: "float64" });
    const g = grad((lo: NDArray) => random.uniform(key, [4], { dtype: "float64", minval: lo, maxval: 3 }).sum())(f64(-1));
    expect(g.item()).toBeCloseTo(4 - np.sum(u).item(), 12);
  });
  it("truncatedNormal is differentiable in its bounds (finite differences)", () => {
    const f = (lo: number, hi: number) => random.truncatedNormal(key, lo, hi, [6], { dtype: "float64" }).sum().item();
    const [gl, gh] = grad((lo: NDArray, hi: NDArray) => random.truncatedNormal(key, lo, hi, [6], { dtype: "float64" }).sum(), { argnums: [0, 1] })(f64(-0.5), f64(1.5)) as NDArray[];
    expect(relErr(gl.item(), fd((l) => f(l, 1.5), -0.5))).toBeLessThan(1e-5);
    expect(relErr(gh.item(), fd((h) => f(-0.5, h), 1.5))).toBeLessThan(1e-5);
  });
  it("multivariateNormal is differentiable in mean and cov (finite differences)", () => {
    const mean = f64([0.5, -1]), cov = f64([[2, 0.3], [0.3, 0.5]]);
    const f = (c: NDArray) => random.multivariateNormal(key, mean, c, [3], { dtype: "float64" }).sum();
    const gm = grad((m: NDArray) => random.multivariateNormal(key, m, cov, [3], { dtype: "float64" }).sum())(mean);
    expect(gm.js()).toEqual([3, 3]);
    const gc = grad(f)(cov).js() as number[][];
    const h = 1e-6;
    for (const [i, j] of [[0, 0], [1, 0], [1, 1]]) {
      const e = np.zeros([2, 2], { dtype: "float64" }).at(i, j).set(h);
      const num = (f(np.add(cov, e)).item() - f(np.subtract(cov, e)).item()) / (2 * h);
      expect(Math.abs(gc[i][j] - num)).toBeLessThan(1e-6);
    }
    expect(jacfwd((m: NDArray) => random.multivariateNormal(key, m, cov, null, { dtype: "float64" }))(mean).js()).toEqual([[1, 0], [0, 1]]);
  });
});
