// Linear-algebra primitives: cholesky, triangular_solve, lu, qr, eigh, svd. Each acts on the
// last two axes and is batched over the leading ones; shape rules, jvp, transpose and
// batching rules follow jax/_src/lax/linalg.py (_cholesky_jvp_rule,
// _triangular_solve_jvp_rule_a / _transpose_rule, _lu_jvp_rule, qr_jvp_rule, _eigh_jvp_rule,
// _svd_jvp_rule). Everything else in np.linalg is composite (core/numpy/linalg.ts).
import { ConcreteArray, type NDArray } from "../array";
import { ShapedArray, avalsStr } from "../aval";
import { getBackend } from "../device";
import { allocate, type DType } from "../dtype";
import { DTypeError, msg, ShapeError } from "../errors";
import { type BatchRule, definePrimitive, type Primitive, type Tangent, UndefinedPrimal, Zero } from "../primitive";
import { batchFirst, moveAxis } from "./batching";
import { prims } from "./index";
import * as o from "./ops";

export interface TriangularSolveParams {
  /** Solve op(a) x = b (true) or x op(a) = b (false). */
  leftSide: boolean;
  /** Which triangle of a is read (the other one is ignored). */
  lower: boolean;
  /** op(a) = aᵀ instead of a. */
  transposeA: boolean;
  /** Take a's diagonal as ones (it is not read). */
  unitDiagonal: boolean;
}
export interface CholeskyParams {
  /** Factor (a + aᵀ)/2 (true), or read only a's lower triangle (false). */
  symmetrizeInput: boolean;
}
export interface EighParams { /** Which triangle of the input is read. */ lower: boolean }
export interface SvdParams { fullMatrices: boolean; computeUv: boolean }
export interface QrParams { fullMatrices: boolean }

// ------------------------------------------------------------------ shape checks

function requireFloat(op: string, avals: ShapedArray[]): void {
  for (const a of avals) {
    if (a.dtype !== "float32" && a.dtype !== "float64") {
      throw new DTypeError(msg(op, "requires float32 or float64 operands", avalsStr(avals), "Cast with .astype(\"float32\") first."));
    }
  }
  if (avals.some((a) => a.dtype !== avals[0].dtype)) throw new DTypeError(msg(op, "operands must have the same dtype", avalsStr(avals)));
}
function requireMatrix(op: string, a: ShapedArray, square: boolean, all: ShapedArray[] = [a]): void {
  if (a.ndim < 2) throw new ShapeError(msg(op, "input must be a matrix (or a batch of them, rank >= 2)", avalsStr(all)));
  if (square && a.shape[a.ndim - 1] !== a.shape[a.ndim - 2]) {
    throw new ShapeError(msg(op, "input must be a square matrix (or a batch of them)", avalsStr(all)));
  }
}
const batchOf = (a: ShapedArray): readonly number[] => a.shape.slice(0, -2);
const aval = (shape: readonly number[], dtype: DType) => new ShapedArray(shape, dtype);

// ------------------------------------------------------------------ helpers for rules

const iota = (n: number): number[] => [...Array(n).keys()];
/** Swaps the last two axes. */
export function mT(x: NDArray): NDArray {
  const perm = iota(x.ndim);
  [perm[x.ndim - 2], perm[x.ndim - 1]] = [perm[x.ndim - 1], perm[x.ndim - 2]];
  return o.transpose(x, perm);
}
/** Batched matrix product over equal leading dims: [..., m, k] @ [..., k, n]. */
export function mm(a: NDArray, b: NDArray): NDArray {
  const nd = a.ndim, batch = iota(nd - 2);
  return prims.dot_general.bind1([a, b], { dimensionNumbers: [[[nd - 1], [nd - 2]], [batch, batch]], preferredElementType: null });
}
/** A concrete array from data (a constant under every trace). */
function constant(data: ArrayLike<number>, shape: readonly number[], dtype: DType): NDArray {
  const av = aval(shape, dtype);
  const buf = allocate("linalg", dtype, av.size);
  buf.set(data);
  const b = getBackend();
  return new ConcreteArray(b, b.upload(buf, av), av);
}
/** Bool mask of the last two dims of `shape` where pred(i, j), broadcast to `shape`. */
function mask(shape: readonly number[], pred: (i: number, j: number) => boolean): NDArray {
  const [m, n] = shape.slice(-2);
  const data = new Uint8Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) data[i * n + j] = pred(i, j) ? 1 : 0;
  return o.broadcastInDim(constant(data, [m, n], "bool"), shape, [shape.length - 2, shape.length - 1]);
}
const zerosOf = (x: NDArray) => o.full(x.aval.strong(), 0);
/** Entries on or below the k-th diagonal (others zero). */
export const tril = (x: NDArray, k = 0): NDArray => o.select(mask(x.aval.shape, (i, j) => j - i <= k), x, zerosOf(x));
/** Entries on or above the k-th diagonal (others zero). */
export const triu = (x: NDArray, k = 0): NDArray => o.select(mask(x.aval.shape, (i, j) => j - i >= k), x, zerosOf(x));
/** The identity, [..., n, n] of `shape`, as a constant. */
export function eyeOf(shape: readonly number[], dtype: DType): NDArray {
  const n = shape[shape.length - 1];
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return o.broadcastInDim(constant(data, [n, n], dtype), shape, [shape.length - 2, shape.length - 1]);
}
/** The diagonal of [..., n, n] as [..., n]: every (n+1)-th element of the flattened matrix. */
export function diagPart(x: NDArray): NDArray {
  const lead = x.aval.shape.slice(0, -2), n = x.aval.shape[x.ndim - 1];
  if (n === 0) return o.reshape(x, [...lead, 0]);
  const flat = o.reshape(x, [...lead, n * n]);
  return prims.slice.bind1([flat], { startIndices: flat.aval.shape.map(() => 0), limitIndices: flat.aval.shape, strides: [...lead.map(() => 1), n + 1] });
}
/** v[..., k] broadcast along a new axis: as rows ([..., n, k], `row`) or columns ([..., k, n]). */
function spread(v: NDArray, n: number, row: boolean): NDArray {
  const lead = iota(v.ndim - 1), k = v.aval.shape[v.ndim - 1];
  const shape = [...v.aval.shape.slice(0, -1), ...(row ? [n, k] : [k, n])];
  return o.broadcastInDim(v, shape, [...lead, row ? v.ndim : v.ndim - 1]);
}
function sliceLast2(x: NDArray, rows: [number, number], cols: [number, number]): NDArray {
  const lead = x.aval.shape.slice(0, -2);
  return prims.slice.bind1([x], { startIndices: [...lead.map(() => 0), rows[0], cols[0]], limitIndices: [...lead, rows[1], cols[1]], strides: null });
}
function padLast2(x: NDArray, rows: [number, number], cols: [number, number]): NDArray {
  if (rows[0] === 0 && rows[1] === 0 && cols[0] === 0 && cols[1] === 0) return x;
  const cfg = x.aval.shape.map((): [number, number, number] => [0, 0, 0]);
  cfg[x.ndim - 2] = [rows[0], rows[1], 0];
  cfg[x.ndim - 1] = [cols[0], cols[1], 0];
  return prims.pad.bind1([x, o.full(aval([], x.dtype), 0)], { config: cfg });
}

/** The symmetric matrix with x's lower triangle: tril(x) + tril(x, -1)ᵀ. */
const symmetricFromLower = (x: NDArray): NDArray => o.add(tril(x), mT(tril(x, -1)));

/** Batch rule for primitives whose batch dims are leading: the vmapped axis becomes one more. */
function leadingBatch<P extends object>(prim: () => Primitive<P>): BatchRule<P> {
  return (args, dims, params, size) => {
    const outs = prim().bind(args.map((x, i) => batchFirst(x, dims[i], size)), params);
    return [outs, outs.map(() => 0)];
  };
}

// ------------------------------------------------------------------ cholesky

/** Lower Cholesky factor of (a + aᵀ)/2 or of a's lower triangle; NaN where not positive
 * definite. (Symmetrizing in the kernel saves the eager transpose/add/scale passes that
 * JAX's wrapper does as separate ops.) */
const choleskyP: Primitive<CholeskyParams> = definePrimitive<CholeskyParams>("cholesky", {
  abstractEval: ([a]) => {
    requireFloat("cholesky", [a]);
    requireMatrix("cholesky", a, true);
    return [a.strong()];
  },
  // dL = L φ(L⁻¹ dA L⁻ᵀ), φ = lower triangle with the diagonal halved (Murray 2016,
  // arXiv:1602.07527), as JAX's _cholesky_jvp_rule; dA symmetrized the way the kernel reads a.
  jvp: ([a], [ta], p) => {
    const L = choleskyP.bind1([a], p);
    const t = ta as NDArray;
    const dA = p.symmetrizeInput ? o.mul(o.add(t, mT(t)), 0.5) : symmetricFromLower(t);
    const tmp = triangularSolveP.bind1([L, dA], { leftSide: false, lower: true, transposeA: true, unitDiagonal: false });
    const inner = triangularSolveP.bind1([L, tmp], { leftSide: true, lower: true, transposeA: false, unitDiagonal: false });
    const n = a.aval.shape[a.ndim - 1];
    const half = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) half[i * n + j] = i === j ? 0.5 : 1;
    const phi = o.mul(tril(inner), o.broadcastInDim(constant(half, [n, n], a.dtype), inner.aval.shape, [a.ndim - 2, a.ndim - 1]));
    return [[L], [mm(L, phi)]];
  },
  batch: leadingBatch(() => choleskyP),
});

// ------------------------------------------------------------------ triangular_solve

const triangularSolveP: Primitive<TriangularSolveParams> = definePrimitive<TriangularSolveParams>("triangular_solve", {
  abstractEval: ([a, b], { leftSide }) => {
    const op = "triangular_solve";
    requireFloat(op, [a, b]);
    requireMatrix(op, a, true, [a, b]);
    if (b.ndim !== a.ndim || batchOf(a).some((d, i) => d !== b.shape[i])) {
      throw new ShapeError(msg(op, "a and b must have the same rank and batch dims", avalsStr([a, b])));
    }
    const m = a.shape[a.ndim - 1], bm = b.shape[b.ndim - (leftSide ? 2 : 1)];
    if (bm !== m) {
      throw new ShapeError(msg(op, leftSide ? `b must have ${m} rows to solve op(a) x = b` : `b must have ${m} columns to solve x op(a) = b`, avalsStr([a, b])));
    }
    return [b.strong()];
  },
  jvp: ([a, b], [ta, tb], p) => {
    const x = triangularSolveP.bind1([a, b], p);
    let t: Tangent = new Zero(x.aval);
    if (!(tb instanceof Zero)) t = triangularSolveP.bind1([a, tb], p);
    if (!(ta instanceof Zero)) t = o.addTangents(t, triangularSolveJvpA(ta, x, a, p));
    return [[x], [t]];
  },
  // Linear in b: the cotangent goes through the transposed solve.
  transpose: ([ct], [a, b], p) => {
    if (a instanceof UndefinedPrimal) throw new TypeError("triangular_solve: transpose is linear in b only (a must be known)");
    if (ct instanceof Zero) return [null, new Zero((b as UndefinedPrimal).aval)];
    return [null, triangularSolveP.bind1([a, ct], { ...p, transposeA: !p.transposeA })];
  },
  batch: ([a, b], [da, db], p, size) => {
    if (da === null && db !== null) {
      // Only b is batched: fold the vmapped axis into b's right-hand-side dim, solve once.
      // Left: [..., m, B, k] -> [..., m, B*k]. Right: [..., B, k, m] -> [..., B*k, m].
      const nd = b.ndim, mid = p.leftSide ? nd - 2 : nd - 3;
      const moved = moveAxis(b, db, mid);
      const s = moved.aval.shape;
      const folded = o.reshape(moved, [...s.slice(0, mid), s[mid] * s[mid + 1], ...s.slice(mid + 2)]);
      const x = triangularSolveP.bind1([a, folded], p);
      return [[o.reshape(x, s)], [mid]];
    }
    const x = triangularSolveP.bind1([batchFirst(a, da, size), batchFirst(b, db, size)], p);
    return [[x], [0]];
  },
});

/** Tangent of triangular_solve in a: -op(A)⁻¹ op(dA) X (left) or -X op(dA) op(A)⁻¹ (right),
 * ordering the products by cost as JAX's _triangular_solve_jvp_rule_a. */
function triangularSolveJvpA(ga: NDArray, x: NDArray, a: NDArray, p: TriangularSolveParams): NDArray {
  const k = p.unitDiagonal ? 1 : 0;
  let g = o.neg(p.lower ? tril(ga, -k) : triu(ga, k));
  if (p.transposeA) g = mT(g);
  const ainv = (rhs: NDArray) => triangularSolveP.bind1([a, rhs], p);
  const [m, n] = x.aval.shape.slice(-2);
  if (p.leftSide) return m > n ? ainv(mm(g, x)) : mm(ainv(g), x);
  return m < n ? ainv(mm(x, g)) : mm(x, ainv(g));
}

// ------------------------------------------------------------------ lu

/** P a = L U with partial pivoting: [lu, pivots (int32, min(m, n)), permutation (int32, m)]. */
const luP: Primitive<{}> = definePrimitive<{}>("lu", {
  abstractEval: ([a]) => {
    requireFloat("lu", [a]);
    requireMatrix("lu", a, false);
    const [m, n] = a.shape.slice(-2), lead = batchOf(a);
    return [a.strong(), aval([...lead, Math.min(m, n)], "int32"), aval([...lead, m], "int32")];
  },
  // JAX's _lu_jvp_rule (De Hoog, Anderssen & Lukas): with X = L⁻¹ P dA U⁻¹,
  // dL = L tril(X, -1) and dU = triu(X) U; L and U padded to square for m != n.
  jvp: ([a], [ta]) => {
    const [luOut, piv, perm] = luP.bind([a], {});
    const nd = a.ndim, [m, n] = a.aval.shape.slice(-2), k = Math.min(m, n);
    const idx = o.broadcastInDim(perm, ta.aval.shape, [...iota(nd - 2), nd - 2]);
    const x = prims.take_along_axis.bind1([ta as NDArray, idx], { axis: nd - 2 });
    const lead = a.aval.shape.slice(0, -2);
    const l = o.add(padLast2(tril(sliceLast2(luOut, [0, m], [0, k]), -1), [0, 0], [0, m - k]), eyeOf([...lead, m, m], a.dtype));
    let u = padLast2(triu(sliceLast2(luOut, [0, k], [0, n])), [0, n - k], [0, 0]);
    if (n > k) {
      const ue = new Float64Array(n * n);
      for (let i = k; i < n; i++) ue[i * n + i] = 1;
      u = o.add(u, o.broadcastInDim(constant(ue, [n, n], a.dtype), u.aval.shape, [nd - 2, nd - 1]));
    }
    const la = triangularSolveP.bind1([l, x], { leftSide: true, lower: true, transposeA: false, unitDiagonal: true });
    const lau = triangularSolveP.bind1([u, la], { leftSide: false, lower: false, transposeA: false, unitDiagonal: false });
    const dlu = o.add(mm(l, tril(lau, -1)), mm(triu(lau), u));
    return [[luOut, piv, perm], [dlu, new Zero(piv.aval), new Zero(perm.aval)]];
  },
  batch: leadingBatch(() => luP),
});

// ------------------------------------------------------------------ qr

/** Householder QR: [q, r], reduced ([m, k], [k, n]) or complete ([m, m], [m, n]). */
const qrP: Primitive<QrParams> = definePrimitive<QrParams>("qr", {
  abstractEval: ([a], { fullMatrices }) => {
    requireFloat("qr", [a]);
    requireMatrix("qr", a, false);
    const [m, n] = a.shape.slice(-2), lead = batchOf(a), kk = fullMatrices ? m : Math.min(m, n);
    return [aval([...lead, m, kk], a.dtype), aval([...lead, kk, n], a.dtype)];
  },
  // JAX's qr_jvp_rule (j-towns.github.io/papers/qr-derivative.pdf).
  jvp: ([a], [ta], { fullMatrices }) => {
    const [m, n] = a.aval.shape.slice(-2);
    if (m < n || (fullMatrices && m !== n)) {
      throw new TypeError(msg("qr", "the derivative is implemented for m >= n with mode \"reduced\" only (as in JAX)", `${a.aval.str()} with fullMatrices ${fullMatrices}`));
    }
    const [q, r] = qrP.bind([a], { fullMatrices: false });
    const dxRinv = triangularSolveP.bind1([r, ta as NDArray], { leftSide: false, lower: false, transposeA: false, unitDiagonal: false });
    const qtDxRinv = mm(mT(q), dxRinv);
    const low = tril(qtDxRinv, -1);
    const dOmega = o.sub(low, mT(low));
    const dq = o.add(mm(q, o.sub(dOmega, qtDxRinv)), dxRinv);
    const dr = mm(o.sub(qtDxRinv, dOmega), r);
    return [[q, r], [dq, dr]];
  },
  batch: leadingBatch(() => qrP),
});

// ------------------------------------------------------------------ eigh

/** Symmetric eigendecomposition from one triangle: [w ascending [..., n], v [..., n, n]] (columns). */
const eighP: Primitive<EighParams> = definePrimitive<EighParams>("eigh", {
  abstractEval: ([a]) => {
    requireFloat("eigh", [a]);
    requireMatrix("eigh", a, true);
    return [aval(a.shape.slice(0, -1), a.dtype), a.strong()];
  },
  // JAX's _eigh_jvp_rule: dw = diag(Vᵀ dA V), dV = V (F ∘ Vᵀ dA V), F_ij = 1/(w_j - w_i)
  // off the diagonal and 0 on it. dA is taken symmetric from the triangle the kernel reads.
  jvp: ([a], [ta], p) => {
    const [w, v] = eighP.bind([a], p);
    const dA = p.lower ? symmetricFromLower(ta as NDArray) : mT(symmetricFromLower(mT(ta as NDArray)));
    const n = a.aval.shape[a.ndim - 1];
    const eye = eyeOf(a.aval.shape, a.dtype);
    const F = o.sub(o.div(1, o.add(eye, o.sub(spread(w, n, true), spread(w, n, false)))), eye);
    const vtdav = mm(mm(mT(v), dA), v);
    return [[w, v], [diagPart(vtdav), mm(v, o.mul(F, vtdav))]];
  },
  batch: leadingBatch(() => eighP),
});

// ------------------------------------------------------------------ svd

/** Singular values descending and, with computeUv, [s, u, vt]. */
const svdP: Primitive<SvdParams> = definePrimitive<SvdParams>("svd", {
  abstractEval: ([a], { fullMatrices, computeUv }) => {
    requireFloat("svd", [a]);
    requireMatrix("svd", a, false);
    const [m, n] = a.shape.slice(-2), lead = batchOf(a), k = Math.min(m, n);
    const s = aval([...lead, k], a.dtype);
    if (!computeUv) return [s];
    return [s, aval([...lead, m, fullMatrices ? m : k], a.dtype), aval([...lead, fullMatrices ? n : k, n], a.dtype)];
  },
  // JAX's _svd_jvp_rule.
  jvp: ([a], [ta], { fullMatrices, computeUv }) => {
    const [m, n] = a.aval.shape.slice(-2);
    if (computeUv && fullMatrices && m !== n) {
      throw new TypeError(msg("svd", "the derivative of u and vh needs fullMatrices false for non-square input (as in JAX)", a.aval.str()));
    }
    const dA = ta as NDArray;
    const [s, U, Vt] = svdP.bind([a], { fullMatrices: false, computeUv: true });
    const V = mT(Vt), Ut = mT(U);
    const dS = mm(mm(Ut, dA), V);
    const ds = diagPart(dS);
    if (!computeUv) return [[s], [ds]];
    const k = Math.min(m, n);
    const sRow = spread(s, k, true), sCol = spread(s, k, false); // s_j and s_i at (i, j)
    const eye = eyeOf([...s.aval.shape, k], a.dtype);
    const sDiffs = o.mul(o.add(sRow, sCol), o.sub(sRow, sCol));
    const F = o.sub(o.div(1, o.add(sDiffs, eye)), eye);
    const dSS = o.mul(sRow, dS), SdS = o.mul(sCol, dS);
    const sZero = o.select(o.eq(s, 0), o.full(s.aval, 1), o.full(s.aval, 0));
    const sInv = o.sub(o.div(1, o.add(s, sZero)), sZero);
    const sInvMat = o.mul(eye, spread(sInv, k, true));
    const dUdVdiag = o.mul(o.mul(o.sub(dS, mT(dS)), sInvMat), 0.5);
    let dU = mm(U, o.add(o.mul(F, o.add(dSS, mT(dSS))), dUdVdiag));
    let dV = mm(V, o.mul(F, o.add(SdS, mT(SdS))));
    if (m > n) {
      const dAV = mm(dA, V);
      dU = o.add(dU, o.div(o.sub(dAV, mm(U, mm(Ut, dAV))), spread(s, m, true)));
    }
    if (n > m) {
      const dAHU = mm(mT(dA), U);
      dV = o.add(dV, o.div(o.sub(dAHU, mm(V, mm(Vt, dAHU))), spread(s, n, true)));
    }
    return [[s, U, Vt], [ds, dU, mT(dV)]];
  },
  batch: leadingBatch(() => svdP),
});

export const linalgPrims = {
  cholesky: choleskyP,
  triangular_solve: triangularSolveP,
  lu: luP,
  qr: qrP,
  eigh: eighP,
  svd: svdP,
};
