// nn.losses against PyTorch (test/fixtures/losses.json from gen_losses.py): values and the
// gradient of the summed loss w.r.t. the first argument, in float32, including logits of
// magnitude 1e4 that must stay finite.
import { describe, expect, it } from "vitest";
import { np, grad, jit, vmap, type NDArray } from "graft";
import * as nn from "graft/nn";
import fixtures from "../fixtures/losses.json";

type Arg = { shape: number[]; data: number[] };
type Case = { name: string; args: Arg[]; out: Arg; grad: number[]; delta?: number; labelSmoothing?: number };
const cases = fixtures.cases as Case[];
const arr = (a: Arg, dtype: "float32" | "int32" = "float32"): NDArray =>
  np.array(dtype === "int32" ? Int32Array.from(a.data) : Float32Array.from(a.data), { shape: a.shape });

const L = nn.losses;
const fns: Record<string, (...xs: NDArray[]) => NDArray> = {
  mse: (p, t) => L.mse(p, t),
  mae: (p, t) => L.mae(p, t),
  huber: (p, t) => L.huber(p, t, { delta: 0.7 }),
  ce_onehot: (x, y) => L.softmaxCrossEntropy(x, y),
  ce_smooth: (x, y) => L.softmaxCrossEntropy(x, y, { labelSmoothing: 0.2 }),
  ce_int: (x, y) => L.softmaxCrossEntropyWithIntegerLabels(x, y),
  ce_int_extreme: (x, y) => L.softmaxCrossEntropyWithIntegerLabels(x, y),
  ce_onehot_extreme: (x, y) => L.softmaxCrossEntropy(x, y),
  bce: (x, y) => L.sigmoidBinaryCrossEntropy(x, y),
  gaussian_nll: (m, v, t) => L.gaussianNll(m, v, t, { eps: 1e-6 }),
  gaussian_nll_full: (m, v, t) => L.gaussianNll(m, v, t, { full: true }),
  kl: (m1, l1, m2, l2) => L.klDiagonalGaussians(m1, l1, m2, l2),
};

function expectClose(actual: ArrayLike<number>, expected: number[], rtol = 1e-4, atol = 1e-4) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Number.isFinite(actual[i])).toBe(true);
    expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(atol + rtol * Math.abs(expected[i]));
  }
}

describe("nn.losses vs PyTorch (reduction none)", () => {
  it("covers every fixture case", () => {
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(fns).sort());
  });
  it.each(cases.map((c) => [c.name, c] as const))("%s: values and gradient", (name, c) => {
    const intLabels = name.startsWith("ce_int");
    const args = c.args.map((a, i) => arr(a, intLabels && i === 1 ? "int32" : "float32"));
    const f = fns[name];
    const out = f(...args);
    expect(out.shape).toEqual(c.out.shape);
    expectClose(out.dataSync(), c.out.data);
    const g = grad((x: NDArray) => np.sum(f(x, ...args.slice(1))))(args[0]);
    expectClose(g.dataSync(), c.grad);
  });
});

describe("nn.losses formulas and stability", () => {
  it("huber is quadratic inside delta and linear outside", () => {
    expect(L.huber(np.array([0.5, 3, -3]), np.zeros([3]), { delta: 1 }).js()).toEqual([0.125, 2.5, 2.5]);
  });
  it("integer-label and one-hot cross-entropy agree, also with huge logits", () => {
    const logits = np.array([[1e4, -1e4, 0], [2, 1, 0.5]]);
    const labels = np.array(Int32Array.from([1, 0]), { shape: [2] });
    const a = L.softmaxCrossEntropyWithIntegerLabels(logits, labels).dataSync();
    const b = L.softmaxCrossEntropy(logits, nn.oneHot(labels, 3)).dataSync();
    expectClose(a, Array.from(b));
    expect(a[0]).toBeCloseTo(2e4, 0);
  });
  it("label smoothing of 0 is the plain loss; smoothing spreads a / K onto every class", () => {
    const x = np.array([[3, -1, 0.2, 4]]);
    const y = np.array([[0, 0, 1, 0]]);
    expectClose(L.softmaxCrossEntropy(x, y, { labelSmoothing: 0 }).dataSync(), Array.from(L.softmaxCrossEntropy(x, y).dataSync()));
    const a = 0.3;
    const ySmooth = np.add(np.multiply(y, 1 - a), a / 4);
    expectClose(L.softmaxCrossEntropy(x, y, { labelSmoothing: a }).dataSync(), Array.from(L.softmaxCrossEntropy(x, ySmooth).dataSync()));
  });
  it("binary cross-entropy with logits ±1e4 is finite with finite, bounded gradients", () => {
    const x = np.array([1e4, -1e4, 1e4, -1e4]);
    const y = np.array([1, 0, 0, 1]);
    const v = L.sigmoidBinaryCrossEntropy(x, y).dataSync();
    expectClose(v, [0, 0, 1e4, 1e4]);
    const g = grad((z: NDArray) => np.sum(L.sigmoidBinaryCrossEntropy(z, y)))(x).dataSync();
    expectClose(g, [0, 0, 1, -1]); // sigmoid(x) - y
  });
  it("works per example under vmap and jit", () => {
    const x = np.array([[2, 0, -1], [0.5, 0.5, 3]]);
    const y = np.array(Int32Array.from([0, 2]), { shape: [2] });
    const direct = L.softmaxCrossEntropyWithIntegerLabels(x, y).dataSync();
    const mapped = vmap((xi: NDArray, yi: NDArray) => L.softmaxCrossEntropyWithIntegerLabels(xi, yi))(x, y).dataSync();
    const jitted = jit((a: NDArray, b: NDArray) => L.softmaxCrossEntropyWithIntegerLabels(a, b))(x, y).dataSync();
    expectClose(mapped, Array.from(direct), 1e-6, 1e-6);
    expectClose(jitted, Array.from(direct), 1e-6, 1e-6);
  });
  it("KL of identical Gaussians is 0 and against N(0, I) matches the VAE formula", () => {
    const mu = np.array([[0.3, -1.2]]);
    const lv = np.array([[0.5, -0.4]]);
    expectClose(L.klDiagonalGaussians(mu, lv, mu, lv).dataSync(), [0], 0, 1e-6);
    // -0.5 Σ (1 + lv - mu^2 - e^lv)
    const m = [0.3, -1.2], l = [0.5, -0.4];
    const expected = -0.5 * m.reduce((s, mi, i) => s + 1 + l[i] - mi * mi - Math.exp(l[i]), 0);
    expectClose(L.klDiagonalGaussians(mu, lv, 0, 0).dataSync(), [expected]);
  });
  it("rejects integer labels of the wrong rank", () => {
    expect(() => L.softmaxCrossEntropyWithIntegerLabels(np.zeros([2, 3]), np.zeros([2, 3], { dtype: "int32" }))).toThrow(/labels must have shape/);
  });
});
