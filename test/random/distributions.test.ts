// Every sampler against scipy.stats: Kolmogorov-Smirnov (continuous) or chi-square
// (discrete) at level 0.001, and the first two moments, in float32 and float64.
// Keys are fixed, so the outcomes are deterministic.
import { describe, expect, it } from "vitest";
import { defaultDevice, devicePut, np, random, vmap, type NDArray } from "graft";
import { chiSquare, F, ksCritical, ksGrid, moments } from "./stats";
import { cpuBlock, forDtype } from "../device";

const N = 10_000;
const root = random.key(20240607);
let counter = 0;
// Keys follow the default device: float64 samplers run on the CPU in the WebGPU pass (test/device.ts).
const nextKey = () => random.foldIn(devicePut(root, defaultDevice()), counter++);
const values = (x: NDArray): number[] => Array.from(x.dataSync());

/** KS on the quantile grid, plus mean and variance within 5 standard errors. */
function checkContinuous(xs: number[], table: string, loc = 0, scale = 1): void {
  expect(xs.every(Number.isFinite)).toBe(true);
  expect(ksGrid(xs, table, loc, scale)).toBeLessThan(ksCritical(xs.length));
  const t = F.quantiles[table];
  const mean = loc + scale * t.mean, v = scale * scale * t.var;
  const m = moments(xs);
  expect(Math.abs(m.mean - mean)).toBeLessThan(5 * Math.sqrt(v / xs.length));
  expect(Math.abs(m.var - v)).toBeLessThan(5 * v * Math.sqrt((t.kurt + 2) / xs.length));
}

const DTYPES = ["float32", "float64"] as const;

describe.each(DTYPES)("continuous samplers (%s)", (dtype) => {
  if (dtype === "float64") cpuBlock();
  const opts = { dtype };
  const cases: [string, () => NDArray, string, number?, number?][] = [
    ["uniform", () => random.uniform(nextKey(), [N], opts), "uniform"],
    ["uniform(-2, 3)", () => random.uniform(nextKey(), [N], { dtype, minval: -2, maxval: 3 }), "uniform(-2,3)"],
    ["normal", () => random.normal(nextKey(), [N], opts), "normal"],
    ["truncatedNormal(-1, 2)", () => random.truncatedNormal(nextKey(), -1, 2, [N], opts), "truncnorm(-1,2)"],
    ["truncatedNormal(0.5, 4)", () => random.truncatedNormal(nextKey(), 0.5, 4, [N], opts), "truncnorm(0.5,4)"],
    ["exponential", () => random.exponential(nextKey(), [N], opts), "exponential"],
    ["laplace", () => random.laplace(nextKey(), [N], opts), "laplace"],
    ["logistic", () => random.logistic(nextKey(), [N], opts), "logistic"],
    ["gumbel", () => random.gumbel(nextKey(), [N], opts), "gumbel"],
    ["gumbel (mode high)", () => random.gumbel(nextKey(), [N], { dtype, mode: "high" }), "gumbel"],
    ["gamma(0.3)", () => random.gamma(nextKey(), 0.3, [N], opts), "gamma(0.3)"],
    ["gamma(1)", () => random.gamma(nextKey(), 1, [N], opts), "gamma(1)"],
    ["gamma(4.5)", () => random.gamma(nextKey(), 4.5, [N], opts), "gamma(4.5)"],
    ["gamma(40)", () => random.gamma(nextKey(), 40, [N], opts), "gamma(40)"],
    ["exp(loggamma(0.3))", () => np.exp(random.loggamma(nextKey(), 0.3, [N], opts)), "gamma(0.3)"],
    ["beta(0.5, 0.5)", () => random.beta(nextKey(), 0.5, 0.5, [N], opts), "beta(0.5,0.5)"],
    ["beta(2, 5)", () => random.beta(nextKey(), 2, 5, [N], opts), "beta(2,5)"],
  ];
  it.each(cases)("%s", (_name, draw, table, loc, scale) => {
    const x = draw();
    expect(x.dtype).toBe(dtype);
    expect(x.shape).toEqual([N]);
    checkContinuous(values(x), table, loc, scale);
  });

  it("truncatedNormal stays inside its bounds; gamma broadcasts its shape parameter", () => {
    const t = values(random.truncatedNormal(nextKey(), -0.1, 0.1, [2000], opts));
    expect(t.every((v) => v > -0.1 && v < 0.1)).toBe(true);
    const g = random.gamma(nextKey(), np.array([0.5, 5, 50], { dtype }), [N, 3], opts);
    const cols = [0, 1, 2].map((j) => values(g.slice([], j)));
    cols.forEach((c, j) => expect(moments(c).mean).toBeCloseTo([0.5, 5, 50][j], 0));
    expect(() => random.gamma(nextKey(), np.ones([4]), [3])).toThrow(/random.gamma: shapes must broadcast/);
  });

  it("dirichlet: rows on the simplex, Beta marginals", () => {
    const alpha = np.array([0.5, 1, 2.5], { dtype });
    const d = random.dirichlet(nextKey(), alpha, [N], opts);
    expect(d.shape).toEqual([N, 3]);
    const sums = values(np.sum(d, 1));
    expect(Math.max(...sums.map((s) => Math.abs(s - 1)))).toBeLessThan(dtype === "float32" ? 1e-5 : 1e-12);
    ["beta(0.5,3.5)", "beta(1,3)", "beta(2.5,1.5)"].forEach((t, j) => checkContinuous(values(d.slice([], j)), t));
    expect(random.dirichlet(nextKey(), np.ones([2, 4]), null, opts).shape).toEqual([2, 4]);
  });

  it("multivariateNormal: normal marginals and projections, the covariance", () => {
    const mean = np.array([1, -2], { dtype }), cov = np.array([[2, 0.6], [0.6, 1]], { dtype });
    const x = random.multivariateNormal(nextKey(), mean, cov, [N], opts);
    expect(x.shape).toEqual([N, 2]);
    expect(x.dtype).toBe(dtype);
    const a = values(x.slice([], 0)), b = values(x.slice([], 1));
    checkContinuous(a, "normal", 1, Math.SQRT2);
    checkContinuous(b, "normal", -2, 1);
    checkContinuous(a.map((v, i) => v - b[i]), "normal", 3, Math.sqrt(2 + 1 - 1.2));
    // batch shapes broadcast from mean and cov
    const xb = random.multivariateNormal(nextKey(), np.zeros([4, 2], { dtype }), cov, null, opts);
    expect(xb.shape).toEqual([4, 2]);
  });

  it.each(["eigh", "svd"] as const)("multivariateNormal (method %s), also for a singular covariance", (method) => {
    const cov = np.array([[2, 0.6], [0.6, 1]], { dtype });
    const x = random.multivariateNormal(nextKey(), np.zeros([2], { dtype }), cov, [N], { dtype, method });
    const a = values(x.slice([], 0)), b = values(x.slice([], 1));
    checkContinuous(a, "normal", 0, Math.SQRT2);
    checkContinuous(a.map((v, i) => v + b[i]), "normal", 0, Math.sqrt(2 + 1 + 1.2));
    const y = random.multivariateNormal(nextKey(), np.zeros([2], { dtype }), np.array([[1, 1], [1, 1]], { dtype }), [200], { dtype, method });
    const d = values(np.subtract(y.slice([], 0), y.slice([], 1)));
    expect(Math.max(...d.map(Math.abs))).toBeLessThan(dtype === "float32" ? 1e-4 : 1e-10);
  });
});

describe("discrete samplers", () => {
  it.each(DTYPES)("bernoulli (p in %s)", (dtype) => forDtype(dtype, () => {
    const x = random.bernoulli(nextKey(), np.array(0.3, { dtype }), [N]);
    expect(x.dtype).toBe("bool");
    const v = values(x);
    const { stat, critical } = chiSquare(v, [0.7, 0.3]);
    expect(stat).toBeLessThan(critical);
    expect(random.bernoulli(nextKey(), np.array([0, 1])).js()).toEqual([false, true]);
    expect(random.bernoulli(nextKey()).shape).toEqual([]);
  }));

  it.each(DTYPES)("categorical (logits in %s)", (dtype) => forDtype(dtype, () => {
    const p = [0.2, 0.3, 0.5];
    const x = random.categorical(nextKey(), np.log(np.array(p, { dtype })), { shape: [N] });
    expect(x.dtype).toBe("int32");
    const r = chiSquare(values(x), p);
    expect(r.stat).toBeLessThan(r.critical);
    // batched logits along axis 0: one distribution per column
    const logits = np.log(np.array([[0.9, 0.05], [0.1, 0.95]], { dtype }));
    const y = random.categorical(nextKey(), logits, { axis: 0, shape: [N, 2] });
    expect(y.shape).toEqual([N, 2]);
    expect(moments(values(y.slice([], 0))).mean).toBeCloseTo(0.1, 1);
    expect(moments(values(y.slice([], 1))).mean).toBeCloseTo(0.95, 1);
    // without replacement: distinct categories
    const z = random.categorical(nextKey(), np.zeros([6], { dtype }), { shape: [6], replace: false });
    expect([...values(z)].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  }));

  it("randint: uniform on [minval, maxval), edge spans", () => {
    const x = values(random.randint(nextKey(), [N], -5, 5));
    expect(Math.min(...x)).toBe(-5);
    expect(Math.max(...x)).toBe(4);
    const r = chiSquare(x.map((v) => v + 5), new Array(10).fill(0.1));
    expect(r.stat).toBeLessThan(r.critical);
    expect(new Set(values(random.randint(nextKey(), [50], 3, 3)))).toEqual(new Set([3]));
    expect(new Set(values(random.randint(nextKey(), [50], 3, 1)))).toEqual(new Set([3]));
    const full = values(random.randint(nextKey(), [N], -(2 ** 31), 2 ** 31 - 1));
    expect(moments(full).mean / 2 ** 31).toBeLessThan(0.05);
    const u = random.randint(nextKey(), [N], 0, 2 ** 32, { dtype: "uint32" });
    expect(u.dtype).toBe("uint32");
    expect(moments(values(u)).mean / 2 ** 32).toBeCloseTo(0.5, 1);
    const perCol = random.randint(nextKey(), [N, 2], np.array([0, 100]), np.array([2, 104]));
    expect(new Set(values(perCol.slice([], 1)))).toEqual(new Set([100, 101, 102, 103]));
  });

  it("permutation: a permutation, each position uniform", () => {
    const p = random.permutation(nextKey(), 50);
    expect([...values(p)].sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
    const keys = random.split(nextKey(), 3000);
    const firsts = values(vmap((k: NDArray) => random.permutation(k, 5).slice(0))(keys));
    const r = chiSquare(firsts, new Array(5).fill(0.2));
    expect(r.stat).toBeLessThan(r.critical);
    const x = np.arange(12).reshape([3, 4]);
    const px = random.permutation(nextKey(), x, { axis: 1 });
    expect((px.js() as number[][]).map((row) => row.map((v) => v % 4))).toEqual([0, 1, 2].map(() => (px.js() as number[][])[0].map((v) => v % 4)));
    const ind = random.permutation(nextKey(), x, { axis: 1, independent: true }).js() as number[][];
    ind.forEach((row, i) => expect([...row].sort((a, b) => a - b)).toEqual([0, 1, 2, 3].map((j) => 4 * i + j)));
  });

  it.each(DTYPES)("choice (p in %s)", (dtype) => forDtype(dtype, () => {
    const p = [0.1, 0.2, 0.3, 0.4];
    const a = np.array([10, 20, 30, 40]);
    const x = random.choice(nextKey(), a, [N], { p: np.array(p, { dtype }) });
    const r = chiSquare(values(x).map((v) => v / 10 - 1), p);
    expect(r.stat).toBeLessThan(r.critical);
    const u = random.choice(nextKey(), 4, [N]);
    const ru = chiSquare(values(u), [0.25, 0.25, 0.25, 0.25]);
    expect(ru.stat).toBeLessThan(ru.critical);
    const noRep = values(random.choice(nextKey(), 10, [10], { replace: false }));
    expect([...noRep].sort((s, t) => s - t)).toEqual([...Array(10).keys()]);
    const noRepP = values(random.choice(nextKey(), 5, [4], { replace: false, p: np.array([0.1, 0.1, 0.1, 0.1, 0.6], { dtype }) }));
    expect(new Set(noRepP).size).toBe(4);
    const rows = random.choice(nextKey(), np.arange(12).reshape([4, 3]), [2, 5], { axis: 0 });
    expect(rows.shape).toEqual([2, 5, 3]);
    expect(() => random.choice(nextKey(), 3, [4], { replace: false })).toThrow(/without replacement/);
  }));

  it.each([0.7, 3.5, 30])("poisson(%s)", (lam) => {
    const x = random.poisson(nextKey(), lam, [N]);
    expect(x.dtype).toBe("int32");
    const t = F.poisson[String(lam === 30 ? "30.0" : lam)];
    const v = values(x);
    const r = chiSquare(v, t.pmf);
    expect(r.stat).toBeLessThan(r.critical);
    const m = moments(v);
    expect(Math.abs(m.mean - lam)).toBeLessThan(5 * Math.sqrt(lam / N));
    expect(Math.abs(m.var - lam)).toBeLessThan(5 * lam * Math.sqrt((1 / lam + 2) / N));
  });

  it("poisson: lam 0 gives 0; per-element rates", () => {
    expect(values(random.poisson(nextKey(), 0, [5]))).toEqual([0, 0, 0, 0, 0]);
    const x = random.poisson(nextKey(), np.array([1, 100]), [N, 2]);
    expect(moments(values(x.slice([], 1))).mean).toBeCloseTo(100, -1);
  });
});
