// np.linalg errors and edge cases: shape and dtype errors name the op and the avals; an
// exactly singular concrete matrix raises in solve/inv (NumPy's LinAlgError) but gives
// inf/NaN under jit (JAX); cholesky of a non-positive-definite matrix is NaN (JAX);
// singular det/slogdet; derivative cases JAX does not implement; empty and 1×1 matrices.
import { describe, expect, it } from "vitest";
import { DTypeError, grad, jit, jvp, np, ShapeError, vmap, type NDArray } from "graft";

const f64 = (x: number[][] | number[] | number[][][]) => np.array(x, { dtype: "float64" });

describe("np.linalg shape and dtype errors", () => {
  it("non-square input names the op and the aval", () => {
    const a = np.zeros([3, 4]);
    for (const [name, f] of [["cholesky", np.linalg.cholesky], ["inv", np.linalg.inv], ["det", np.linalg.det],
      ["slogdet", np.linalg.slogdet], ["eigh", np.linalg.eigh]] as const) {
      expect(() => (f as (x: NDArray) => unknown)(a), name).toThrow(ShapeError);
      expect(() => (f as (x: NDArray) => unknown)(a), name).toThrow(`${name}: a must be a square matrix (or a batch of them, shape [..., n, n]), got f32[3,4].`);
    }
    expect(() => np.linalg.solve(a, np.zeros([3]))).toThrow("solve: a must be a square matrix (or a batch of them, shape [..., n, n]), got f32[3,4] and f32[3].");
  });
  it("rank < 2 is an error", () => {
    expect(() => np.linalg.svd(np.zeros([3]))).toThrow(/svd: a must be a matrix.*got f32\[3\]/);
    expect(() => np.linalg.qr(np.zeros([3]))).toThrow(ShapeError);
    expect(() => np.linalg.det(np.zeros([3]))).toThrow(/det: a must be a square matrix/);
  });
  it("mismatched right-hand sides and batch dims", () => {
    expect(() => np.linalg.solve(np.eye(3), np.zeros([4]))).toThrow("solve: b must have shape [..., 3] or [..., 3, k] for a of size 3, got f32[3,3] and f32[4].");
    expect(() => np.linalg.solve(np.zeros([2, 3, 3]), np.zeros([4, 3, 1]))).toThrow(ShapeError);
    expect(() => np.linalg.triangularSolve(np.eye(3), np.zeros([3, 2]))).toThrow(/triangularSolve: b of shape \[\.\.\., k, 3\]/);
    expect(() => np.linalg.lstsq(np.zeros([4, 2]), np.zeros([3]))).toThrow(/lstsq: b must have shape/);
  });
  it("the primitives' own shape rules (reached through lax-level use under jit)", () => {
    // jit traces the np function, whose checks run first; the primitive rule guards direct binds.
    expect(() => jit((a: NDArray) => np.linalg.cholesky(a))(np.zeros([2, 3]))).toThrow(/cholesky: a must be a square matrix/);
  });
  it("complex and integer inputs", () => {
    expect(() => np.linalg.det(np.zeros([2, 2]).astype("complex64"))).toThrow(DTypeError);
    expect(() => np.linalg.det(np.zeros([2, 2]).astype("complex64"))).toThrow("det: requires real inputs (complex inputs are not supported by np.linalg yet), got c64[2,2].");
    const d = np.linalg.det(np.array([[1, 2], [3, 4]], { dtype: "int32" }));
    expect(d.dtype).toBe("float32");
    expect(d.item()).toBeCloseTo(-2, 5);
  });
  it("bad options", () => {
    expect(() => np.linalg.norm(np.zeros([2, 2, 2]), 2)).toThrow(/norm: needs an axis/);
    expect(() => np.linalg.norm(np.zeros([3]), "fro")).toThrow(/norm: a vector norm's ord must be a number/);
    expect(() => np.linalg.norm(np.zeros([3, 3]), 3)).toThrow(/norm: a matrix norm's ord/);
    expect(() => np.linalg.norm(np.zeros([3, 3]), 2, [0, 0])).toThrow(RangeError);
    expect(() => np.linalg.qr(np.zeros([3, 3]), "raw" as "r")).toThrow(/qr: mode must be/);
    expect(() => np.linalg.eigh(np.eye(2), "X" as "L")).toThrow(/eigh: UPLO must be/);
  });
});

describe("singular and indefinite input", () => {
  const sing = f64([[1, 2, 3], [2, 4, 6], [1, 0, 1]]);
  it("solve and inv raise a RangeError naming the op and the pivot (as NumPy's LinAlgError)", () => {
    expect(() => np.linalg.solve(sing, f64([1, 2, 3]))).toThrow(RangeError);
    expect(() => np.linalg.solve(sing, f64([1, 2, 3]))).toThrow("solve: matrix is singular (zero pivot at column 2).");
    expect(() => np.linalg.inv(np.zeros([2, 2]))).toThrow("inv: matrix is singular (zero pivot at column 0).");
    const batch = np.stack([np.eye(3, undefined, 0, { dtype: "float64" }), sing]);
    expect(() => np.linalg.inv(batch)).toThrow("inv: matrix 1 of the batch f64[2,3,3] is singular (zero pivot at column 2).");
  });
  it("under jit (no concrete value) singular solves give non-finite values, as JAX", () => {
    const x = jit((a: NDArray, b: NDArray) => np.linalg.solve(a, b))(sing, f64([1, 2, 3]));
    expect(Array.from(x.dataSync()).some((v) => !Number.isFinite(v))).toBe(true);
    const xi = vmap((a: NDArray) => np.linalg.inv(a))(np.stack([sing, sing]));
    expect(Array.from(xi.dataSync()).some((v) => !Number.isFinite(v))).toBe(true);
  });
  it("det is 0 and slogdet is (0, -inf) for a singular matrix, as NumPy", () => {
    expect(np.linalg.det(sing).item() === 0).toBe(true);
    const [s, l] = np.linalg.slogdet(sing);
    expect(s.item() === 0).toBe(true);
    expect(l.item()).toBe(-Infinity);
  });
  it("cholesky of a non-positive-definite matrix is all NaN (eager, jit, per batch element)", () => {
    const bad = f64([[1, 2], [2, 1]]);
    expect(Array.from(np.linalg.cholesky(bad).dataSync()).every(Number.isNaN)).toBe(true);
    expect(Array.from(jit((a: NDArray) => np.linalg.cholesky(a))(bad).dataSync()).every(Number.isNaN)).toBe(true);
    const both = np.linalg.cholesky(np.stack([bad, f64([[4, 2], [2, 3]])])).js() as number[][][];
    expect(both[0].flat().every(Number.isNaN)).toBe(true);
    expect(both[1]).toEqual([[2, 0], [1, Math.SQRT2]]);
    // Positive semi-definite (a zero pivot) is not positive definite either.
    expect(Number.isNaN(np.linalg.cholesky(f64([[1, 1], [1, 1]])).js()[1][1])).toBe(true);
  });
  it("NaN input gives NaN eigen- and singular values instead of hanging", () => {
    const a = f64([[1, NaN], [NaN, 1]]);
    expect(Array.from(np.linalg.eigh(a)[0].dataSync()).every(Number.isNaN)).toBe(true);
    expect(Array.from(np.linalg.svd(a, { computeUv: false }).dataSync()).every(Number.isNaN)).toBe(true);
  });
});

describe("derivative cases JAX does not implement raise clearly", () => {
  it("svd with fullMatrices on non-square input", () => {
    const a = f64([[1, 2], [3, 4], [5, 6]]);
    expect(() => grad((x: NDArray) => np.sum(np.linalg.svd(x)[0]))(a)).toThrow(/svd: the derivative of u and vh needs fullMatrices false/);
    // Singular values alone, and square full matrices, are fine.
    expect(grad((x: NDArray) => np.sum(np.linalg.svd(x, { computeUv: false })))(a).shape).toEqual([3, 2]);
    expect(grad((x: NDArray) => np.sum(np.square(np.linalg.svd(x)[0])))(f64([[2, 1], [1, 3]])).shape).toEqual([2, 2]);
  });
  it("qr of wide matrices or complete mode", () => {
    expect(() => grad((x: NDArray) => np.sum(np.linalg.qr(x)[1]))(f64([[1, 2, 3], [4, 5, 6]]))).toThrow(/qr: the derivative is implemented for m >= n/);
    expect(() => jvp((x: NDArray) => np.linalg.qr(x, "complete")[1], [f64([[1, 2], [3, 4], [5, 7]])], [np.ones([3, 2], { dtype: "float64" })]))
      .toThrow(/qr: the derivative/);
  });
});

describe("small and empty matrices", () => {
  it("1×1", () => {
    const a = f64([[4]]);
    expect(np.linalg.cholesky(a).js()).toEqual([[2]]);
    expect(np.linalg.inv(a).js()).toEqual([[0.25]]);
    expect(np.linalg.det(a).item()).toBe(4);
    expect(np.linalg.eigh(a)[0].js()).toEqual([4]);
    expect(np.linalg.svd(a, { computeUv: false }).js()).toEqual([4]);
    expect(np.linalg.solve(a, f64([2])).js()).toEqual([0.5]);
  });
  it("0×0 and empty batches", () => {
    const e = np.zeros([0, 0], { dtype: "float64" });
    expect(np.linalg.det(e).item()).toBe(1);
    expect(np.linalg.inv(e).shape).toEqual([0, 0]);
    expect(np.linalg.cholesky(np.zeros([0, 3, 3])).shape).toEqual([0, 3, 3]);
    const [u, s, vh] = np.linalg.svd(np.zeros([3, 0]));
    expect([u.shape, s.shape, vh.shape]).toEqual([[3, 3], [0], [0, 0]]);
    expect(np.linalg.pinv(np.zeros([2, 0])).shape).toEqual([0, 2]);
  });
  it("zero matrix: svd vectors are still orthonormal", () => {
    const [u, s, vh] = np.linalg.svd(np.zeros([3, 2], { dtype: "float64" }));
    expect(s.js()).toEqual([0, 0]);
    expect(np.allclose(np.matmul(u.T, u), np.eye(3), { atol: 1e-14 })).toBe(true);
    expect(np.allclose(np.matmul(vh, vh.T), np.eye(2), { atol: 1e-14 })).toBe(true);
  });
});
