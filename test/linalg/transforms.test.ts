// np.linalg under transforms: jit equals eager, vmap (any in/out axis, batched or broadcast
// operands, including triangular_solve's folded right-hand-side path) equals a loop, second
// derivatives (Hessian of log|det|), and the primitives that appear in traced programs.
import { describe, expect, it } from "vitest";
import { grad, hessian, jit, jvp, makeJaxpr, np, vmap, type NDArray } from "graft";
import { checkGrads } from "graft/testing";

/** Deterministic pseudo-random float64 data (LCG), so these tests need no fixtures. */
function rand(shape: number[], seed: number, shift = 0): NDArray {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float64Array.from({ length: n }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; });
  const x = np.array(data, { shape, dtype: "float64" });
  if (!shift) return x;
  const k = shape.at(-1)!;
  return np.add(x, np.multiply(np.eye(k, undefined, 0, { dtype: "float64" }), shift));
}
const spd = (shape: number[], seed: number) => {
  const x = rand(shape, seed);
  return np.add(np.matmul(x, np.swapaxes(x, -1, -2)), np.multiply(np.eye(shape.at(-1)!, undefined, 0, { dtype: "float64" }), shape.at(-1)!));
};
function expectAllClose(a: NDArray | NDArray[], b: NDArray | NDArray[], tol = 1e-12): void {
  const as = Array.isArray(a) ? a : [a], bs = Array.isArray(b) ? b : [b];
  expect(as.length).toBe(bs.length);
  as.forEach((x, i) => {
    expect(x.shape).toEqual(bs[i].shape);
    const d = Array.from(np.abs(np.subtract(x, bs[i])).dataSync()).reduce((m, v) => Math.max(m, v), 0);
    expect(d, `output ${i}`).toBeLessThanOrEqual(tol);
  });
}
const loop = (f: (...xs: NDArray[]) => NDArray | NDArray[], axes: (number | null)[], outAxis: number, ...xs: NDArray[]) => {
  const size = xs.find((_, i) => axes[i] !== null)!.shape[axes.find((a) => a !== null)!];
  const per = [...Array(size).keys()].map((i) => f(...xs.map((x, k) => (axes[k] === null ? x : np.take(x, i, axes[k]!)))));
  const first = per[0];
  if (Array.isArray(first)) return first.map((_, j) => np.stack(per.map((p) => (p as NDArray[])[j]), outAxis));
  return np.stack(per as NDArray[], outAxis);
};

const A = spd([4, 4], 1), B = rand([4, 3], 2), W = rand([5, 3], 3);
const FNS: [string, (...xs: NDArray[]) => NDArray | NDArray[], NDArray[]][] = [
  ["cholesky", (a) => np.linalg.cholesky(a), [A]],
  ["triangularSolve", (a, b) => np.linalg.triangularSolve(a, b, { leftSide: true, lower: true }), [A, B]],
  ["solve", (a, b) => np.linalg.solve(a, b), [A, B]],
  ["inv", (a) => np.linalg.inv(a), [A]],
  ["det", (a) => np.linalg.det(a), [A]],
  ["slogdet", (a) => np.linalg.slogdet(a), [A]],
  ["eigh", (a) => np.linalg.eigh(a), [A]],
  ["svd", (a) => np.linalg.svd(a, false), [W]],
  ["qr", (a) => np.linalg.qr(a), [W]],
  ["norm 2", (a) => np.linalg.norm(a, 2), [W]],
  ["lstsq", (a, b) => np.linalg.lstsq(a, b).filter((_, i) => i !== 2), [W, rand([5], 4)]],
  ["pinv", (a) => np.linalg.pinv(a), [W]],
];

describe("jit(f) == f", () => {
  for (const [name, f, args] of FNS) it(name, () => expectAllClose(jit(f)(...args), f(...args)));
});

describe("vmap(f) == loop over f", () => {
  for (const [name, f, args] of FNS) {
    it(`${name}: every operand batched along axis 0`, () => {
      const xs = args.map((x, i) => np.stack([x, np.multiply(x, 1.5 + i), np.add(x, 0.25)]));
      expectAllClose(vmap(f)(...xs), loop(f, xs.map(() => 0), 0, ...xs), 1e-10);
    });
  }
  it("cholesky with inAxes 2 and outAxes 1", () => {
    const xs = np.moveaxis(np.stack([A, spd([4, 4], 9)]), 0, 2);
    expectAllClose(vmap((a: NDArray) => np.linalg.cholesky(a), { inAxes: 2, outAxes: 1 })(xs),
      loop((a) => np.linalg.cholesky(a), [2], 1, xs));
  });
  it("solve with only b batched (triangular_solve folds the vmapped axis into b's columns)", () => {
    const bs = rand([4, 6, 3], 5); // batch on axis 1
    const f = (b: NDArray) => np.linalg.solve(A, b);
    expectAllClose(vmap(f, { inAxes: 1 })(bs), loop(f, [1], 0, bs), 1e-12);
    const jaxpr = makeJaxpr(vmap(f, { inAxes: 1 }))(bs).toString();
    expect(jaxpr).toContain("triangular_solve");
  });
  it("triangularSolve right side, only b batched, and only a batched", () => {
    const L = np.linalg.cholesky(A);
    const f = (a: NDArray, b: NDArray) => np.linalg.triangularSolve(a, b, { lower: true, transposeA: true });
    const bs = rand([2, 5, 4], 6);
    expectAllClose(vmap(f, { inAxes: [null, 0] })(L, bs), loop(f, [null, 0], 0, L, bs), 1e-12);
    const as = np.stack([L, np.multiply(L, 2)]);
    const b = rand([3, 4], 7);
    expectAllClose(vmap(f, { inAxes: [0, null] })(as, b), loop(f, [0, null], 0, as, b), 1e-12);
  });
  it("vmap of grad of log|det| (per-example gradients)", () => {
    const as = np.stack([A, spd([4, 4], 11), spd([4, 4], 12)]);
    const g = (a: NDArray) => grad((x: NDArray) => np.linalg.slogdet(x)[1])(a);
    expectAllClose(vmap(g)(as), loop(g, [0], 0, as), 1e-12);
    // d log|det A| / dA = A⁻ᵀ
    expectAllClose(g(A), np.linalg.inv(A).T, 1e-12);
  });
});

describe("higher order and composition", () => {
  it("Hessian of log|det A| is -(A⁻ᵀ)_il (A⁻ᵀ)_kj", () => {
    const a = spd([3, 3], 21);
    const h = hessian((x: NDArray) => np.linalg.slogdet(x)[1])(a) as NDArray;
    const ai = np.linalg.inv(a).T;
    const want = np.negative(np.einsum("il,kj->ijkl", ai, ai));
    expectAllClose(h, want, 1e-10);
  });
  it("second-order checks of cholesky, solve and eigh (float64)", () => {
    checkGrads((a: NDArray) => np.linalg.cholesky(a), [spd([3, 3], 22)], { order: 2 });
    checkGrads((a: NDArray, b: NDArray) => np.linalg.solve(a, b), [rand([3, 3], 23, 2), rand([3], 24)], { order: 2 });
    checkGrads((a: NDArray) => np.linalg.eigh(a)[0], [rand([3, 3], 25)], { order: 2 });
  });
  it("jit of grad of a Gaussian log-likelihood through cholesky", () => {
    const y = rand([4], 31);
    const nll = (k: NDArray) => {
      const L = np.linalg.cholesky(k);
      const z = np.linalg.triangularSolve(L, y, { leftSide: true, lower: true });
      return np.add(np.multiply(np.sum(np.square(z)), 0.5), np.sum(np.log(np.diagonal(L))));
    };
    const g = jit(grad(nll))(A);
    // d/dK [½ yᵀK⁻¹y + ½ log|K|] = ½ (K⁻¹ - K⁻¹ y yᵀ K⁻¹), symmetric since cholesky symmetrizes.
    const ki = np.linalg.inv(A), kiy = np.matmul(ki, y);
    expectAllClose(g, np.multiply(np.subtract(ki, np.outer(kiy, kiy)), 0.5), 1e-12);
  });
  it("jvp of solve in both operands", () => {
    const a = rand([3, 3], 41, 2), b = rand([3], 42), da = rand([3, 3], 43), db = rand([3], 44);
    const [x, dx] = jvp((p: NDArray, q: NDArray) => np.linalg.solve(p, q), [a, b], [da, db]);
    // d(A⁻¹b) = A⁻¹ (db - dA x)
    expectAllClose(dx, np.linalg.solve(a, np.subtract(db, np.matmul(da, x))), 1e-12);
  });
  it("without symmetrization only one triangle is read, and derivatives follow that triangle", () => {
    const a = rand([4, 4], 51, 3), lowerSym = np.add(np.tril(a), np.tril(a, -1).T), upperSym = np.add(np.triu(a), np.triu(a, 1).T);
    const spdA = np.add(np.matmul(a, a.T), np.multiply(np.eye(4, undefined, 0, { dtype: "float64" }), 4));
    const junk = np.add(np.tril(spdA), np.triu(rand([4, 4], 52), 1)); // garbage above the diagonal
    expectAllClose(np.linalg.cholesky(junk, { symmetrizeInput: false }), np.linalg.cholesky(spdA), 1e-12);
    expectAllClose(np.linalg.eigh(a, "L", { symmetrizeInput: false })[0], np.linalg.eigh(lowerSym)[0], 1e-12);
    expectAllClose(np.linalg.eigh(a, "U", { symmetrizeInput: false })[0], np.linalg.eigh(upperSym)[0], 1e-12);
    checkGrads((x: NDArray) => np.linalg.cholesky(x, { symmetrizeInput: false }), [junk]);
    checkGrads((x: NDArray) => np.linalg.eigh(x, "U", { symmetrizeInput: false })[0], [a]);
    checkGrads((x: NDArray) => np.linalg.cholesky(x, { upper: true }), [junk]);
  });
  it("traced programs use the linalg primitives", () => {
    const text = makeJaxpr((a: NDArray, b: NDArray) => np.linalg.solve(a, b))(A, B).toString();
    expect(text).toContain("lu");
    expect(text).toContain("triangular_solve");
    for (const p of ["cholesky", "eigh", "svd", "qr"]) {
      const f = { cholesky: np.linalg.cholesky, eigh: (x: NDArray) => np.linalg.eigh(x)[0], svd: (x: NDArray) => np.linalg.svd(x, false)[1], qr: (x: NDArray) => np.linalg.qr(x, "r") }[p]!;
      expect(makeJaxpr(f as (x: NDArray) => NDArray)(A).toString()).toContain(p);
    }
  });
});
