// CPU numerics for the orthogonal decompositions: Householder QR (LAPACK geqr2/org2r
// conventions, so R's signs match NumPy's), the symmetric eigenproblem by the cyclic Jacobi
// method, and the SVD by one-sided (Hestenes) Jacobi. Both Jacobi methods run to full float64
// accuracy (they are backward stable and accurate in the relative sense). One row-major
// float64 matrix at a time. References: Golub & Van Loan, "Matrix Computations" (4th ed.)
// §5.1–5.2 (Householder), §8.5 (Jacobi); Demmel & Veselić, "Jacobi's method is more accurate
// than QR", SIAM J. Matrix Anal. Appl. 13 (1992); LAPACK dlarfg/dgeqr2/dorg2r/dgesvj.

const EPS = 2 ** -52;
/** Smallest positive normal float64: below it a singular value is treated as zero. */
const TINY = 2 ** -1022;

// ------------------------------------------------------------------ Householder QR

/** Applies H = I - tau v vᵀ (v[0] = 1 implicitly, v[1..] = a[(r0+1..m) * n + vc]) from the left
 * to rows r0..m, columns c0..c1 of the row-major C (leading dimension ldc). */
function applyReflector(a: Float64Array, n: number, m: number, r0: number, vc: number, tau: number,
                        C: Float64Array, ldc: number, c0: number, c1: number, w: Float64Array): void {
  if (tau === 0 || c1 <= c0) return;
  const len = c1 - c0;
  for (let j = 0; j < len; j++) w[j] = C[r0 * ldc + c0 + j];
  for (let r = r0 + 1; r < m; r++) {
    const v = a[r * n + vc];
    if (v === 0) continue;
    const row = r * ldc + c0;
    for (let j = 0; j < len; j++) w[j] += v * C[row + j];
  }
  for (let j = 0; j < len; j++) C[r0 * ldc + c0 + j] -= tau * w[j];
  for (let r = r0 + 1; r < m; r++) {
    const tv = tau * a[r * n + vc];
    if (tv === 0) continue;
    const row = r * ldc + c0;
    for (let j = 0; j < len; j++) C[row + j] -= tv * w[j];
  }
}

/** sqrt(sum of squares) of a[off + i*stride], i < len, scaled so it cannot overflow. */
function norm2(a: Float64Array, off: number, stride: number, len: number): number {
  let scale = 0;
  for (let i = 0; i < len; i++) scale = Math.max(scale, Math.abs(a[off + i * stride]));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < len; i++) { const v = a[off + i * stride] / scale; s += v * v; }
  return scale * Math.sqrt(s);
}

/**
 * Householder QR of the m×n row-major `a` in place (LAPACK geqr2): R on and above the
 * diagonal, reflector vectors below it, scalars in tau (length min(m, n)). Each reflector
 * follows dlarfg: beta = -sign(alpha)·‖x‖, so R's diagonal has LAPACK's (and NumPy's) signs.
 */
export function householderQr(a: Float64Array, m: number, n: number, tau: Float64Array): void {
  const k = Math.min(m, n);
  const w = new Float64Array(n);
  for (let i = 0; i < k; i++) {
    const alpha = a[i * n + i];
    const xnorm = norm2(a, (i + 1) * n + i, n, m - i - 1);
    if (xnorm === 0) { tau[i] = 0; continue; }
    const beta = -(alpha >= 0 ? 1 : -1) * Math.hypot(alpha, xnorm);
    tau[i] = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    for (let r = i + 1; r < m; r++) a[r * n + i] *= scale;
    a[i * n + i] = beta;
    applyReflector(a, n, m, i, i, tau[i], a, n, i + 1, n, w);
  }
}

/** The first `qcols` columns of Q = H_0 H_1 … H_{k-1} (LAPACK org2r) into Q (m×qcols). */
export function householderQ(a: Float64Array, m: number, n: number, tau: Float64Array, qcols: number, Q: Float64Array): void {
  const k = Math.min(m, n);
  Q.fill(0);
  for (let i = 0; i < Math.min(m, qcols); i++) Q[i * qcols + i] = 1;
  const w = new Float64Array(qcols);
  for (let i = k - 1; i >= 0; i--) applyReflector(a, n, m, i, i, tau[i], Q, qcols, i, qcols, w);
}

// ------------------------------------------------------------------ symmetric eigenproblem

/** Jacobi rotation of entries r0..r1 of rows p and q of the symmetric S, mirrored into the
 * columns (Rutishauser's form: a' = a - s (b + τ a), b' = b + s (a - τ b)). */
function rotateSym(S: Float64Array, n: number, p: number, q: number, r0: number, r1: number, s: number, tau: number): void {
  const rp = p * n, rq = q * n;
  for (let r = r0; r < r1; r++) {
    const arp = S[rp + r], arq = S[rq + r];
    const x = arp - s * (arq + tau * arp), y = arq + s * (arp - tau * arq);
    S[rp + r] = x; S[rq + r] = y;
    const rr = r * n;
    S[rr + p] = x; S[rr + q] = y;
  }
}

/**
 * Eigen-decomposition of the symmetric n×n matrix S (row-major, full; destroyed) by the
 * cyclic Jacobi method with Rutishauser's rotation formulas. A rotation is skipped when
 * |s_pq| <= eps·sqrt(|s_pp s_qq|) (the relative criterion of Demmel & Veselić), and sweeps
 * stop when one makes no rotation. Writes eigenvalues ascending into w and the matching unit
 * eigenvectors as the rows of Vt.
 */
export function jacobiEigh(S: Float64Array, n: number, w: Float64Array, Vt: Float64Array): void {
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const rp = p * n, rq = q * n;
        const apq = S[rp + q];
        if (apq === 0) continue;
        const app = S[rp + p], aqq = S[rq + q];
        if (Math.abs(apq) <= EPS * Math.sqrt(Math.abs(app)) * Math.sqrt(Math.abs(aqq))) continue;
        rotated = true;
        const theta = (aqq - app) / (2 * apq);
        const t = Number.isFinite(theta) ? (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.hypot(1, theta)) : 0;
        const c = 1 / Math.hypot(1, t), s = t * c, tau = s / (1 + c);
        S[rp + p] = app - t * apq;
        S[rq + q] = aqq + t * apq;
        S[rp + q] = 0; S[rq + p] = 0;
        // Rows p and q (contiguous), mirrored into columns p and q.
        rotateSym(S, n, p, q, 0, p, s, tau);
        rotateSym(S, n, p, q, p + 1, q, s, tau);
        rotateSym(S, n, p, q, q + 1, n, s, tau);
        for (let r = 0; r < n; r++) {
          const vp = V[rp + r], vq = V[rq + r];
          V[rp + r] = vp - s * (vq + tau * vp);
          V[rq + r] = vq + s * (vp - tau * vq);
        }
      }
    }
    if (!rotated) break;
  }
  const order = [...Array(n).keys()].sort((i, j) => S[i * n + i] - S[j * n + j]);
  order.forEach((src, dst) => {
    w[dst] = S[src * n + src];
    Vt.set(V.subarray(src * n, src * n + n), dst * n);
  });
}

// ------------------------------------------------------------------ SVD

function rowDot(B: Float64Array, c: number, p: number, q: number): number {
  let s0 = 0, s1 = 0, i = 0;
  const po = p * c, qo = q * c;
  for (; i + 1 < c; i += 2) { s0 += B[po + i] * B[qo + i]; s1 += B[po + i + 1] * B[qo + i + 1]; }
  if (i < c) s0 += B[po + i] * B[qo + i];
  return s0 + s1;
}

function rotateRows(B: Float64Array, c: number, p: number, q: number, cs: number, sn: number): void {
  const po = p * c, qo = q * c;
  for (let i = 0; i < c; i++) {
    const x = B[po + i], y = B[qo + i];
    B[po + i] = cs * x - sn * y;
    B[qo + i] = sn * x + cs * y;
  }
}

/**
 * One-sided Jacobi on the r rows (length c) of B: plane rotations of row pairs until every
 * pair is orthogonal to relative precision sqrt(c)·eps (as LAPACK's dgesvj). If Jt (r×r) is
 * given, it accumulates the same rotations (start it at the identity). Afterwards the row
 * norms of B are the singular values of B.
 */
export function oneSidedJacobi(B: Float64Array, r: number, c: number, Jt: Float64Array | null): void {
  const tol = EPS * Math.sqrt(Math.max(c, 1));
  // Squared row norms, recomputed every sweep and updated through rotations (dgesvj).
  const norms = new Float64Array(r);
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < r; p++) norms[p] = rowDot(B, c, p, p);
    for (let p = 0; p < r - 1; p++) {
      for (let q = p + 1; q < r; q++) {
        const alpha = norms[p], beta = norms[q];
        if (alpha === 0 || beta === 0) continue;
        const gamma = rowDot(B, c, p, q);
        if (Math.abs(gamma) <= tol * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
        rotated = true;
        // Rotate so that the new rows are orthogonal: t is the smaller root of
        // t² + 2ζt - 1 = 0 with ζ = (β - α) / 2γ.
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Number.isFinite(zeta) ? (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.hypot(1, zeta)) : 0;
        const cs = 1 / Math.hypot(1, t), sn = cs * t;
        rotateRows(B, c, p, q, cs, sn);
        if (Jt) rotateRows(Jt, r, p, q, cs, sn);
        // The 2×2 Gram matrix's eigenvalues; recompute when cancellation makes them inexact.
        const np_ = alpha - t * gamma, nq = beta + t * gamma;
        norms[p] = np_ < 0.01 * alpha ? rowDot(B, c, p, p) : np_;
        norms[q] = nq < 0.01 * beta ? rowDot(B, c, q, q) : nq;
      }
    }
    if (!rotated) break;
  }
}

/**
 * Completes `p` orthonormal vectors of length d (the rows of `rows`, p×d) to an orthonormal
 * basis: returns (d - p)×d more rows. Uses a complete Householder QR of the d×p matrix whose
 * columns are the given vectors; Q's trailing columns span their orthogonal complement.
 */
export function orthogonalComplement(rows: Float64Array, p: number, d: number): Float64Array {
  const M = new Float64Array(d * p);
  for (let j = 0; j < p; j++) for (let i = 0; i < d; i++) M[i * p + j] = rows[j * d + i];
  const tau = new Float64Array(Math.min(d, p));
  householderQr(M, d, p, tau);
  const Q = new Float64Array(d * d);
  householderQ(M, d, p, tau, d, Q);
  const out = new Float64Array((d - p) * d);
  for (let j = p; j < d; j++) for (let i = 0; i < d; i++) out[(j - p) * d + i] = Q[i * d + j];
  return out;
}

export interface SvdResult {
  /** Singular values, descending (length min(m, n)). */
  s: Float64Array;
  /** U, m×ucols row-major (ucols = m if full, else min(m, n)); null without computeUv. */
  u: Float64Array | null;
  /** Vᵀ, vrows×n row-major (vrows = n if full, else min(m, n)). */
  vt: Float64Array | null;
}

/**
 * SVD of the m×n row-major A by one-sided Jacobi on the rows of Aᵀ (m >= n) or of A (m < n),
 * so the rotated vectors are contiguous. Left/right vectors of zero singular values, and the
 * extra columns of full_matrices, come from `orthogonalComplement`.
 */
export function svd(A: Float64Array, m: number, n: number, full: boolean, computeUv: boolean): SvdResult {
  const tall = m >= n;
  const r = tall ? n : m, c = tall ? m : n, k = r;
  // B: r rows of length c. Tall: rows are A's columns. Wide: rows are A's rows.
  const B = new Float64Array(r * c);
  if (tall) { for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) B[j * c + i] = A[i * n + j]; } else B.set(A.subarray(0, m * n));
  let Jt: Float64Array | null = null;
  if (computeUv) { Jt = new Float64Array(r * r); for (let i = 0; i < r; i++) Jt[i * r + i] = 1; }
  oneSidedJacobi(B, r, c, Jt);
  const norms = new Float64Array(r);
  for (let j = 0; j < r; j++) norms[j] = norm2(B, j * c, 1, c);
  const order = [...Array(r).keys()].sort((i, j) => norms[j] - norms[i]);
  const s = new Float64Array(k);
  order.forEach((src, dst) => { s[dst] = norms[src]; });
  if (!computeUv) return { s, u: null, vt: null };
  // "Long" vectors (length c): normalized rows of B; "short" vectors (length r): rows of Jt.
  // Singular values at rounding level of s_max carry no direction (A v / s is noise there):
  // their vectors come from the orthogonal complement, so U stays orthonormal as LAPACK's.
  const negligible = Math.max(TINY, (k ? s[0] : 0) * c * 2.220446049250313e-16);
  let nonzero = 0;
  while (nonzero < k && s[nonzero] > negligible) nonzero++;
  const longCount = full ? c : k;
  const long = new Float64Array(longCount * c);
  for (let j = 0; j < nonzero; j++) {
    const src = order[j], inv = 1 / s[j];
    for (let i = 0; i < c; i++) long[j * c + i] = B[src * c + i] * inv;
  }
  if (longCount > nonzero) long.set(orthogonalComplement(long, nonzero, c).subarray(0, (longCount - nonzero) * c), nonzero * c);
  const short = new Float64Array(r * r);
  order.forEach((src, dst) => short.set(Jt!.subarray(src * r, src * r + r), dst * r));
  // Tall: U's columns are the long vectors, Vᵀ's rows the short ones. Wide: the other way.
  const ucols = full ? m : k, vrows = full ? n : k;
  const u = new Float64Array(m * ucols), vt = new Float64Array(vrows * n);
  if (tall) {
    for (let j = 0; j < ucols; j++) for (let i = 0; i < m; i++) u[i * ucols + j] = long[j * c + i];
    vt.set(short.subarray(0, vrows * n));
  } else {
    for (let j = 0; j < ucols; j++) for (let i = 0; i < m; i++) u[i * ucols + j] = short[j * r + i];
    vt.set(long.subarray(0, vrows * n));
  }
  return { s, u, vt };
}
