// np shape manipulation: reshape, transpose, concatenation, splitting, tiling, padding,
// triangles and diagonals.
import { isArray, type Axis, type NDArray, type Operand } from "../array";
import { msg, normalizeAxis, ShapeError } from "../errors";
import { prims } from "../primitives";
import { prod, shapeStr } from "../shape";
import { array, eye, tri } from "./creation";
import { sum } from "./reductions";
import { where } from "./elementwise";
import { asArray, broadcastAll, broadcastTo as bcast, normalizeAxes, promote, reshape as rs, scalarArray } from "./util";

/** Reshape; one dimension may be -1. @example np.reshape(x, [2, -1]) */
export function reshape(x: Operand, shape: number | readonly number[]): NDArray {
  const a = asArray(x);
  const s = typeof shape === "number" ? [shape] : [...shape];
  const neg = s.filter((d) => d === -1).length;
  if (neg > 1 || s.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new TypeError(msg("reshape", "shape must be non-negative integers with at most one -1", shapeStr(s)));
  }
  if (neg === 1) {
    const known = prod(s.filter((d) => d !== -1));
    if (known === 0 || a.size % known !== 0) {
      throw new ShapeError(msg("reshape", `cannot infer -1: size ${a.size} is not a multiple of ${known}`, `${a.aval.str()} to ${shapeStr(s)}`));
    }
    s[s.indexOf(-1)] = a.size / known;
  }
  if (prod(s) !== a.size) throw new ShapeError(msg("reshape", `total size must be unchanged (${a.size})`, `${a.aval.str()} to ${shapeStr(s)}`));
  return rs(a, s);
}
/** @example np.ravel(x) */ export const ravel = (x: Operand): NDArray => { const a = asArray(x); return rs(a, [a.size]); };

/** Permutes axes (reverses them by default). @example np.transpose(x, [1, 0, 2]) */
export function transpose(x: Operand, axes?: readonly number[] | null): NDArray {
  const a = asArray(x);
  const perm = axes ? axes.map((ax) => normalizeAxis("transpose", ax, a.ndim)) : [...Array(a.ndim).keys()].reverse();
  if (perm.every((p, i) => p === i) && perm.length === a.ndim) return a;
  return prims.transpose.bind1([a], { permutation: perm });
}
/** @example np.swapaxes(x, 0, -1) */
export function swapaxes(x: Operand, a1: number, a2: number): NDArray {
  const a = asArray(x);
  const perm = [...Array(a.ndim).keys()];
  const i = normalizeAxis("swapaxes", a1, a.ndim), j = normalizeAxis("swapaxes", a2, a.ndim);
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return transpose(a, perm);
}
/** @example np.moveaxis(x, 0, -1) */
export function moveaxis(x: Operand, source: number | readonly number[], destination: number | readonly number[]): NDArray {
  const a = asArray(x);
  const src = (typeof source === "number" ? [source] : [...source]).map((s) => normalizeAxis("moveaxis", s, a.ndim));
  const dst = (typeof destination === "number" ? [destination] : [...destination]).map((s) => normalizeAxis("moveaxis", s, a.ndim));
  if (src.length !== dst.length) throw new TypeError(msg("moveaxis", "source and destination must have the same number of axes", `${src.length} and ${dst.length}`));
  const rest = [...Array(a.ndim).keys()].filter((i) => !src.includes(i));
  const perm = new Array<number>(a.ndim).fill(-1);
  dst.forEach((d, k) => { perm[d] = src[k]; });
  for (let i = 0, r = 0; i < a.ndim; i++) if (perm[i] === -1) perm[i] = rest[r++];
  return transpose(a, perm);
}
/** Inserts length-1 axes at the given positions of the result. @example np.expandDims(x, 0) */
export function expandDims(x: Operand, axis: number | readonly number[]): NDArray {
  const a = asArray(x);
  const list = typeof axis === "number" ? [axis] : axis;
  const nd = a.ndim + list.length;
  const axes = normalizeAxes("expandDims", list, nd);
  const shape: number[] = [];
  for (let i = 0, k = 0; i < nd; i++) shape.push(axes.includes(i) ? 1 : a.shape[k++]);
  return rs(a, shape);
}
/** Removes length-1 axes (all of them, or those named). @example np.squeeze(x, 0) */
export function squeeze(x: Operand, axis?: Axis): NDArray {
  const a = asArray(x);
  const axes = axis === null || axis === undefined ? a.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes("squeeze", axis, a.ndim);
  for (const ax of axes) {
    if (a.shape[ax] !== 1) throw new ShapeError(msg("squeeze", `axis ${ax} must have size 1`, a.aval.str()));
  }
  return rs(a, a.shape.filter((_, i) => !axes.includes(i)));
}
/** @example np.broadcastTo(x, [4, 3]) */
export const broadcastTo = (x: Operand, shape: readonly number[]): NDArray => bcast("broadcastTo", asArray(x), shape);
/** @example const [a, b] = np.broadcastArrays(x, y) */
export const broadcastArrays = (...xs: Operand[]): NDArray[] => broadcastAll("broadcastArrays", xs.map(asArray), true);

/** Joins arrays along an axis (null flattens first). @example np.concatenate([a, b], 0) */
export function concatenate(xs: readonly Operand[], axis: number | null = 0): NDArray {
  if (xs.length === 0) throw new TypeError(msg("concatenate", "needs at least one array", "none"));
  let arrs = promote(xs);
  if (axis === null) { arrs = arrs.map(ravel); axis = 0; }
  if (arrs.some((a) => a.ndim === 0)) throw new ShapeError(msg("concatenate", "zero-dimensional arrays cannot be concatenated", arrs.map((a) => a.aval.str()).join(", ")));
  const ax = normalizeAxis("concatenate", axis, arrs[0].ndim);
  if (arrs.length === 1) return arrs[0];
  return prims.concatenate.bind1(arrs, { dimension: ax });
}
/** Joins arrays along a new axis. @example np.stack([a, b], 1) */
export function stack(xs: readonly Operand[], axis = 0): NDArray {
  const arrs = promote(xs);
  if (arrs.length === 0) throw new TypeError(msg("stack", "needs at least one array", "none"));
  const s0 = arrs[0].shape;
  if (arrs.some((a) => a.ndim !== s0.length || a.shape.some((d, i) => d !== s0[i]))) {
    throw new ShapeError(msg("stack", "all arrays must have the same shape", arrs.map((a) => a.aval.str()).join(", ")));
  }
  const ax = normalizeAxis("stack", axis, s0.length + 1);
  return concatenate(arrs.map((a) => expandDims(a, ax)), ax);
}
export const atleast1d = (x: Operand): NDArray => { const a = asArray(x); return a.ndim >= 1 ? a : rs(a, [1]); };
export const atleast2d = (x: Operand): NDArray => { const a = asArray(x); return a.ndim >= 2 ? a : rs(a, a.ndim === 1 ? [1, a.shape[0]] : [1, 1]); };
/** @example np.hstack([a, b]) */
export const hstack = (xs: readonly Operand[]): NDArray => { const a = xs.map(atleast1d); return concatenate(a, a[0].ndim === 1 ? 0 : 1); };
/** @example np.vstack([a, b]) */
export const vstack = (xs: readonly Operand[]): NDArray => concatenate(xs.map(atleast2d), 0);

/** Splits into equal sections, or at the given indices. @example np.split(x, 3); np.split(x, [1, 4], 1) */
export function split(x: Operand, indicesOrSections: number | readonly number[], axis = 0): NDArray[] {
  const a = asArray(x);
  const ax = normalizeAxis("split", axis, a.ndim);
  const n = a.shape[ax];
  let cuts: number[];
  if (typeof indicesOrSections === "number") {
    if (!Number.isInteger(indicesOrSections) || indicesOrSections <= 0 || n % indicesOrSections !== 0) {
      throw new ShapeError(msg("split", `sections must divide axis ${ax} (size ${n}) equally`, String(indicesOrSections), "Pass a list of split indices for unequal parts."));
    }
    const k = n / indicesOrSections;
    cuts = [...Array(indicesOrSections - 1).keys()].map((i) => (i + 1) * k);
  } else cuts = indicesOrSections.map((c) => Math.min(Math.max(c < 0 ? c + n : c, 0), n));
  const bounds = [0, ...cuts, n];
  const out: NDArray[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const lo = bounds[i], hi = Math.max(bounds[i], bounds[i + 1]);
    out.push(sliceAxis(a, ax, lo, hi));
  }
  return out;
}

/** x[..., lo:hi:step, ...] on one axis (positive step). */
export function sliceAxis(a: NDArray, ax: number, lo: number, hi: number, step = 1): NDArray {
  if (lo === 0 && hi === a.shape[ax] && step === 1) return a;
  const start = a.shape.map(() => 0), limit = a.shape.slice(), strides = a.shape.map(() => 1);
  start[ax] = lo; limit[ax] = hi; strides[ax] = step;
  return prims.slice.bind1([a], { startIndices: start, limitIndices: limit, strides: step === 1 ? null : strides });
}

/** @example np.tile(x, [2, 1]) */
export function tile(x: Operand, reps: number | readonly number[]): NDArray {
  let a = asArray(x);
  const r = typeof reps === "number" ? [reps] : [...reps];
  const nd = Math.max(a.ndim, r.length);
  const rr = [...Array(nd - r.length).fill(1), ...r];
  a = rs(a, [...Array(nd - a.ndim).fill(1), ...a.shape]);
  // Broadcast to [r0, d0, r1, d1, ...] then merge pairs.
  const inter = a.shape.flatMap((d) => [1, d]);
  const target = a.shape.flatMap((d, i) => [rr[i], d]);
  return rs(bcast("tile", rs(a, inter), target), a.shape.map((d, i) => d * rr[i]));
}

/** Repeats elements (a count, or one count per element along `axis`). @example np.repeat(x, 2, 0) */
export function repeat(x: Operand, repeats: number | readonly number[] | NDArray, axis?: number | null): NDArray {
  let a = asArray(x);
  if (axis === null || axis === undefined) { a = ravel(a); axis = 0; }
  const ax = normalizeAxis("repeat", axis, a.ndim);
  const n = a.shape[ax];
  const reps = isArray(repeats) ? Array.from(repeats.dataSync()) : typeof repeats === "number" ? null : [...repeats];
  if (reps === null || (reps.length === 1 && n !== 1)) {
    const r = reps ? reps[0] : (repeats as number);
    if (!Number.isInteger(r) || r < 0) throw new RangeError(msg("repeat", "repeats must be non-negative integers", String(r)));
    const withNew = rs(a, [...a.shape.slice(0, ax + 1), 1, ...a.shape.slice(ax + 1)]);
    const b = bcast("repeat", withNew, [...a.shape.slice(0, ax + 1), r, ...a.shape.slice(ax + 1)]);
    return rs(b, a.shape.map((d, i) => (i === ax ? d * r : d)));
  }
  if (reps.length !== n) throw new ShapeError(msg("repeat", `needs one count per element along axis ${ax} (${n})`, `${reps.length} counts`));
  const parts = reps.flatMap((r, i) => (r > 0 ? [tile(sliceAxis(a, ax, i, i + 1), a.shape.map((_, k) => (k === ax ? r : 1)))] : []));
  return parts.length ? concatenate(parts, ax) : sliceAxis(a, ax, 0, 0);
}

/** Reverses the order of elements along axes (all by default). @example np.flip(x, 0) */
export function flip(x: Operand, axis?: Axis): NDArray {
  const a = asArray(x);
  const axes = normalizeAxes("flip", axis, a.ndim);
  return axes.length ? prims.rev.bind1([a], { dimensions: axes }) : a;
}

/** Rolls elements along axes (flattened when axis is null). @example np.roll(x, 1, 0) */
export function roll(x: Operand, shift: number | readonly number[], axis?: number | readonly number[] | null): NDArray {
  const a = asArray(x);
  if (axis === null || axis === undefined) return reshape(roll(ravel(a), shift, 0), a.shape);
  const axes = typeof axis === "number" ? [axis] : axis;
  const shifts = typeof shift === "number" ? axes.map(() => shift) : shift;
  if (shifts.length !== axes.length) throw new TypeError(msg("roll", "shift and axis must have the same length", `${shifts.length} and ${axes.length}`));
  let out = a;
  axes.forEach((ax0, k) => {
    const ax = normalizeAxis("roll", ax0, a.ndim);
    const n = a.shape[ax];
    if (n === 0) return;
    const s = ((shifts[k] % n) + n) % n;
    if (s !== 0) out = concatenate([sliceAxis(out, ax, n - s, n), sliceAxis(out, ax, 0, n - s)], ax);
  });
  return out;
}

export type PadWidth = number | readonly [number, number] | readonly (readonly [number, number] | readonly [number])[];
export type PadMode = "constant" | "edge" | "reflect" | "symmetric" | "wrap";

/** Pads with a constant, or by edge / reflect / symmetric / wrap. @example np.pad(x, [[1, 1], [0, 2]]) */
export function pad(x: Operand, padWidth: PadWidth, opts: { mode?: PadMode; constantValues?: number } = {}): NDArray {
  const a = asArray(x);
  const widths = normalizePadWidth(padWidth, a.ndim);
  const mode = opts.mode ?? "constant";
  if (mode === "constant") {
    const v = promote([a, opts.constantValues ?? 0])[1];
    return prims.pad.bind1([a, prims.convert_element_type.bind1([v], { newDtype: a.dtype, weakType: false })], { config: widths.map(([lo, hi]) => [lo, hi, 0] as const) });
  }
  let out = a;
  widths.forEach(([lo, hi], ax) => {
    if (lo === 0 && hi === 0) return;
    const n = out.shape[ax];
    if (n === 0) throw new ShapeError(msg("pad", `mode "${mode}" cannot pad an empty axis`, a.aval.str()));
    const idx = (i: number): number => {
      // Index into the original axis for padded position i (i < 0 before, i >= n after).
      switch (mode) {
        case "edge": return Math.min(Math.max(i, 0), n - 1);
        case "wrap": return ((i % n) + n) % n;
        case "reflect": { if (n === 1) return 0; const p = 2 * (n - 1); const m = ((i % p) + p) % p; return m < n ? m : p - m; }
        case "symmetric": { const p = 2 * n; const m = ((i % p) + p) % p; return m < n ? m : p - 1 - m; }
      }
      throw new TypeError(msg("pad", 'mode must be "constant", "edge", "reflect", "symmetric" or "wrap"', String(mode)));
    };
    const pieces: NDArray[] = [];
    for (let i = -lo; i < 0; i++) pieces.push(sliceAxis(out, ax, idx(i), idx(i) + 1));
    pieces.push(out);
    for (let i = n; i < n + hi; i++) pieces.push(sliceAxis(out, ax, idx(i), idx(i) + 1));
    out = concatenate(pieces, ax);
  });
  return out;
}

function normalizePadWidth(w: PadWidth, ndim: number): [number, number][] {
  const bad = () => new TypeError(msg("pad", "padWidth must be n, [before, after], or one [before, after] per axis", JSON.stringify(w)));
  let out: [number, number][];
  if (typeof w === "number") out = Array.from({ length: ndim }, () => [w, w]);
  else if (w.length === 2 && typeof w[0] === "number" && typeof w[1] === "number") out = Array.from({ length: ndim }, () => [w[0] as unknown as number, w[1] as unknown as number]);
  else if (w.length === 1 && typeof w[0] === "number") out = Array.from({ length: ndim }, () => [w[0] as unknown as number, w[0] as unknown as number]);
  else {
    const rows = w as readonly (readonly number[])[];
    if (rows.length === 1 && Array.isArray(rows[0])) out = Array.from({ length: ndim }, () => [rows[0][0], rows[0][1] ?? rows[0][0]]);
    else if (rows.length === ndim && rows.every((r) => Array.isArray(r))) out = rows.map((r) => [r[0], r[1] ?? r[0]]);
    else throw bad();
  }
  if (out.some(([lo, hi]) => !Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < 0)) throw bad();
  return out;
}

function triMask(op: string, x: Operand, k: number, lower: boolean): NDArray {
  const a = asArray(x);
  if (a.ndim < 2) throw new ShapeError(msg(op, "input must have at least 2 dimensions", a.aval.str()));
  const [n, m] = a.shape.slice(-2);
  const mask = tri(n, m, lower ? k : k - 1, { dtype: "bool" });
  const zero = scalarArray(0, a.dtype, false);
  return lower ? where(mask, a, zero) : where(mask, zero, a);
}
/** Lower triangle (zeros above the k-th diagonal). @example np.tril(x, -1) */
export const tril = (x: Operand, k = 0): NDArray => triMask("tril", x, k, true);
/** Upper triangle. @example np.triu(x) */
export const triu = (x: Operand, k = 0): NDArray => triMask("triu", x, k, false);

/** The `offset` diagonal of the (axis1, axis2) planes, as the last axis. @example np.diagonal(x) */
export function diagonal(x: Operand, offset = 0, axis1 = 0, axis2 = 1): NDArray {
  const a = asArray(x);
  if (a.ndim < 2) throw new ShapeError(msg("diagonal", "input must have at least 2 dimensions", a.aval.str()));
  const a1 = normalizeAxis("diagonal", axis1, a.ndim), a2 = normalizeAxis("diagonal", axis2, a.ndim);
  if (a1 === a2) throw new RangeError(msg("diagonal", "axis1 and axis2 must differ", `${axis1} and ${axis2}`));
  const moved = moveaxis(a, [a1, a2], [a.ndim - 2, a.ndim - 1]);
  const lead = moved.shape.slice(0, -2);
  const [n, m] = moved.shape.slice(-2);
  // Element (i, i + offset) sits at flat position i (m + 1) + offset of the n*m plane.
  const count = Math.max(0, offset >= 0 ? Math.min(n, m - offset) : Math.min(n + offset, m));
  const start = offset >= 0 ? offset : -offset * m;
  const flat = rs(moved, [...lead, n * m]);
  if (count === 0) return sliceAxis(flat, lead.length, 0, 0);
  return sliceAxis(flat, lead.length, start, start + (count - 1) * (m + 1) + 1, m + 1);
}
/** Sum along a diagonal. @example np.trace(x) */
export const trace = (x: Operand, offset = 0, axis1 = 0, axis2 = 1): NDArray => sum(diagonal(x, offset, axis1, axis2), -1);

/** 1-D input: a 2-D array with it on the k-th diagonal; 2-D input: its k-th diagonal. @example np.diag([1, 2]) */
export function diag(v: Operand | readonly number[], k = 0): NDArray {
  const a = Array.isArray(v) ? array(v as number[]) : asArray(v as Operand);
  if (a.ndim === 2) return diagonal(a, k);
  if (a.ndim !== 1) throw new ShapeError(msg("diag", "input must be 1-D or 2-D", a.aval.str()));
  const n = a.shape[0] + Math.abs(k);
  const eyeK = eye(n, n, k, { dtype: "bool" });
  const vp = pad(a, [[0, Math.abs(k)]]);
  const vb = k >= 0 ? rs(vp, [n, 1]) : rs(vp, [1, n]);
  return where(eyeK, bcast("diag", vb, [n, n]), scalarArray(0, a.dtype, false));
}

/** @example const [X, Y] = np.meshgrid(x, y) */
export function meshgrid(...args: (Operand | { indexing?: "xy" | "ij" })[]): NDArray[] {
  const last = args[args.length - 1];
  const opts = last && typeof last === "object" && !isArray(last) ? (args.pop() as { indexing?: "xy" | "ij" }) : {};
  const xs = (args as Operand[]).map((x) => ravel(x));
  const shape = xs.map((x) => x.shape[0]);
  const xy = (opts.indexing ?? "xy") === "xy" && xs.length >= 2;
  if (xy) [shape[0], shape[1]] = [shape[1], shape[0]];
  return xs.map((x, i) => {
    const pos = xy && i < 2 ? 1 - i : i;
    return bcast("meshgrid", rs(x, shape.map((d, k) => (k === pos ? d : 1))), shape);
  });
}
