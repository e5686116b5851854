// The CPU linear-algebra numerics directly (backends/cpu/linalg-*.ts), at sizes the fixture
// and property tests do not reach: the WebAssembly SIMD GEMM and its scalar JS fallback
// (both operand layouts, ragged edges, aliasing views of one matrix) against a naive triple
// loop; blocked Cholesky against the unblocked one; recursive LU (square, tall, wide) against
// P A = L U; triangular solves with many right-hand sides; Jacobi eigh/SVD on larger inputs.
import { describe, expect, it } from "vitest";
import { choleskyUnblocked, cholesky, gemmSub, gemmSubJs, lu, pivotsToPermutation, triangularSolveLeft } from "../../backends/cpu/linalg-factor";
import { householderQ, householderQr, jacobiEigh, svd } from "../../backends/cpu/linalg-spectral";
import { wasmGemm } from "../../backends/cpu/linalg-wasm";

function rnd(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; });
}
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => { let d = 0; for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i])); return d; };
/** (m×k) · (k×n), row-major. */
function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let q = 0; q < k; q++) { const v = a[i * k + q]; for (let j = 0; j < n; j++) c[i * n + j] += v * b[q * n + j]; }
  return c;
}
const transpose = (a: Float64Array, m: number, n: number) => { const t = new Float64Array(m * n); for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j]; return t; };

describe("GEMM update C -= A op(B)", () => {
  const impls = [["dispatch (wasm when large)", gemmSub], ["scalar JS", gemmSubJs]] as const;
  it("WebAssembly SIMD is available in this runtime", () => expect(wasmGemm).not.toBeNull());
  for (const [name, gemm] of impls) {
    for (const transB of [false, true]) {
      it(`${name}, transB ${transB}: ragged sizes and chunk boundaries`, () => {
        for (const [M, N, K] of [[1, 1, 1], [5, 7, 3], [17, 9, 33], [130, 261, 300], [4, 4, 4096 / 16]]) {
          const lda = K + 3, ldb = (transB ? K : N) + 2, ldc = N + 1;
          const A = rnd(M * lda + 5, M), B = rnd((transB ? N : K) * ldb + 7, N), C = rnd(M * ldc + 3, K);
          const a = new Float64Array(M * K), b = new Float64Array(K * N);
          for (let i = 0; i < M; i++) for (let q = 0; q < K; q++) a[i * K + q] = A[2 + i * lda + q];
          for (let q = 0; q < K; q++) for (let j = 0; j < N; j++) b[q * N + j] = transB ? B[1 + j * ldb + q] : B[1 + q * ldb + j];
          const want = C.slice(), ab = matmul(a, b, M, K, N);
          for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) want[3 + i * ldc + j] -= ab[i * N + j];
          const got = C.slice();
          gemm(M, N, K, A, 2, lda, B, 1, ldb, got, 3, ldc, transB);
          expect(maxAbsDiff(got, want), `${M}x${N}x${K}`).toBeLessThan(1e-12 * K);
        }
      });
    }
  }
});

describe("factorizations at blocked sizes", () => {
  it("blocked Cholesky equals the unblocked one (n = 64 .. 200)", () => {
    for (const n of [64, 65, 97, 200]) {
      const x = rnd(n * n, n), A = matmul(x, transpose(x, n, n), n, n, n);
      for (let i = 0; i < n; i++) A[i * n + i] += n;
      const L1 = new Float64Array(n * n), L2 = new Float64Array(n * n);
      expect(cholesky(A, n, L1)).toBe(true);
      expect(choleskyUnblocked(A, n, L2)).toBe(true);
      expect(maxAbsDiff(L1, L2), `n = ${n}`).toBeLessThan(1e-12 * n);
      const bad = A.slice(); bad[(n - 1) * n + n - 1] = -1;
      expect(cholesky(bad, n, L1)).toBe(false);
    }
  });
  it("recursive LU: P A = L U with |L| <= 1 (square, tall, wide)", () => {
    for (const [m, n] of [[150, 150], [200, 90], [70, 180], [9, 9]]) {
      const A = rnd(m * n, m + n), a = A.slice(), k = Math.min(m, n);
      const piv = new Int32Array(k), perm = new Int32Array(m);
      expect(lu(a, m, n, piv)).toBe(-1);
      pivotsToPermutation(piv, m, perm);
      const L = new Float64Array(m * k), U = new Float64Array(k * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) L[i * k + j] = i === j ? 1 : i > j ? a[i * n + j] : 0;
      for (let i = 0; i < k; i++) for (let j = i; j < n; j++) U[i * n + j] = a[i * n + j];
      const lu_ = matmul(L, U, m, k, n), pa = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) pa[i * n + j] = A[perm[i] * n + j];
      expect(maxAbsDiff(lu_, pa), `${m}x${n}`).toBeLessThan(1e-12 * n);
      expect(Math.max(...Array.from(L, Math.abs))).toBeLessThanOrEqual(1);
    }
  });
  it("triangular solves with many right-hand sides (blocked path), lower and upper", () => {
    const m = 150, k = 40;
    for (const lower of [true, false]) {
      const T = rnd(m * m, 3);
      for (let i = 0; i < m; i++) T[i * m + i] += 8;
      const tri = T.map((v, idx) => ((lower ? idx % m <= Math.floor(idx / m) : idx % m >= Math.floor(idx / m)) ? v : 0));
      const B = rnd(m * k, 4), X = B.slice();
      triangularSolveLeft(T, m, lower, false, X, k);
      expect(maxAbsDiff(matmul(tri, X, m, m, k), B)).toBeLessThan(1e-12);
    }
  });
  it("Householder QR, Jacobi eigh and SVD on 60×40 / 50×50 inputs", () => {
    const [m, n] = [60, 40], A = rnd(m * n, 9), a = A.slice(), tau = new Float64Array(n), Q = new Float64Array(m * n);
    householderQr(a, m, n, tau);
    householderQ(a, m, n, tau, n, Q);
    const R = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) R[i * n + j] = a[i * n + j];
    expect(maxAbsDiff(matmul(Q, R, m, n, n), A)).toBeLessThan(1e-13);
    const s = 50, X = rnd(s * s, 10), S = new Float64Array(s * s);
    for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) S[i * s + j] = X[i * s + j] + X[j * s + i];
    const w = new Float64Array(s), Vt = new Float64Array(s * s);
    jacobiEigh(S.slice(), s, w, Vt);
    const V = transpose(Vt, s, s), VW = V.map((v, idx) => v * w[idx % s]);
    expect(maxAbsDiff(matmul(VW, Vt, s, s, s), S)).toBeLessThan(1e-13);
    const r = svd(A, m, n, true, true), US = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) US[i * n + j] = r.u![i * m + j] * r.s[j];
    expect(maxAbsDiff(matmul(US, r.vt!, m, n, n), A)).toBeLessThan(1e-13);
    expect(maxAbsDiff(matmul(transpose(r.u!, m, m), r.u!, m, m, m), Float64Array.from({ length: m * m }, (_, i) => (i % (m + 1) === 0 ? 1 : 0)))).toBeLessThan(1e-13);
  });
});
