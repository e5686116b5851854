// JAX-parity at singular points: det's gradient is the cofactor matrix (finite), and the
// SVD of a rank-deficient matrix has orthonormal U (as LAPACK's).
import { describe, expect, it } from "vitest";
import { grad, hessian, jit, np, vmap, type NDArray } from "graft";
import { checkGrads } from "graft/testing";

const f64 = (v: number[][] | number[][][]) => np.array(v, { dtype: "float64" });
const near = (a: NDArray, b: number[][] | number[][][], tol = 1e-12) => expect(np.allclose(a, f64(b), { atol: tol, rtol: tol })).toBe(true);

describe("det at singular matrices", () => {
  it("gradient is the cofactor matrix, as JAX", () => {
    near(grad(np.linalg.det)(f64([[1, 2], [2, 4]])), [[4, -2], [-2, 1]]);
    near(grad(np.linalg.det)(f64([[1, 2, 3], [2, 4, 6], [1, 0, 1]])), [[4, 4, -4], [-2, -2, 2], [0, 0, 0]]);
    near(grad(np.linalg.det)(f64([[0, 0], [0, 0]])), [[0, 0], [0, 0]]);
  });
  it("regular matrices keep det · A^-T, under jit and vmap, with finite second derivatives", () => {
    near(grad(np.linalg.det)(f64([[1, 2], [3, 4]])), [[4, -3], [-2, 1]]);
    near(jit(grad(np.linalg.det))(f64([[1, 2], [2, 4]])), [[4, -2], [-2, 1]]);
    near(vmap(grad(np.linalg.det))(f64([[[1, 2], [2, 4]], [[1, 2], [3, 4]]])), [[[4, -2], [-2, 1]], [[4, -3], [-2, 1]]]);
    const h = hessian(np.linalg.det)(f64([[1, 0], [0, 1]]));
    // d2 det / dA_ij dA_kl for 2x2 det = a d - b c: only (00,11) and (01,10) pairs are nonzero.
    near(h.reshape([4, 4]), [[0, 0, 0, 1], [0, 0, -1, 0], [0, -1, 0, 0], [1, 0, 0, 0]]);
  });
});

describe("svd of rank-deficient input", () => {
  it("returns orthonormal U and V and reconstructs A", () => {
    const A = f64([[1, 2, 3], [2, 4, 6], [1, 0, 1]]);
    const [u, s, vh] = np.linalg.svd(A) as [NDArray, NDArray, NDArray];
    near(np.matmul(u.T, u), [[1, 0, 0], [0, 1, 0], [0, 0, 1]], 1e-12);
    near(np.matmul(vh, vh.T), [[1, 0, 0], [0, 1, 0], [0, 0, 1]], 1e-12);
    near(np.matmul(np.multiply(u, s.reshape([1, 3])), vh), A.js(), 1e-12);
  });
});

describe("pinv's custom derivative", () => {
  it("is finite where singular values repeat (orthogonal input) and matches finite differences", () => {
    const Q = f64([[0, 1], [1, 0]]);
    near(grad((a: NDArray) => np.sum(np.linalg.pinv(a)))(Q), [[-1, -1], [-1, -1]]);
    checkGrads((a: NDArray) => np.linalg.pinv(a), [Q]);
    checkGrads((a: NDArray) => np.linalg.pinv(a), [f64([[1, 2], [3, 4], [5, 7]])], { order: 2 });
  });
});
