// CPU kernels for the linear-algebra primitives (core/primitives/linalg.ts). Inputs are
// batches of row-major matrices over leading axes; each matrix is copied to float64, factored
// by the numerics in linalg-factor.ts / linalg-spectral.ts, and stored back in the output
// dtype (float32 results are float64 computations rounded once).
import type { CholeskyParams, EighParams, QrParams, SvdParams, TriangularSolveParams } from "../../core/primitives";
import { prod } from "../../core/shape";
import { cholesky, lu, pivotsToPermutation, triangularSolveLeft } from "./linalg-factor";
import { householderQ, householderQr, jacobiEigh, svd } from "./linalg-spectral";
import { alloc, type CpuIn, type Kernel } from "./util";

/** Number of matrices in a batch and the trailing matrix dims. */
function dims(x: CpuIn): [batch: number, m: number, n: number] {
  const s = x.aval.shape;
  return [prod(s.slice(0, -2)), s[s.length - 2], s[s.length - 1]];
}

/** Matrix `b` of x as a fresh float64 array. */
function matrix(x: CpuIn, b: number, size: number): Float64Array {
  const out = new Float64Array(size);
  const src = x.data, off = b * size;
  for (let i = 0; i < size; i++) out[i] = src[off + i];
  return out;
}

const allFinite = (a: Float64Array): boolean => {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
};

const choleskyKernel: Kernel<CholeskyParams> = ([x], { symmetrizeInput }, [outAval]) => {
  const [nb, n] = dims(x);
  const out = alloc(outAval);
  const L = new Float64Array(n * n);
  for (let b = 0; b < nb; b++) {
    const a = matrix(x, b, n * n);
    // Only the lower triangle is read: fill it with (a + aᵀ)/2.
    if (symmetrizeInput) for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
    // Not positive definite: the whole factor is NaN, as JAX returns.
    if (cholesky(a, n, L)) out.set(L, b * n * n);
    else out.fill(NaN, b * n * n, (b + 1) * n * n);
  }
  return [out];
};

const luKernel: Kernel<{}> = ([x], _p, [luAval, pivAval, permAval]) => {
  const [nb, m, n] = dims(x);
  const k = Math.min(m, n);
  const out = alloc(luAval), pivOut = alloc(pivAval), permOut = alloc(permAval);
  const piv = new Int32Array(k), perm = new Int32Array(m);
  for (let b = 0; b < nb; b++) {
    const a = matrix(x, b, m * n);
    lu(a, m, n, piv);
    pivotsToPermutation(piv, m, perm);
    out.set(a, b * m * n);
    pivOut.set(piv, b * k);
    permOut.set(perm, b * m);
  }
  return [out, pivOut, permOut];
};

/**
 * op(A) X = B (leftSide) or X op(A) = B, op(A) = A or Aᵀ. Reduced to the left-side case
 * T X = B with T = op(A) made explicit (only A's `lower` triangle is read) and, for the right
 * side, Xᵀ solving op(A)ᵀ Xᵀ = Bᵀ.
 */
const triangularSolveKernel: Kernel<TriangularSolveParams> = ([a, bIn], { leftSide, lower, transposeA, unitDiagonal }, [outAval]) => {
  const [nb, m] = dims(a);
  const [, br, bc] = dims(bIn);
  const out = alloc(outAval);
  // Effective operator on the left: T = op(A) (left side) or op(A)ᵀ (right side).
  const transT = leftSide ? transposeA : !transposeA;
  const tLower = lower !== transT;
  const k = leftSide ? bc : br;
  const T = new Float64Array(m * m), X = new Float64Array(m * k);
  for (let b = 0; b < nb; b++) {
    const aOff = b * m * m, bOff = b * br * bc;
    T.fill(0);
    for (let i = 0; i < m; i++) {
      const j0 = lower ? 0 : i, j1 = lower ? i + 1 : m;
      for (let j = j0; j < j1; j++) {
        const v = a.data[aOff + i * m + j];
        if (transT) T[j * m + i] = v; else T[i * m + j] = v;
      }
    }
    if (leftSide) for (let i = 0; i < m * k; i++) X[i] = bIn.data[bOff + i];
    else for (let i = 0; i < k; i++) for (let j = 0; j < m; j++) X[j * k + i] = bIn.data[bOff + i * m + j];
    triangularSolveLeft(T, m, tLower, unitDiagonal, X, k);
    if (leftSide) out.set(X, bOff);
    else for (let i = 0; i < k; i++) for (let j = 0; j < m; j++) out[bOff + i * m + j] = X[j * k + i];
  }
  return [out];
};

const qrKernel: Kernel<QrParams> = ([x], { fullMatrices }, [qAval, rAval]) => {
  const [nb, m, n] = dims(x);
  const k = Math.min(m, n), qcols = fullMatrices ? m : k, rrows = fullMatrices ? m : k;
  const qOut = alloc(qAval), rOut = alloc(rAval);
  const tau = new Float64Array(k), Q = new Float64Array(m * qcols);
  for (let b = 0; b < nb; b++) {
    const a = matrix(x, b, m * n);
    householderQr(a, m, n, tau);
    householderQ(a, m, n, tau, qcols, Q);
    qOut.set(Q, b * m * qcols);
    const ro = b * rrows * n;
    for (let i = 0; i < Math.min(rrows, k); i++) for (let j = i; j < n; j++) rOut[ro + i * n + j] = a[i * n + j];
  }
  return [qOut, rOut];
};

/** Eigenvalues ascending and eigenvectors as columns; NaN everywhere for non-finite input. */
const eighKernel: Kernel<EighParams> = ([x], { lower }, [wAval, vAval]) => {
  const [nb, n] = dims(x);
  const wOut = alloc(wAval), vOut = alloc(vAval);
  const w = new Float64Array(n), Vt = new Float64Array(n * n);
  for (let b = 0; b < nb; b++) {
    const a = matrix(x, b, n * n);
    // Symmetric matrix from the chosen triangle.
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) {
      if (lower) a[j * n + i] = a[i * n + j]; else a[i * n + j] = a[j * n + i];
    }
    if (!allFinite(a)) { wOut.fill(NaN, b * n, (b + 1) * n); vOut.fill(NaN, b * n * n, (b + 1) * n * n); continue; }
    jacobiEigh(a, n, w, Vt);
    wOut.set(w, b * n);
    const vo = b * n * n;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vOut[vo + i * n + j] = Vt[j * n + i];
  }
  return [wOut, vOut];
};

const svdKernel: Kernel<SvdParams> = ([x], { fullMatrices, computeUv }, outAvals) => {
  const [nb, m, n] = dims(x);
  const k = Math.min(m, n);
  const outs = outAvals.map(alloc);
  const ucols = fullMatrices ? m : k, vrows = fullMatrices ? n : k;
  for (let b = 0; b < nb; b++) {
    const a = matrix(x, b, m * n);
    if (!allFinite(a)) {
      outs[0].fill(NaN, b * k, (b + 1) * k);
      if (computeUv) { outs[1].fill(NaN, b * m * ucols, (b + 1) * m * ucols); outs[2].fill(NaN, b * vrows * n, (b + 1) * vrows * n); }
      continue;
    }
    const r = svd(a, m, n, fullMatrices, computeUv);
    outs[0].set(r.s, b * k);
    if (computeUv) { outs[1].set(r.u!, b * m * ucols); outs[2].set(r.vt!, b * vrows * n); }
  }
  return outs;
};

export const linalgKernels = {
  cholesky: choleskyKernel,
  lu: luKernel,
  triangular_solve: triangularSolveKernel,
  qr: qrKernel,
  eigh: eighKernel,
  svd: svdKernel,
};
