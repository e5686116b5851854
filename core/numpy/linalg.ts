// np.linalg: NumPy's linear algebra over graft arrays, batched over leading axes. cholesky,
// triangularSolve, eigh, svd and qr bind their primitives (core/primitives/linalg.ts); solve,
// inv, det, slogdet go through the `lu` primitive and triangular solves; norm, lstsq and pinv
// through svd — so every function has every transform. Semantics follow jax.numpy.linalg
// (jax/_src/numpy/linalg.py), including its defaults where they differ from NumPy's.
import { ConcreteArray, type NDArray, type Operand } from "../array";
import { avalsStr } from "../aval";
import { isComplex } from "../dtype";
import { DTypeError, msg, normalizeAxis, ShapeError } from "../errors";
import { prims } from "../primitives";
import { diagPart, eyeOf, mT } from "../primitives/linalg";
import { broadcastShapes } from "../shape";
import { arange } from "./creation";
import { customJvp } from "../custom-jvp";
import { abs, add, divide, equal, greater, greaterEqual, lessEqual, log, multiply, negative, notEqual, power, sign, sqrt, square, subtract, where } from "./elementwise";
import { matmul } from "./products";
import { cumprod, max, min, prod, sum } from "./reductions";
import { concatenate, expandDims, flip, moveaxis, reshape as npReshape, squeeze } from "./shapes";
import { asArray, astype, broadcastTo, promote, scalarArray, toFloat } from "./util";

type Pair = [NDArray, NDArray];
type Triple = [NDArray, NDArray, NDArray];

// ------------------------------------------------------------------ helpers

const EPS = { float32: 2 ** -23, float64: 2 ** -52 } as Record<string, number>;
const epsOf = (x: NDArray): number => EPS[x.dtype] ?? 2 ** -23;

function requireReal(op: string, xs: NDArray[]): void {
  if (xs.some((x) => isComplex(x.dtype))) {
    throw new DTypeError(msg(op, "requires real inputs (complex inputs are not supported by np.linalg yet)", avalsStr(xs.map((x) => x.aval))));
  }
}
/** The operand as a float array (ints and bools become the default float dtype). */
function floatArray(op: string, x: Operand): NDArray {
  const a = asArray(x);
  requireReal(op, [a]);
  return toFloat(a);
}
/** Promotes two operands to one float dtype. */
function floatPair(op: string, x: Operand, y: Operand): Pair {
  const [a, b] = promote([x, y]);
  requireReal(op, [a, b]);
  const fa = toFloat(a);
  return [fa, b.dtype === fa.dtype ? b : astype(b, fa.dtype, b.weakType)];
}
function requireSquare(op: string, a: NDArray, all: NDArray[] = [a]): number {
  if (a.ndim < 2 || a.shape[a.ndim - 1] !== a.shape[a.ndim - 2]) {
    throw new ShapeError(msg(op, "a must be a square matrix (or a batch of them, shape [..., n, n])", avalsStr(all.map((x) => x.aval))));
  }
  return a.shape[a.ndim - 1];
}
function requireMatrix(op: string, a: NDArray): void {
  if (a.ndim < 2) throw new ShapeError(msg(op, "a must be a matrix (or a batch of them, rank >= 2)", a.aval.str()));
}
const symmetrize = (x: NDArray): NDArray => multiply(add(x, mT(x)), 0.5);
const lead = (x: NDArray, k = 2): number[] => x.shape.slice(0, x.ndim - k);

/**
 * NumPy raises LinAlgError for an exactly singular matrix (LAPACK getrf's zero pivot). With
 * a concrete LU we can do the same; under a transform the result is inf/NaN, as in JAX.
 */
function checkSingular(op: string, lu: NDArray): void {
  if (!(lu instanceof ConcreteArray)) return;
  const n = lu.shape[lu.ndim - 1];
  const data = lu.dataSync();
  const count = data.length / (n * n || 1);
  for (let b = 0; b < count; b++) {
    for (let i = 0; i < n; i++) {
      if (data[b * n * n + i * n + i] === 0) {
        const which = count > 1 ? ` ${b} of the batch ${lu.aval.str()}` : "";
        throw new RangeError(`${op}: matrix${which} is singular (zero pivot at column ${i}).`);
      }
    }
  }
}

/** x = A⁻¹ b from A's LU: b's rows permuted, then the unit-lower and upper solves. */
function luSolve(lu: NDArray, perm: NDArray, b: NDArray): NDArray {
  const nd = b.ndim;
  const idx = prims.broadcast_in_dim.bind1([perm], { shape: b.shape, broadcastDimensions: [...Array(nd - 1).keys()] });
  const pb = prims.take_along_axis.bind1([b, idx], { axis: nd - 2 });
  const y = prims.triangular_solve.bind1([lu, pb], { leftSide: true, lower: true, transposeA: false, unitDiagonal: true });
  return prims.triangular_solve.bind1([lu, y], { leftSide: true, lower: false, transposeA: false, unitDiagonal: false });
}

/** (-1)^(number of row swaps) of LU pivots, in `dtype`. */
function pivotSign(piv: NDArray, dtype: NDArray["dtype"]): NDArray {
  const k = piv.shape[piv.ndim - 1];
  const swaps = sum(notEqual(piv, arange(0, k, 1, { dtype: "int32" })), -1);
  const odd = equal(prims.rem.bind1([swaps, scalarArray(2, "int32", true)], {}), 1);
  return where(odd, scalarArray(-1, dtype, false), scalarArray(1, dtype, false));
}

// ------------------------------------------------------------------ factorizations

/**
 * Cholesky factor L (lower, L Lᵀ = a) of symmetric positive-definite matrices. The input is
 * symmetrized first ((a + aᵀ)/2, as JAX) unless `symmetrizeInput` is false, in which case
 * only its lower triangle is read. A matrix that is not positive definite gives NaNs (as
 * JAX; NumPy raises), also under jit.
 * @example
 * const L = np.linalg.cholesky(np.array([[4, 2], [2, 3]])); // [[2, 0], [1, 1.414]]
 * np.linalg.cholesky(a, { upper: true }); // U with Uᵀ U = a
 */
export function cholesky(a: Operand, opts: { upper?: boolean; symmetrizeInput?: boolean } = {}): NDArray {
  const x = floatArray("cholesky", a);
  requireSquare("cholesky", x);
  const L = prims.cholesky.bind1([x], { symmetrizeInput: opts.symmetrizeInput ?? true });
  return opts.upper ? mT(L) : L;
}

export interface TriangularSolveOpts {
  /** Solve op(a) x = b (true) or x op(a) = b (false, the default, as lax.linalg). */
  leftSide?: boolean;
  /** Use a's lower triangle (default false: upper, as lax.linalg). */
  lower?: boolean;
  /** op(a) = aᵀ. */
  transposeA?: boolean;
  /** Assume ones on a's diagonal (it is not read). */
  unitDiagonal?: boolean;
}

/**
 * Solves a triangular system, as `jax.lax.linalg.triangular_solve` (same options and
 * defaults: right side, upper triangle): `op(a) x = b` with `leftSide`, else `x op(a) = b`.
 * Only the chosen triangle of `a` is read. `b` may be one vector per matrix (rank of a - 1).
 * Batch dims broadcast.
 * @example
 * const L = np.linalg.cholesky(A);
 * const y = np.linalg.triangularSolve(L, b, { leftSide: true, lower: true });       // L y = b
 * const x = np.linalg.triangularSolve(L, y, { leftSide: true, lower: true, transposeA: true }); // Lᵀ x = y
 */
export function triangularSolve(a: Operand, b: Operand, opts: TriangularSolveOpts = {}): NDArray {
  let [A, B] = floatPair("triangularSolve", a, b);
  const params = { leftSide: opts.leftSide ?? false, lower: opts.lower ?? false, transposeA: opts.transposeA ?? false, unitDiagonal: opts.unitDiagonal ?? false };
  const m = requireSquare("triangularSolve", A, [A, B]);
  const vector = B.ndim === A.ndim - 1;
  if (vector) B = expandDims(B, params.leftSide ? -1 : -2);
  if (B.ndim < 2 || B.shape[B.ndim - (params.leftSide ? 2 : 1)] !== m) {
    const need = params.leftSide ? `b of shape [..., ${m}, k] or [..., ${m}]` : `b of shape [..., k, ${m}] or [..., ${m}]`;
    throw new ShapeError(msg("triangularSolve", `${need} for a of size ${m}`, avalsStr([A.aval, asArray(b).aval])));
  }
  const batch = broadcastShapes("triangularSolve", [lead(A), lead(B)], () => [avalsStr([A.aval, B.aval])]);
  A = broadcastTo("triangularSolve", A, [...batch, m, m]);
  B = broadcastTo("triangularSolve", B, [...batch, ...B.shape.slice(-2)]);
  const x = prims.triangular_solve.bind1([A, B], params);
  return vector ? squeeze(x, params.leftSide ? -1 : -2) : x;
}

/**
 * Solves `a x = b` by LU with partial pivoting. `b` is a vector per matrix when it has rank
 * 1 or one less than `a` (as NumPy 1.x and JAX), else `[..., n, k]`; batch dims broadcast.
 * An exactly singular concrete `a` raises a RangeError (NumPy's LinAlgError); under a
 * transform the result is inf/NaN.
 * @example
 * np.linalg.solve(np.array([[3, 1], [1, 2]]), np.array([9, 8])); // [2, 3]
 */
export function solve(a: Operand, b: Operand): NDArray {
  const [A, B0] = floatPair("solve", a, b);
  const n = requireSquare("solve", A, [A, B0]);
  const vector = B0.ndim === 1 || B0.ndim === A.ndim - 1;
  const B = vector ? expandDims(B0, -1) : B0;
  if (B.ndim < 2 || B.shape[B.ndim - 2] !== n) {
    throw new ShapeError(msg("solve", `b must have shape [..., ${n}] or [..., ${n}, k] for a of size ${n}`, avalsStr([A.aval, B0.aval])));
  }
  const batch = broadcastShapes("solve", [lead(A), lead(B)], () => [avalsStr([A.aval, B0.aval])]);
  const [lu, , perm] = prims.lu.bind([A], {});
  checkSingular("solve", lu);
  const x = luSolve(broadcastTo("solve", lu, [...batch, n, n]), broadcastTo("solve", perm, [...batch, n]),
    broadcastTo("solve", B, [...batch, ...B.shape.slice(-2)]));
  return vector ? squeeze(x, -1) : x;
}

/**
 * Inverse of square matrices (solve against the identity). A concrete singular matrix
 * raises a RangeError, as NumPy.
 * @example np.linalg.inv(np.array([[2, 0], [0, 4]])); // [[0.5, 0], [0, 0.25]]
 */
export function inv(a: Operand): NDArray {
  const A = floatArray("inv", a);
  requireSquare("inv", A);
  const [lu, , perm] = prims.lu.bind([A], {});
  checkSingular("inv", lu);
  return luSolve(lu, perm, eyeOf(A.shape, A.dtype));
}

/**
 * Determinant (product of LU's pivots with the permutation's sign); 0 for a singular matrix.
 * @example np.linalg.det(np.array([[1, 2], [3, 4]])); // -2
 */
export function det(a: Operand): NDArray {
  const A = floatArray("det", a);
  const n = requireSquare("det", A);
  return n === 0 ? detLu(A) : detWithRule(A);
}

function detLu(A: NDArray): NDArray {
  const [lu, piv] = prims.lu.bind([A], {});
  return multiply(pivotSign(piv, A.dtype), prod(diagPart(lu), -1));
}

/**
 * det with JAX's derivative d det = tr(adj(A) dA), finite at singular A (JAX computes the
 * adjugate by a cofactor solve). Here: det · tr(A⁻¹ dA) where A is well conditioned, and the
 * SVD adjugate adj(A) = det(U) det(V) V diag(Π_{j≠i} s_j) Uᵀ where it is not. Each branch
 * gets a harmless input where it is not taken, so neither leaks NaN into derivatives.
 */
const detWithRule = customJvp((A: NDArray) => detLu(A));
detWithRule.defjvp(([A]: NDArray[], [dA]: NDArray[]) => {
  const y = detWithRule(A);
  const n = A.shape[A.ndim - 1];
  const [lu] = prims.lu.bind([A], {});
  const d = abs(diagPart(lu));
  const singular = lessEqual(min(d, -1), multiply(max(d, -1), n * epsOf(A)));       // [...batch]
  const sing = broadcastTo("det", expandDims(singular, [-1, -2]), A.shape);
  const eye = eyeOf(A.shape, A.dtype);
  const Asolve = where(sing, eye, A);
  const steps = multiply(eye, expandDims(add(arange(n, undefined, 1, { dtype: A.dtype }), 1), -1));
  const Asvd = where(sing, A, steps);                                                   // distinct singular values 1..n
  const regular = multiply(detLu(Asolve), trace2(solve(Asolve, dA)));
  const [u, s, vh] = svd(Asvd, false);
  // c_i = Π_{j≠i} s_j as the product of exclusive prefix and suffix products.
  const ones = prims.broadcast_in_dim.bind1([scalarArray(1, A.dtype, false)], { shape: [...s.shape.slice(0, -1), 1], broadcastDimensions: [] });
  const pre = concatenate([ones, cumprod(s, -1).slice("...", [0, n - 1])], -1);
  const suf = flip(concatenate([ones, cumprod(flip(s, -1), -1).slice("...", [0, n - 1])], -1), -1);
  const c = multiply(pre, suf);
  const sgn = multiply(detLu(u), detLu(vh));
  const adj = multiply(expandDims(sgn, [-1, -2]), matmul(multiply(mT(vh), expandDims(c, -2)), mT(u)));
  const cofactor = trace2(matmul(adj, dA));
  return [y, where(singular, cofactor, regular)];
});
const trace2 = (m: NDArray): NDArray => sum(diagPart(m), -1);

/**
 * `[sign, logabsdet]` with det = sign · exp(logabsdet), stable where det over/underflows.
 * A singular matrix gives sign 0 and logabsdet -inf, as NumPy.
 * @example const [s, logdet] = np.linalg.slogdet(np.multiply(np.eye(100), 10)); // 1, 230.26
 */
export function slogdet(a: Operand): Pair {
  const A = floatArray("slogdet", a);
  requireSquare("slogdet", A);
  const [lu, piv] = prims.lu.bind([A], {});
  const d = diagPart(lu);
  return [multiply(pivotSign(piv, A.dtype), prod(sign(d), -1)), sum(log(abs(d)), -1)];
}

/**
 * Eigen-decomposition of symmetric matrices: `[w, v]`, eigenvalues ascending and unit
 * eigenvectors as the columns of v (`a v = v diag(w)`). The input is symmetrized first
 * unless `symmetrizeInput` is false; then only the `UPLO` triangle ("L" default) is read.
 * Eigenvector signs are arbitrary (as LAPACK's).
 * @example const [w, v] = np.linalg.eigh(np.array([[2, 1], [1, 2]])); // w = [1, 3]
 */
export function eigh(a: Operand, UPLO: "L" | "U" = "L", opts: { symmetrizeInput?: boolean } = {}): Pair {
  let x = floatArray("eigh", a);
  requireSquare("eigh", x);
  if (UPLO !== "L" && UPLO !== "U") throw new RangeError(msg("eigh", "UPLO must be \"L\" or \"U\"", JSON.stringify(UPLO)));
  if (opts.symmetrizeInput ?? true) x = symmetrize(x);
  const [w, v] = prims.eigh.bind([x], { lower: UPLO === "L" });
  return [w, v];
}

/**
 * Eigenvalues of symmetric matrices, ascending.
 * @example np.linalg.eigvalsh(np.array([[2, 1], [1, 2]])); // [1, 3]
 */
export const eigvalsh = (a: Operand, UPLO: "L" | "U" = "L"): NDArray => eigh(a, UPLO)[0];

export interface SvdOpts { fullMatrices?: boolean; computeUv?: boolean }

/**
 * Singular value decomposition `a = u diag(s) vh`: `[u, s, vh]` with s descending, or only
 * `s` when `computeUv` is false. `fullMatrices` (default true, as NumPy) makes u m×m and vh
 * n×n; derivatives of u and vh need `fullMatrices: false` for non-square input (as JAX).
 * Options may be given positionally (NumPy's order) or as an object.
 * @example
 * const [u, s, vh] = np.linalg.svd(x, false);          // reduced
 * const s2 = np.linalg.svd(x, { computeUv: false });   // singular values only
 */
export function svd(a: Operand, fullMatrices?: boolean, computeUv?: true): Triple;
/** Singular values only (descending). @example np.linalg.svd(x, false, false) */
export function svd(a: Operand, fullMatrices: boolean, computeUv: false): NDArray;
/** `[u, s, vh]` with options as an object. @example const [u, s, vh] = np.linalg.svd(x, { fullMatrices: false }); */
export function svd(a: Operand, opts: SvdOpts & { computeUv?: true }): Triple;
/** Singular values only (descending). @example np.linalg.svd(x, { computeUv: false }) */
export function svd(a: Operand, opts: SvdOpts & { computeUv: false }): NDArray;
/** `[u, s, vh]`, or `s` when `computeUv` is false. @example np.linalg.svd(x, opts) */
export function svd(a: Operand, opts: SvdOpts): Triple | NDArray;
export function svd(a: Operand, full: boolean | SvdOpts = true, computeUv = true): Triple | NDArray {
  const o = typeof full === "object" ? full : { fullMatrices: full, computeUv };
  const x = floatArray("svd", a);
  requireMatrix("svd", x);
  const cu = o.computeUv ?? true;
  const outs = prims.svd.bind([x], { fullMatrices: o.fullMatrices ?? true, computeUv: cu });
  return cu ? [outs[1], outs[0], outs[2]] : outs[0];
}

/**
 * Householder QR `a = q r` (q orthonormal columns, r upper triangular; signs as LAPACK's).
 * `mode`: "reduced" (default; q [m, k], r [k, n]), "complete" (q [m, m], r [m, n]) or "r"
 * (r only). Derivatives need m >= n and mode "reduced"/"r" (as JAX).
 * @example const [q, r] = np.linalg.qr(np.array([[1, 2], [3, 4], [5, 6]]));
 */
export function qr(a: Operand, mode?: "reduced" | "complete"): Pair;
/** Only the triangular factor r of a = q r. @example const r = np.linalg.qr(x, "r"); */
export function qr(a: Operand, mode: "r"): NDArray;
export function qr(a: Operand, mode: "reduced" | "complete" | "r" = "reduced"): Pair | NDArray {
  const x = floatArray("qr", a);
  requireMatrix("qr", x);
  if (mode !== "reduced" && mode !== "complete" && mode !== "r") {
    throw new RangeError(msg("qr", "mode must be \"reduced\", \"complete\" or \"r\"", JSON.stringify(mode)));
  }
  const [q, r] = prims.qr.bind([x], { fullMatrices: mode === "complete" });
  return mode === "r" ? r : [q, r];
}

// ------------------------------------------------------------------ norms

export type NormOrd = number | "fro" | "nuc" | null | undefined;

/**
 * Vector or matrix norm, as NumPy. With `axis` null: the 2-norm of the flattened array when
 * `ord` is null, else a vector norm for rank 1 and a matrix norm for rank 2. Vector ords:
 * 2 (default), 1, Infinity, -Infinity, 0 (count of nonzeros), any p. Matrix ords (axis a
 * pair): "fro" (default), "nuc", 1, -1, 2, -2, Infinity, -Infinity.
 * @example
 * np.linalg.norm(np.array([3, 4]));                 // 5
 * np.linalg.norm(m, "fro"); np.linalg.norm(m, 2);    // Frobenius, spectral
 * np.linalg.norm(x, 1, -1, { keepdims: true });      // per-row 1-norms
 */
export function norm(x: Operand, ord: NormOrd = null, axis: number | readonly number[] | null = null, opts: { keepdims?: boolean } = {}): NDArray {
  const a = floatArray("norm", x);
  const keepdims = opts.keepdims ?? false;
  if (axis === null || axis === undefined) {
    if (ord === null || ord === undefined) {
      const r = sqrt(sum(square(a)));
      return keepdims ? npReshape(r, a.shape.map(() => 1)) : r;
    }
    if (a.ndim !== 1 && a.ndim !== 2) {
      throw new ShapeError(msg("norm", "needs an axis for arrays of rank other than 1 or 2 when ord is given", a.aval.str()));
    }
    axis = [...Array(a.ndim).keys()];
  }
  const axes = (typeof axis === "number" ? [axis] : [...axis]).map((ax) => normalizeAxis("norm", ax, a.ndim));
  if (axes.length === 1) return vectorNorm(a, ord, axes[0], keepdims);
  if (axes.length === 2) {
    if (axes[0] === axes[1]) throw new RangeError(msg("norm", "the two axes must differ", `[${axes}]`));
    return matrixNorm(a, ord, axes[0], axes[1], keepdims);
  }
  throw new RangeError(msg("norm", "axis must name 1 or 2 axes", `[${axes}]`));
}

function vectorNorm(a: NDArray, ord: NormOrd, axis: number, keepdims: boolean): NDArray {
  const o = { keepdims };
  if (ord === null || ord === undefined || ord === 2) return sqrt(sum(square(a), axis, o));
  if (typeof ord !== "number") throw new RangeError(msg("norm", "a vector norm's ord must be a number", JSON.stringify(ord)));
  if (ord === Infinity) return max(abs(a), axis, o);
  if (ord === -Infinity) return min(abs(a), axis, o);
  if (ord === 0) return sum(astype(notEqual(a, 0), a.dtype), axis, o);
  if (ord === 1) return sum(abs(a), axis, o);
  return power(sum(power(abs(a), ord), axis, o), 1 / ord);
}

function matrixNorm(a: NDArray, ord: NormOrd, row: number, col: number, keepdims: boolean): NDArray {
  const o = { keepdims };
  if (ord === null || ord === undefined || ord === "fro") return sqrt(sum(square(a), [row, col], o));
  if (ord === 1 || ord === -1 || ord === Infinity || ord === -Infinity) {
    // 1: max over columns of the column sums; Infinity: max over rows of the row sums.
    const [sumAx, redAx0] = ord === 1 || ord === -1 ? [row, col] : [col, row];
    const redAx = !keepdims && redAx0 > sumAx ? redAx0 - 1 : redAx0;
    const sums = sum(abs(a), sumAx, o);
    return ord > 0 ? max(sums, redAx, o) : min(sums, redAx, o);
  }
  if (ord === 2 || ord === -2 || ord === "nuc") {
    const s = svd(moveaxis(a, [row, col], [-2, -1]), { computeUv: false });
    let y = ord === 2 ? max(s, -1) : ord === -2 ? min(s, -1) : sum(s, -1);
    if (keepdims) y = expandDims(y, [row, col].sort((p, q) => p - q));
    return y;
  }
  throw new RangeError(msg("norm", "a matrix norm's ord must be \"fro\", \"nuc\", 1, -1, 2, -2, Infinity or -Infinity", JSON.stringify(ord)));
}

// ------------------------------------------------------------------ least squares, pinv

/**
 * Least-squares solution of `a x ≈ b` via the SVD, as `jnp.linalg.lstsq`: returns
 * `[x, residuals, rank, s]`. Singular values below `rcond · s_max` are dropped (default
 * rcond: eps · max(m, n), JAX's). Residuals are the squared 2-norms of `b - a x` per column
 * (always computed, as JAX by default; NumPy returns an empty array when rank < n or m <= n).
 * `b` is a vector per matrix (rank 1 or rank of a - 1) or `[..., m, k]`; batch dims broadcast.
 * @example const [x, res, rank, s] = np.linalg.lstsq(A, y); // fit y ≈ A x
 */
export function lstsq(a: Operand, b: Operand, rcond: number | null = null): [NDArray, NDArray, NDArray, NDArray] {
  const [A, B0] = floatPair("lstsq", a, b);
  requireMatrix("lstsq", A);
  const [m, n] = A.shape.slice(-2);
  const vector = B0.ndim === 1 || B0.ndim === A.ndim - 1;
  const B = vector ? expandDims(B0, -1) : B0;
  if (B.ndim < 2 || B.shape[B.ndim - 2] !== m) {
    throw new ShapeError(msg("lstsq", `b must have shape [..., ${m}] or [..., ${m}, k] for a with ${m} rows`, avalsStr([A.aval, B0.aval])));
  }
  const rc = rcond === null ? epsOf(A) * Math.max(m, n) : rcond < 0 ? epsOf(A) : rcond;
  const [u, s, vh] = svd(A, false);
  const k = Math.min(m, n);
  const cutoff = multiply(k > 0 ? s.slice("...", [0, 1]) : s, rc);
  const keep = greaterEqual(s, cutoff);
  const rank = sum(astype(keep, "int32"), -1);
  const sInv = where(keep, divide(1, where(keep, s, 1)), 0);
  const uTb = matmul(mT(u), B);
  const x = matmul(mT(vh), multiply(expandDims(sInv, -1), uTb));
  const resid = sum(square(subtract(B, matmul(A, x))), -2);
  return [vector ? squeeze(x, -1) : x, resid, rank, s];
}

/**
 * Moore–Penrose pseudo-inverse via the SVD; singular values <= `rcond · s_max` count as zero
 * (default rcond: 10 · max(m, n) · eps, JAX's). Batched: [..., m, n] -> [..., n, m].
 * @example np.linalg.pinv(np.array([[1, 2], [2, 4], [0, 1]]));
 */
export function pinv(a: Operand, rcond: number | null = null): NDArray {
  const A = floatArray("pinv", a);
  requireMatrix("pinv", A);
  const [m, n] = A.shape.slice(-2);
  if (m === 0 || n === 0) return prims.broadcast_in_dim.bind1([scalarArray(0, A.dtype, false)], { shape: [...lead(A), n, m], broadcastDimensions: [] });
  const rc = rcond ?? 10 * Math.max(m, n) * epsOf(A);
  // JAX's custom rule: differentiating through the SVD would give NaN wherever singular
  // values repeat (e.g. orthogonal A), while the pseudo-inverse is smooth there.
  const f = customJvp((X: NDArray) => pinvSvd(X, rc));
  f.defjvp(([X]: NDArray[], [dX]: NDArray[]) => {
    const P = f(X);
    const dXt = mT(dX), Pt = mT(P);
    const In = eyeOf([...lead(X), n, n], X.dtype), Im = eyeOf([...lead(X), m, m], X.dtype);
    // dP = -P dX P + (I - P X) dXᵀ Pᵀ P + P Pᵀ dXᵀ (I - X P)
    const t1 = negative(matmul(matmul(P, dX), P));
    const t2 = matmul(matmul(matmul(subtract(In, matmul(P, X)), dXt), Pt), P);
    const t3 = matmul(matmul(matmul(P, Pt), dXt), subtract(Im, matmul(X, P)));
    return [P, add(add(t1, t2), t3)];
  });
  return f(A);
}

function pinvSvd(A: NDArray, rc: number): NDArray {
  const [u, s, vh] = svd(A, false);
  const cutoff = multiply(s.slice("...", [0, 1]), rc);
  const sSafe = where(greater(s, cutoff), s, Infinity);
  return matmul(mT(vh), divide(mT(u), expandDims(sSafe, -1)));
}
