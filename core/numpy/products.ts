// Products: matmul (batch-broadcasting), dot, vdot, inner, outer, tensordot, einsum
// (general, with "..."), kron, cross. All contractions lower to dot_general.
import type { NDArray, Operand } from "../array";
import { avalsStr } from "../aval";
import { isComplex } from "../dtype";
import { msg, normalizeAxis, ShapeError } from "../errors";
import { prims } from "../primitives";
import { broadcastShapes } from "../shape";
import { multiply, subtract } from "./elementwise";
import { sum } from "./reductions";
import { diagonal, moveaxis, ravel, sliceAxis, stack, transpose } from "./shapes";
import { broadcastTo, promote, reshape } from "./util";

const dotGeneral = (a: NDArray, b: NDArray, lc: number[], rc: number[], lb: number[] = [], rb: number[] = []) =>
  prims.dot_general.bind1([a, b], { dimensionNumbers: [[lc, rc], [lb, rb]], preferredElementType: null });

/** Matrix product with NumPy's rules for 1-D operands and broadcast batch dims. @example np.matmul(a, b) */
export function matmul(x: Operand, y: Operand): NDArray {
  let [a, b] = promote([x, y]);
  if (a.ndim === 0 || b.ndim === 0) throw new ShapeError(msg("matmul", "operands must have rank >= 1", avalsStr([a.aval, b.aval]), "Use np.multiply for scalars."));
  const k1 = a.shape[a.ndim - 1], k2 = b.shape[Math.max(0, b.ndim - 2)];
  if (k1 !== k2) {
    throw new ShapeError(msg("matmul", `inner dimensions must match (${k1} vs ${k2})`, avalsStr([a.aval, b.aval])));
  }
  const va = a.ndim === 1, vb = b.ndim === 1;
  if (va) a = reshape(a, [1, a.shape[0]]);
  if (vb) b = reshape(b, [b.shape[0], 1]);
  const batch = broadcastShapes("matmul", [a.shape.slice(0, -2), b.shape.slice(0, -2)], () => [avalsStr([a.aval, b.aval])]);
  a = broadcastTo("matmul", a, [...batch, ...a.shape.slice(-2)]);
  b = broadcastTo("matmul", b, [...batch, ...b.shape.slice(-2)]);
  const bd = batch.map((_, i) => i);
  let out = dotGeneral(a, b, [a.ndim - 1], [b.ndim - 2], bd, bd);
  if (va || vb) out = reshape(out, [...batch, ...(va ? [] : [a.shape[a.ndim - 2]]), ...(vb ? [] : [b.shape[b.ndim - 1]])]);
  return out;
}

function checkContract(op: string, a: NDArray, b: NDArray, ia: number[], ib: number[]): void {
  if (ia.some((d, i) => a.shape[d] !== b.shape[ib[i]])) {
    throw new ShapeError(msg(op, `contracted dimensions must match (axes [${ia}] and [${ib}])`, avalsStr([a.aval, b.aval])));
  }
}

/** NumPy's dot: sum over a's last axis and b's second-to-last. @example np.dot(a, b) */
export function dot(x: Operand, y: Operand): NDArray {
  const [a, b] = promote([x, y]);
  if (a.ndim === 0 || b.ndim === 0) return multiply(a, b);
  const ib = b.ndim === 1 ? 0 : b.ndim - 2;
  checkContract("dot", a, b, [a.ndim - 1], [ib]);
  return dotGeneral(a, b, [a.ndim - 1], [ib]);
}
/** Dot product of the flattened inputs. @example np.vdot(a, b) */
export const vdot = (x: Operand, y: Operand): NDArray => {
  const [a, b] = promote([x, y]);
  // NumPy conjugates the first argument.
  return dot(ravel(isComplex(a.dtype) ? prims.conj.bind1([a], {}) : a), ravel(b));
};
/** Sum over the last axes of both. @example np.inner(a, b) */
export function inner(x: Operand, y: Operand): NDArray {
  const [a, b] = promote([x, y]);
  if (a.ndim === 0 || b.ndim === 0) return multiply(a, b);
  checkContract("inner", a, b, [a.ndim - 1], [b.ndim - 1]);
  return dotGeneral(a, b, [a.ndim - 1], [b.ndim - 1]);
}
/** @example np.outer(a, b) */
export function outer(x: Operand, y: Operand): NDArray {
  const [a, b] = promote([x, y]).map(ravel);
  return multiply(reshape(a, [a.shape[0], 1]), reshape(b, [1, b.shape[0]]));
}
/** Contracts the last `axes` dims of a with the first of b, or the listed axes. @example np.tensordot(a, b, [[1], [0]]) */
export function tensordot(x: Operand, y: Operand, axes: number | readonly [number | readonly number[], number | readonly number[]] = 2): NDArray {
  const [a, b] = promote([x, y]);
  let ia: number[], ib: number[];
  if (typeof axes === "number") {
    if (axes > a.ndim || axes > b.ndim || axes < 0) throw new RangeError(msg("tensordot", "axes must not exceed either rank", `${axes} for ${avalsStr([a.aval, b.aval])}`));
    ia = [...Array(axes).keys()].map((i) => a.ndim - axes + i);
    ib = [...Array(axes).keys()];
  } else {
    const list = (v: number | readonly number[]) => (typeof v === "number" ? [v] : [...v]);
    ia = list(axes[0]).map((d) => normalizeAxis("tensordot", d, a.ndim));
    ib = list(axes[1]).map((d) => normalizeAxis("tensordot", d, b.ndim));
    if (ia.length !== ib.length) throw new TypeError(msg("tensordot", "both axes lists must have the same length", `[${ia}] and [${ib}]`));
  }
  checkContract("tensordot", a, b, ia, ib);
  return dotGeneral(a, b, ia, ib);
}

/** Kronecker product. @example np.kron(np.eye(2), x) */
export function kron(x: Operand, y: Operand): NDArray {
  let [a, b] = promote([x, y]);
  const nd = Math.max(a.ndim, b.ndim);
  a = reshape(a, [...Array(nd - a.ndim).fill(1), ...a.shape]);
  b = reshape(b, [...Array(nd - b.ndim).fill(1), ...b.shape]);
  const ea = reshape(a, a.shape.flatMap((d) => [d, 1]));
  const eb = reshape(b, b.shape.flatMap((d) => [1, d]));
  return reshape(multiply(ea, eb), a.shape.map((d, i) => d * b.shape[i]));
}

/** Cross product of 3-vectors (or 2-vectors, giving the z component) along `axis`. @example np.cross(a, b) */
export function cross(x: Operand, y: Operand, axis = -1): NDArray {
  let [a, b] = promote([x, y]);
  a = moveaxis(a, normalizeAxis("cross", axis, a.ndim), -1);
  b = moveaxis(b, normalizeAxis("cross", axis, b.ndim), -1);
  const na = a.shape[a.ndim - 1], nb = b.shape[b.ndim - 1];
  if (![2, 3].includes(na) || ![2, 3].includes(nb)) {
    throw new ShapeError(msg("cross", "vectors must have 2 or 3 components along the axis", avalsStr([a.aval, b.aval])));
  }
  const comp = (v: NDArray, i: number, n: number): NDArray | 0 => (i < n ? reshape(sliceAxis(v, v.ndim - 1, i, i + 1), v.shape.slice(0, -1)) : 0);
  const [a0, a1, a2] = [0, 1, 2].map((i) => comp(a, i, na));
  const [b0, b1, b2] = [0, 1, 2].map((i) => comp(b, i, nb));
  const cz = subtract(multiply(a0, b1), multiply(a1, b0));
  if (na === 2 && nb === 2) return cz;
  const cx = subtract(multiply(a1, b2), multiply(a2, b1));
  const cy = subtract(multiply(a2, b0), multiply(a0, b2));
  return stack(promote([cx, cy, cz]).map((c, _i, all) => broadcastTo("cross", c, broadcastShapes("cross", all.map((v) => v.shape)))), -1);
}

// ------------------------------------------------------------------ einsum

interface Term { x: NDArray; labels: string[] }

/**
 * Einstein summation, with implicit or explicit ("->") output and "..." broadcasting.
 * Repeated labels in one operand take its diagonal; pairs of operands contract with
 * dot_general left to right.
 * @example np.einsum("bij,bjk->bik", a, b); np.einsum("ii", m) // trace
 */
export function einsum(subscripts: string, ...operands: Operand[]): NDArray {
  const spec = subscripts.replace(/\s+/g, "");
  const [lhs, rhsRaw] = spec.includes("->") ? spec.split("->") : [spec, undefined];
  const inTerms = lhs.split(",");
  if (inTerms.length !== operands.length) {
    throw new TypeError(msg("einsum", `"${subscripts}" names ${inTerms.length} operands`, `${operands.length} operands`));
  }
  const xs = promote(operands);
  // Ellipsis dims get private labels, aligned from the right as broadcasting aligns them.
  const nEll = Math.max(0, ...inTerms.map((t, i) => (t.includes("...") ? xs[i].ndim - (t.length - 3) : 0)));
  const ell = [...Array(nEll).keys()].map((k) => String.fromCharCode(0x100 + k));
  const expand = (t: string, ndim: number | null): string[] => {
    if (!/^[a-zA-Z]*(\.\.\.)?[a-zA-Z]*$/.test(t)) throw new TypeError(msg("einsum", "subscripts must be letters with at most one '...' per term", `"${t}"`));
    if (!t.includes("...")) return [...t];
    const [pre, post] = t.split("...");
    const e = ndim === null ? nEll : ndim - pre.length - post.length;
    return [...pre, ...ell.slice(nEll - e), ...post];
  };
  const terms: Term[] = xs.map((x, i) => {
    const labels = expand(inTerms[i], x.ndim);
    if (labels.length !== x.ndim) throw new ShapeError(msg("einsum", `term "${inTerms[i]}" must have one label per axis`, x.aval.str()));
    return { x, labels };
  });
  const counts = new Map<string, number>();
  terms.forEach((t) => t.labels.forEach((l) => counts.set(l, (counts.get(l) ?? 0) + 1)));
  const out = rhsRaw !== undefined ? expand(rhsRaw, null)
    : [...ell, ...[...counts.keys()].filter((l) => !ell.includes(l) && counts.get(l) === 1).sort()];
  for (const l of out) if (!counts.has(l)) throw new TypeError(msg("einsum", `output label '${l}' must appear in an input`, `"${subscripts}"`));
  const size = new Map<string, number>();
  for (const t of terms) {
    t.labels.forEach((l, i) => {
      const d = t.x.shape[i], prev = size.get(l);
      if (prev === undefined || prev === 1) size.set(l, d);
      else if (d !== prev && d !== 1) throw new ShapeError(msg("einsum", `label '${l}' has inconsistent sizes ${prev} and ${d}`, avalsStr(xs.map((x) => x.aval))));
    });
  }

  const takeDiagonals = (t: Term): Term => {
    for (let i = 0; i < t.labels.length; i++) {
      const j = t.labels.indexOf(t.labels[i], i + 1);
      if (j >= 0) {
        const l = t.labels[i];
        const x = diagonal(t.x, 0, i, j);
        return takeDiagonals({ x, labels: [...t.labels.filter((_, k) => k !== i && k !== j), l] });
      }
    }
    return t;
  };
  const sumOut = (t: Term, keep: Set<string>): Term => {
    const axes = t.labels.flatMap((l, i) => (keep.has(l) ? [] : [i]));
    if (!axes.length) return t;
    return { x: sum(t.x, axes), labels: t.labels.filter((l) => keep.has(l)) };
  };
  const fitSizes = (t: Term, labels: Set<string>): Term => {
    const target = t.labels.map((l, i) => (labels.has(l) ? size.get(l)! : t.x.shape[i]));
    return { x: broadcastTo("einsum", t.x, target), labels: t.labels };
  };

  let rest = terms.map(takeDiagonals);
  const needed = (from: number) => new Set([...out, ...rest.slice(from).flatMap((t) => t.labels)]);
  let acc = sumOut(rest[0], new Set([...needed(1)]));
  for (let k = 1; k < rest.length; k++) {
    const later = needed(k + 1);
    let b = rest[k];
    acc = sumOut(acc, new Set([...b.labels, ...later]));
    b = sumOut(b, new Set([...acc.labels, ...later]));
    const shared = acc.labels.filter((l) => b.labels.includes(l));
    acc = fitSizes(acc, new Set(shared));
    b = fitSizes(b, new Set(shared));
    const batch = shared.filter((l) => later.has(l));
    const contract = shared.filter((l) => !later.has(l));
    const x = prims.dot_general.bind1([acc.x, b.x], {
      dimensionNumbers: [[contract.map((l) => acc.labels.indexOf(l)), contract.map((l) => b.labels.indexOf(l))],
        [batch.map((l) => acc.labels.indexOf(l)), batch.map((l) => b.labels.indexOf(l))]],
      preferredElementType: null,
    });
    acc = { x, labels: [...batch, ...acc.labels.filter((l) => !shared.includes(l)), ...b.labels.filter((l) => !shared.includes(l))] };
  }
  rest = [];
  acc = sumOut(acc, new Set(out));
  const perm = out.map((l) => acc.labels.indexOf(l));
  return broadcastTo("einsum", transpose(acc.x, perm), out.map((l) => size.get(l)!));
}
