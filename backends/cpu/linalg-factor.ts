// CPU numerics for the triangular factorizations: Cholesky, LU with partial pivoting,
// triangular solves, and the register-tiled GEMM update they share. Everything works on one
// row-major float64 matrix at a time (the kernel table in linalg.ts loops over batches and
// converts dtypes). References: LAPACK dpotrf/dgetrf/dtrsm semantics; Golub & Van Loan,
// "Matrix Computations" (4th ed.), §3.2 (LU), §4.2 (Cholesky), §3.1 (triangular systems).

import { wasmGemm } from "./linalg-wasm";

// ------------------------------------------------------------------ scratch buffers

let scratchA: Float64Array = new Float64Array(256);
let scratchB: Float64Array = new Float64Array(1024);
const grow = (buf: Float64Array, n: number): Float64Array => (buf.length >= n ? buf : new Float64Array(Math.max(n, buf.length * 2)));

// ------------------------------------------------------------------ GEMM update

/**
 * C[M×N] -= A[M×K] · op(B) on row-major views (offset, leading dimension), op(B) = B [K×N]
 * or, with `transB`, the transpose of the [N×K] matrix at bOff. Large products run on the
 * WebAssembly SIMD kernel (linalg-wasm.ts); otherwise (or without SIMD) B is packed into
 * 4-column panels and A into 4-row panels so a 4×4 JS micro-kernel reads both contiguously.
 * The views may alias one array as long as C does not overlap A or B (true for the trailing
 * updates of blocked LU, Cholesky and solves).
 */
export function gemmSub(M: number, N: number, K: number,
                        A: Float64Array, aOff: number, lda: number,
                        B: Float64Array, bOff: number, ldb: number,
                        C: Float64Array, cOff: number, ldc: number, transB = false): void {
  if (M <= 0 || N <= 0 || K <= 0) return;
  if (wasmGemm && M * N * K >= 4096) wasmGemm(M, N, K, A, aOff, lda, B, bOff, ldb, transB, C, cOff, ldc);
  else gemmSubJs(M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, transB);
}

/** The scalar JS path of `gemmSub` (also its fallback without WebAssembly SIMD). */
export function gemmSubJs(M: number, N: number, K: number,
                          A: Float64Array, aOff: number, lda: number,
                          B: Float64Array, bOff: number, ldb: number,
                          C: Float64Array, cOff: number, ldc: number, transB = false): void {
  if (M <= 0 || N <= 0 || K <= 0) return;
  const nt = (N + 3) >> 2;
  scratchB = grow(scratchB, nt * K * 4);
  scratchA = grow(scratchA, K * 4);
  const Bp = scratchB, Ap = scratchA;
  // Pack B: tile t, row q -> Bp[(t*K + q)*4 + jj], zero-padded past N.
  for (let t = 0; t < nt; t++) {
    const j0 = t * 4, nj = Math.min(4, N - j0), base = t * K * 4;
    for (let q = 0; q < K; q++) {
      const dst = base + q * 4;
      for (let jj = 0; jj < 4; jj++) Bp[dst + jj] = jj >= nj ? 0 : transB ? B[bOff + (j0 + jj) * ldb + q] : B[bOff + q * ldb + j0 + jj];
    }
  }
  for (let i0 = 0; i0 < M; i0 += 4) {
    const mi = Math.min(4, M - i0);
    for (let q = 0; q < K; q++) {
      for (let ii = 0; ii < 4; ii++) Ap[q * 4 + ii] = ii < mi ? A[aOff + (i0 + ii) * lda + q] : 0;
    }
    for (let t = 0; t < nt; t++) {
      const base = t * K * 4;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let q = 0, qa = 0, qb = base; q < K; q++, qa += 4, qb += 4) {
        const b0 = Bp[qb], b1 = Bp[qb + 1], b2 = Bp[qb + 2], b3 = Bp[qb + 3];
        const a0 = Ap[qa], a1 = Ap[qa + 1], a2 = Ap[qa + 2], a3 = Ap[qa + 3];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      const j0 = t * 4, nj = Math.min(4, N - j0);
      const r0 = cOff + i0 * ldc + j0;
      if (mi === 4 && nj === 4) {
        const r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
        C[r0] -= c00; C[r0 + 1] -= c01; C[r0 + 2] -= c02; C[r0 + 3] -= c03;
        C[r1] -= c10; C[r1 + 1] -= c11; C[r1 + 2] -= c12; C[r1 + 3] -= c13;
        C[r2] -= c20; C[r2 + 1] -= c21; C[r2 + 2] -= c22; C[r2 + 3] -= c23;
        C[r3] -= c30; C[r3 + 1] -= c31; C[r3 + 2] -= c32; C[r3 + 3] -= c33;
      } else {
        const acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
        for (let ii = 0; ii < mi; ii++) for (let jj = 0; jj < nj; jj++) C[r0 + ii * ldc + jj] -= acc[ii * 4 + jj];
      }
    }
  }
}

// ------------------------------------------------------------------ Cholesky

/** Dot product of x[xo..xo+len) and y[yo..yo+len) with two accumulators. */
function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let s0 = 0, s1 = 0, k = 0;
  for (; k + 1 < len; k += 2) { s0 += x[xo + k] * y[yo + k]; s1 += x[xo + k + 1] * y[yo + k + 1]; }
  if (k < len) s0 += x[xo + k] * y[yo + k];
  return s0 + s1;
}

const CHOL_BLOCK = 32;

/**
 * Lower Cholesky factor of the n×n matrix A (row-major; only its lower triangle is read) into
 * L (zero above the diagonal). Returns false when A is not positive definite (a pivot is <= 0
 * or NaN), as LAPACK's potrf reports info > 0. Small matrices use `choleskyUnblocked`; larger
 * ones a left-looking blocked form (as potrf): for each block column J, subtract the
 * finished columns' contribution in one GEMM (A[J:, J] -= L[J:, :J] L[J, :J]ᵀ), factor the
 * diagonal block, then solve the rows below it against that block.
 */
export function cholesky(A: Float64Array, n: number, L: Float64Array): boolean {
  if (n < 2 * CHOL_BLOCK) return choleskyUnblocked(A, n, L);
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let j = 0; j <= i; j++) L[r + j] = A[r + j];
    for (let j = i + 1; j < n; j++) L[r + j] = 0;
  }
  for (let j0 = 0; j0 < n; j0 += CHOL_BLOCK) {
    const j1 = Math.min(j0 + CHOL_BLOCK, n);
    gemmSub(n - j0, j1 - j0, j0, L, j0 * n, n, L, j0 * n, n, L, j0 * n + j0, n, true);
    // Diagonal block, unblocked (its earlier columns' contribution is already subtracted).
    for (let r = j0; r < j1; r++) {
      const rr = r * n;
      for (let c = j0; c < r; c++) L[rr + c] = (L[rr + c] - dot(L, rr + j0, L, c * n + j0, c - j0)) / L[c * n + c];
      const s = L[rr + r] - dot(L, rr + j0, L, rr + j0, r - j0);
      if (!(s > 0)) return false;
      L[rr + r] = Math.sqrt(s);
      for (let c = r + 1; c < j1; c++) L[rr + c] = 0; // the GEMM wrote above the diagonal
    }
    // Rows below: x L_JJᵀ = a, by forward substitution along each row.
    for (let i = j1; i < n; i++) {
      const ri = i * n;
      for (let c = j0; c < j1; c++) L[ri + c] = (L[ri + c] - dot(L, ri + j0, L, c * n + j0, c - j0)) / L[c * n + c];
    }
  }
  return true;
}

/**
 * Unblocked Cholesky–Banachiewicz (row by row, every inner loop a dot product of two
 * contiguous rows), register-blocked over 2×2 tiles of L so each loaded element feeds two
 * multiply-adds.
 */
export function choleskyUnblocked(A: Float64Array, n: number, L: Float64Array): boolean {
  L.fill(0);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const r0 = i * n, r1 = r0 + n;
    let j = 0;
    for (; j + 1 < i; j += 2) {
      const c0 = j * n, c1 = c0 + n;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let k = 0; k < j; k++) {
        const a0 = L[r0 + k], a1 = L[r1 + k], b0 = L[c0 + k], b1 = L[c1 + k];
        s00 += a0 * b0; s01 += a0 * b1; s10 += a1 * b0; s11 += a1 * b1;
      }
      const d0 = L[c0 + j], d1 = L[c1 + j + 1], e = L[c1 + j];
      const l00 = (A[r0 + j] - s00) / d0, l10 = (A[r1 + j] - s10) / d0;
      L[r0 + j] = l00; L[r1 + j] = l10;
      L[r0 + j + 1] = (A[r0 + j + 1] - s01 - l00 * e) / d1;
      L[r1 + j + 1] = (A[r1 + j + 1] - s11 - l10 * e) / d1;
    }
    // The 2×2 diagonal block (j === i).
    const s = A[r0 + i] - dot(L, r0, L, r0, i);
    if (!(s > 0)) return false;
    const d = Math.sqrt(s);
    L[r0 + i] = d;
    const l = (A[r1 + i] - dot(L, r1, L, r0, i)) / d;
    L[r1 + i] = l;
    const s2 = A[r1 + i + 1] - dot(L, r1, L, r1, i + 1);
    if (!(s2 > 0)) return false;
    L[r1 + i + 1] = Math.sqrt(s2);
  }
  if (i < n) {
    const ri = i * n;
    for (let j = 0; j < i; j++) L[ri + j] = (A[ri + j] - dot(L, ri, L, j * n, j)) / L[j * n + j];
    const s = A[ri + i] - dot(L, ri, L, ri, i);
    if (!(s > 0)) return false;
    L[ri + i] = Math.sqrt(s);
  }
  return true;
}

// ------------------------------------------------------------------ LU

const LU_BASE = 8;

function swapRows(a: Float64Array, n: number, r: number, p: number): void {
  const ro = r * n, po = p * n;
  for (let j = 0; j < n; j++) { const t = a[ro + j]; a[ro + j] = a[po + j]; a[po + j] = t; }
}

/**
 * In-place LU factorization with partial pivoting of the m×n row-major matrix `a`, as
 * LAPACK's getrf: afterwards `a` holds U on and above the diagonal and the unit lower L
 * below it, and `piv[c]` (c < min(m, n)) is the row swapped with row c at step c, so that
 * P A = L U. Recursive over columns, as LAPACK's getrf2 (Toledo 1997): factor the left half,
 * U12 = L11⁻¹ A12, A22 -= L21 U12 (one large `gemmSub`), factor the right half; so nearly all
 * the work is in the register-tiled GEMM. Row swaps are applied to whole rows at once. A
 * zero pivot column leaves L's column unscaled (all zeros), as getrf does; the caller decides
 * whether that is an error. Returns the first zero-pivot column, or -1.
 */
export function lu(a: Float64Array, m: number, n: number, piv: Int32Array): number {
  const k = Math.min(m, n);
  let zeroPivot = -1;
  const onZero = (c: number) => { if (zeroPivot < 0 || c < zeroPivot) zeroPivot = c; };
  luRecursive(a, m, n, 0, k, piv, onZero);
  // Columns right of min(m, n) (wide matrices): U's extra columns, L11⁻¹ A12.
  if (n > k) unitLowerSolveInPlace(a, n, 0, k, k, n);
  return zeroPivot;
}

/** Factors columns c0..c1 of rows c0..m (earlier columns are done, later ones untouched). */
function luRecursive(a: Float64Array, m: number, n: number, c0: number, c1: number, piv: Int32Array, onZero: (c: number) => void): void {
  const w = c1 - c0;
  if (w <= LU_BASE) {
    for (let c = c0; c < c1; c++) {
      let p = c, mx = Math.abs(a[c * n + c]);
      for (let i = c + 1; i < m; i++) {
        const v = Math.abs(a[i * n + c]);
        if (v > mx) { mx = v; p = i; }
      }
      piv[c] = p;
      if (p !== c) swapRows(a, n, c, p);
      const d = a[c * n + c];
      if (d === 0) { onZero(c); continue; }
      const rc = c * n;
      for (let i = c + 1; i < m; i++) {
        const ri = i * n;
        const l = (a[ri + c] /= d);
        if (l !== 0) for (let j = c + 1; j < c1; j++) a[ri + j] -= l * a[rc + j];
      }
    }
    return;
  }
  const mid = c0 + (w >> 1);
  luRecursive(a, m, n, c0, mid, piv, onZero);
  unitLowerSolveInPlace(a, n, c0, mid, mid, c1);
  gemmSub(m - mid, c1 - mid, mid - c0, a, mid * n + c0, n, a, c0 * n + mid, n, a, mid * n + mid, n);
  luRecursive(a, m, n, mid, c1, piv, onZero);
}

/**
 * X ← L⁻¹ X in place, where L is the unit lower triangle of rows/columns r0..r1 of `a` and X
 * is rows r0..r1, columns c0..c1 (leading dimension n). Blocked: each row block subtracts the
 * solved rows above it with `gemmSub`, then finishes with row axpys.
 */
function unitLowerSolveInPlace(a: Float64Array, n: number, r0: number, r1: number, c0: number, c1: number): void {
  const nb = 16;
  for (let b0 = r0; b0 < r1; b0 += nb) {
    const b1 = Math.min(b0 + nb, r1);
    gemmSub(b1 - b0, c1 - c0, b0 - r0, a, b0 * n + r0, n, a, r0 * n + c0, n, a, b0 * n + c0, n);
    for (let r = b0 + 1; r < b1; r++) {
      const rr = r * n;
      for (let q = b0; q < r; q++) {
        const l = a[rr + q];
        if (l === 0) continue;
        const rq = q * n;
        for (let j = c0; j < c1; j++) a[rr + j] -= l * a[rq + j];
      }
    }
  }
}

/** The row permutation of `lu`'s pivots: row i of P A is row perm[i] of A. */
export function pivotsToPermutation(piv: Int32Array, m: number, perm: Int32Array): void {
  for (let i = 0; i < m; i++) perm[i] = i;
  for (let c = 0; c < piv.length; c++) {
    const p = piv[c];
    if (p !== c) { const t = perm[c]; perm[c] = perm[p]; perm[p] = t; }
  }
}

// ------------------------------------------------------------------ triangular solve

const SOLVE_BLOCK = 64;

/**
 * Solves T X = B in place (X overwrites B, m×k row-major) for an m×m row-major triangular T
 * (`lower` says which triangle; the other one is never read). `unit`: the diagonal is taken
 * as ones. Row blocks are eliminated with `gemmSub` when there are several right-hand sides;
 * a single column uses dot products along T's rows. A zero diagonal gives inf/NaN, as trsm.
 */
export function triangularSolveLeft(T: Float64Array, m: number, lower: boolean, unit: boolean, B: Float64Array, k: number): void {
  if (k < 8) {
    // Dot-product form: row i of X from the rows already solved.
    for (let s = 0; s < m; s++) {
      const i = lower ? s : m - 1 - s, ti = i * m;
      const qs = lower ? 0 : i + 1, qe = lower ? i : m;
      for (let c = 0; c < k; c++) {
        let acc = B[i * k + c];
        for (let q = qs; q < qe; q++) acc -= T[ti + q] * B[q * k + c];
        B[i * k + c] = unit ? acc : acc / T[ti + i];
      }
    }
    return;
  }
  const nb = SOLVE_BLOCK;
  const nBlocks = Math.ceil(m / nb);
  for (let bi = 0; bi < nBlocks; bi++) {
    const blk = lower ? bi : nBlocks - 1 - bi;
    const r0 = blk * nb, r1 = Math.min(r0 + nb, m);
    // Subtract the contribution of the rows already solved.
    if (lower) gemmSub(r1 - r0, k, r0, T, r0 * m, m, B, 0, k, B, r0 * k, k);
    else gemmSub(r1 - r0, k, m - r1, T, r0 * m + r1, m, B, r1 * k, k, B, r0 * k, k);
    // Solve the diagonal block with row axpys.
    for (let s = r0; s < r1; s++) {
      const i = lower ? s : r1 - 1 - (s - r0), ti = i * m, xi = i * k;
      const qs = lower ? r0 : i + 1, qe = lower ? i : r1;
      for (let q = qs; q < qe; q++) {
        const l = T[ti + q];
        if (l === 0) continue;
        const xq = q * k;
        for (let c = 0; c < k; c++) B[xi + c] -= l * B[xq + c];
      }
      if (!unit) { const d = T[ti + i]; for (let c = 0; c < k; c++) B[xi + c] /= d; }
    }
  }
}
