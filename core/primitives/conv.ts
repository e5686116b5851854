// Convolution and windowed reductions, with their jvp, transpose and batching rules:
// conv_general_dilated (bilinear; jax/_src/lax/convolution.py), reduce_window_sum (linear),
// reduce_window_max / reduce_window_min, and the two primitives that differentiate max/min
// pooling: select_and_gather_add (the tangent of the element each window selects) and
// select_and_scatter_add (its transpose; jax/_src/lax/windowed_reductions.py).
import type { NDArray } from "../array";
import { ShapedArray, avalsStr } from "../aval";
import { type DType } from "../dtype";
import { DTypeError, msg, ShapeError } from "../errors";
import { definePrimitive, type Primitive, type Tangent, UndefinedPrimal, Zero } from "../primitive";
import { batchFirst } from "./batching";
import { prims } from "./index";
import * as o from "./ops";
import { allWeak, requireDType } from "./rules";

/** (low, high) padding per spatial/window dim; negative values crop. */
export type Padding = readonly (readonly [number, number])[];
/**
 * Which operand axes play which role, as JAX's ConvDimensionNumbers: `lhsSpec` is
 * [batch, feature, ...spatial] axes of lhs, `rhsSpec` is [out feature, in feature,
 * ...spatial] axes of rhs, `outSpec` is [batch, feature, ...spatial] axes of the output.
 * Spatial entries correspond by position (window strides follow rhsSpec's order).
 */
export interface ConvDimensionNumbers { lhsSpec: readonly number[]; rhsSpec: readonly number[]; outSpec: readonly number[] }
export interface ConvGeneralDilatedParams {
  windowStrides: readonly number[];
  padding: Padding;
  lhsDilation: readonly number[];
  rhsDilation: readonly number[];
  dimensionNumbers: ConvDimensionNumbers;
  featureGroupCount: number;
  batchGroupCount: number;
  preferredElementType: DType | null;
}
/** Window geometry over every operand axis (XLA ReduceWindow). */
export interface ReduceWindowParams {
  windowDimensions: readonly number[];
  windowStrides: readonly number[];
  padding: Padding;
  baseDilation: readonly number[];
  windowDilation: readonly number[];
}
/** `ge` selects the first maximum of each window, `le` the first minimum. */
export interface SelectAndGatherAddParams extends ReduceWindowParams { selectPrim: "ge" | "le" }

// ---- shape arithmetic (shared with the CPU kernels and the frontend) -----------------

const range = (n: number): number[] => [...Array(n).keys()];
export const dilateDim = (d: number, r: number): number => (d === 0 ? 0 : 1 + r * (d - 1));
/** Number of windows of size `w` at stride `s` in `d` elements. */
export const strideDim = (d: number, w: number, s: number): number => (d < w ? 0 : Math.floor((d - w) / s) + 1);

/** JAX's lax.padtype_to_pads: the (low, high) pads of "SAME" / "SAME_LOWER" / "VALID". */
export function padtypeToPads(op: string, inShape: readonly number[], window: readonly number[], strides: readonly number[], padding: string): [number, number][] {
  if (padding === "VALID") return inShape.map(() => [0, 0]);
  if (padding !== "SAME" && padding !== "SAME_LOWER") {
    throw new TypeError(msg(op, 'padding must be "SAME", "SAME_LOWER", "VALID" or a list of [low, high] pairs', JSON.stringify(padding)));
  }
  return inShape.map((d, i) => {
    const out = Math.ceil(d / strides[i]);
    const total = Math.max(0, (out - 1) * strides[i] + window[i] - d);
    const half = Math.floor(total / 2);
    return padding === "SAME" ? [half, total - half] : [total - half, half];
  });
}

function checkInts(op: string, what: string, xs: readonly number[], n: number, min: number): void {
  if (xs.length !== n || !xs.every((v) => Number.isInteger(v) && v >= min)) {
    throw new RangeError(msg(op, `${what} must be ${n} integers >= ${min}`, `[${xs.join(",")}]`));
  }
}
function checkPadding(op: string, padding: Padding, n: number): void {
  if (padding.length !== n || !padding.every((p) => p.length === 2 && Number.isInteger(p[0]) && Number.isInteger(p[1]))) {
    throw new RangeError(msg(op, `padding must be ${n} integer [low, high] pairs`, JSON.stringify(padding)));
  }
}
function checkPerm(op: string, what: string, spec: readonly number[], ndim: number): void {
  if (spec.length !== ndim || [...spec].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new RangeError(msg(op, `dimension numbers ${what} must be a permutation of the ${ndim} axes`, `[${spec.join(",")}]`));
  }
}

/** Output shape of reduce_window-like primitives (also the window geometry checks). */
export function reduceWindowShape(op: string, x: ShapedArray, p: ReduceWindowParams): number[] {
  const n = x.ndim;
  checkInts(op, "windowDimensions", p.windowDimensions, n, 1);
  checkInts(op, "windowStrides", p.windowStrides, n, 1);
  checkInts(op, "baseDilation", p.baseDilation, n, 1);
  checkInts(op, "windowDilation", p.windowDilation, n, 1);
  checkPadding(op, p.padding, n);
  return x.shape.map((d, i) => {
    const padded = dilateDim(d, p.baseDilation[i]) + p.padding[i][0] + p.padding[i][1];
    if (padded < 0) throw new RangeError(msg(op, "negative padding must not exceed the (dilated) operand size", `padding ${JSON.stringify(p.padding)} for ${x.str()}`));
    return strideDim(padded, dilateDim(p.windowDimensions[i], p.windowDilation[i]), p.windowStrides[i]);
  });
}

/** conv_general_dilated's output shape (JAX's _conv_general_dilated_shape_rule). */
function convShape(lhs: ShapedArray, rhs: ShapedArray, p: ConvGeneralDilatedParams): number[] {
  const op = "conv_general_dilated";
  if (lhs.ndim !== rhs.ndim || lhs.ndim < 2) {
    throw new ShapeError(msg(op, "lhs and rhs must have the same rank (>= 2)", avalsStr([lhs, rhs])));
  }
  const ndim = lhs.ndim, n = ndim - 2;
  const { lhsSpec: ls, rhsSpec: rs, outSpec: os } = p.dimensionNumbers;
  checkPerm(op, "lhsSpec", ls, ndim);
  checkPerm(op, "rhsSpec", rs, ndim);
  checkPerm(op, "outSpec", os, ndim);
  checkInts(op, "windowStrides", p.windowStrides, n, 1);
  checkInts(op, "lhsDilation", p.lhsDilation, n, 1);
  checkInts(op, "rhsDilation", p.rhsDilation, n, 1);
  checkPadding(op, p.padding, n);
  const fg = p.featureGroupCount, bg = p.batchGroupCount;
  if (!Number.isInteger(fg) || fg < 1 || !Number.isInteger(bg) || bg < 1) {
    throw new RangeError(msg(op, "featureGroupCount and batchGroupCount must be positive integers", `${fg} and ${bg}`));
  }
  if (fg > 1 && bg > 1) throw new RangeError(msg(op, "at most one of featureGroupCount and batchGroupCount may be > 1", `${fg} and ${bg}`));
  const N = lhs.shape[ls[0]], C = lhs.shape[ls[1]], O = rhs.shape[rs[0]], I = rhs.shape[rs[1]];
  const dims = `${avalsStr([lhs, rhs])} (lhs features ${C}, rhs in/out features ${I}/${O})`;
  if (C % fg !== 0 || C / fg !== I) {
    throw new ShapeError(msg(op, `lhs feature size / featureGroupCount (${fg}) must equal the rhs input feature size`, dims));
  }
  if (O % fg !== 0) throw new ShapeError(msg(op, `rhs output feature size must be a multiple of featureGroupCount (${fg})`, dims));
  if (N % bg !== 0) throw new ShapeError(msg(op, `batchGroupCount (${bg}) must divide the lhs batch size`, dims));
  if (O % bg !== 0) throw new ShapeError(msg(op, `rhs output feature size must be a multiple of batchGroupCount (${bg})`, dims));
  const spatial = range(n).map((i) => {
    const padded = dilateDim(lhs.shape[ls[2 + i]], p.lhsDilation[i]) + p.padding[i][0] + p.padding[i][1];
    if (padded < 0) throw new RangeError(msg(op, "negative padding must not exceed the (dilated) lhs size", `padding ${JSON.stringify(p.padding)} for ${lhs.str()}`));
    return strideDim(padded, dilateDim(rhs.shape[rs[2 + i]], p.rhsDilation[i]), p.windowStrides[i]);
  });
  const canonical = [N / bg, O, ...spatial];
  const out = new Array<number>(ndim);
  canonical.forEach((d, i) => { out[os[i]] = d; });
  return out;
}

// ---- rule helpers ------------------------------------------------------------------

const undef = (x: unknown): x is UndefinedPrimal => x instanceof UndefinedPrimal;
const take = (xs: readonly number[], idx: readonly number[]): number[] => idx.map((i) => xs[i]);
const swap01 = (spec: readonly number[]): number[] => [spec[1], spec[0], ...spec.slice(2)];

/** Merges axis `src` into axis `dst` (numbered after removing src) as its major part (JAX _reshape_axis_into). */
function reshapeAxisInto(src: number, dst: number, x: NDArray): NDArray {
  const perm = range(x.ndim).filter((i) => i !== src);
  perm.splice(dst, 0, src);
  const shape = x.shape.filter((_, i) => i !== src);
  shape[dst] *= x.shape[src];
  return o.reshape(o.transpose(x, perm), shape);
}
/** Splits axis `src` into [size1, rest] (JAX _reshape_axis_out_of). */
function reshapeAxisOutOf(src: number, size1: number, x: NDArray): NDArray {
  const shape = x.shape.slice();
  shape.splice(src, 1, size1, shape[src] / size1);
  return o.reshape(x, shape);
}

/** JAX's _conv_general_vjp_lhs_padding: pads that make the transposed conv land on the input. */
export function convVjpLhsPadding(inShape: readonly number[], window: readonly number[], strides: readonly number[],
                                  outShape: readonly number[], padding: Padding, lhsDil: readonly number[], rhsDil: readonly number[]): [number, number][] {
  return inShape.map((d, i) => {
    const l = dilateDim(d, lhsDil[i]), r = dilateDim(window[i], rhsDil[i]), out = dilateDim(outShape[i], strides[i]);
    const before = r - padding[i][0] - 1;
    return [before, l + r - 1 - out - before];
  });
}
/** JAX's _conv_general_vjp_rhs_padding. */
function convVjpRhsPadding(inShape: readonly number[], window: readonly number[], strides: readonly number[],
                           outShape: readonly number[], padding: Padding, lhsDil: readonly number[], rhsDil: readonly number[]): [number, number][] {
  return inShape.map((d, i) => {
    const l = dilateDim(d, lhsDil[i]), r = dilateDim(window[i], rhsDil[i]), out = dilateDim(outShape[i], strides[i]);
    const lo = padding[i][0];
    return [lo, out - l + (r - lo - 1)];
  });
}

const conv = (lhs: NDArray, rhs: NDArray, p: ConvGeneralDilatedParams): NDArray => convP.bind1([lhs, rhs], p);

// Transposes. Ignoring spatial dims, conv is the contraction [m, j] x [j, k] -> [m, k]
// (m batch, j in feature, k out feature). Its lhs transpose [m, k] x [k, j] -> [m, j] is a
// conv of the cotangent with the spatially reversed kernel (strides become lhs dilation);
// its rhs transpose [j, m] x [m, k] -> [j, k] is a conv of lhs with the cotangent in which
// the batch dim is contracted (rhs dilation and strides swap). Feature groups become batch
// groups there and vice versa (the comment above JAX's _conv_general_dilated_transpose_lhs).

function transposeLhs(g: NDArray, lhsAval: ShapedArray, rhs: NDArray, p: ConvGeneralDilatedParams): NDArray {
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const bg = p.batchGroupCount;
  let fg = p.featureGroupCount, w = rhs;
  if (fg > 1 || bg > 1) {
    // Move the group factor from the kernel's output features to its input features.
    w = reshapeAxisInto(rhsSpec[0], rhsSpec[1], reshapeAxisOutOf(rhsSpec[0], Math.max(fg, bg), w));
    fg = Math.max(fg, bg);
  }
  const padding = convVjpLhsPadding(take(lhsAval.shape, lhsSpec.slice(2)), take(rhs.shape, rhsSpec.slice(2)), p.windowStrides,
    take(g.shape, outSpec.slice(2)), p.padding, p.lhsDilation, p.rhsDilation);
  const revd = o.convert(prims.rev.bind1([w], { dimensions: rhsSpec.slice(2) }), g.dtype);
  let out = conv(g, revd, {
    windowStrides: p.lhsDilation, padding, lhsDilation: p.windowStrides, rhsDilation: p.rhsDilation,
    dimensionNumbers: { lhsSpec: outSpec, rhsSpec: swap01(rhsSpec), outSpec: lhsSpec },
    featureGroupCount: fg, batchGroupCount: 1, preferredElementType: p.preferredElementType,
  });
  out = o.convert(out, lhsAval.dtype);
  // Batch groups were computed as feature groups: move the group factor back to the batch.
  if (bg > 1) out = reshapeAxisInto(lhsSpec[1], lhsSpec[0], reshapeAxisOutOf(lhsSpec[1], bg, out));
  return out;
}

function transposeRhs(g: NDArray, lhs: NDArray, rhsAval: ShapedArray, p: ConvGeneralDilatedParams): Tangent {
  if (g.size === 0) return new Zero(rhsAval);
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const fg = p.batchGroupCount, bg = p.featureGroupCount;   // the roles swap
  const padding = convVjpRhsPadding(take(lhs.shape, lhsSpec.slice(2)), take(rhsAval.shape, rhsSpec.slice(2)), p.windowStrides,
    take(g.shape, outSpec.slice(2)), p.padding, p.lhsDilation, p.rhsDilation);
  const out = conv(o.convert(lhs, g.dtype), g, {
    windowStrides: p.rhsDilation, padding, lhsDilation: p.lhsDilation, rhsDilation: p.windowStrides,
    dimensionNumbers: { lhsSpec: swap01(lhsSpec), rhsSpec: swap01(outSpec), outSpec: swap01(rhsSpec) },
    featureGroupCount: fg, batchGroupCount: bg, preferredElementType: p.preferredElementType,
  });
  return o.convert(out, rhsAval.dtype);
}

/**
 * vmap: fold the vmapped axis into the batch dim (lhs batched), the output feature dim
 * (rhs batched), or both via feature (or batch) groups, as JAX's
 * _conv_general_dilated_batch_rule. The vmapped axis is the major part of the merged dim.
 */
function convBatch(lhs: NDArray, rhs: NDArray, ld: number | null, rd: number | null, p: ConvGeneralDilatedParams, size: number): [NDArray, number] {
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const fg = p.featureGroupCount, bg = p.batchGroupCount;
  if (size === 0) {
    const drop = (x: NDArray, d: number | null) => new ShapedArray(x.shape.filter((_, i) => i !== d), x.dtype);
    const shape = convShape(drop(lhs, ld), drop(rhs, rd), p);
    return [o.zeros(new ShapedArray([0, ...shape], p.preferredElementType ?? lhs.dtype)), 0];
  }
  if (ld !== null && rd !== null) {
    const newLhs = bg > 1 ? reshapeAxisInto(ld, lhsSpec[0], lhs) : reshapeAxisInto(ld, lhsSpec[1], lhs);
    const q = bg > 1 ? { ...p, batchGroupCount: bg * size } : { ...p, featureGroupCount: fg * size };
    const out = conv(newLhs, reshapeAxisInto(rd, rhsSpec[0], rhs), q);
    return [reshapeAxisOutOf(outSpec[1], size, out), outSpec[1]];
  }
  if (ld !== null) {
    let newLhs: NDArray;
    if (bg === 1) newLhs = reshapeAxisInto(ld, lhsSpec[0], lhs);
    else {
      // Keep the batch groups outermost: [bg, size * N/bg].
      newLhs = reshapeAxisOutOf(lhsSpec[0] + (ld <= lhsSpec[0] ? 1 : 0), bg, lhs);
      newLhs = reshapeAxisInto(ld + (lhsSpec[0] < ld ? 1 : 0), lhsSpec[0] + 1, newLhs);
      newLhs = reshapeAxisInto(lhsSpec[0], lhsSpec[0], newLhs);
    }
    return [reshapeAxisOutOf(outSpec[0], size, conv(newLhs, rhs, p)), outSpec[0]];
  }
  if (fg === 1 && bg === 1) {
    const out = conv(lhs, reshapeAxisInto(rd!, rhsSpec[0], rhs), p);
    return [reshapeAxisOutOf(outSpec[1], size, out), outSpec[1]];
  }
  // Groups must stay outermost in the kernel's output features: [G, size * O/G].
  const G = Math.max(fg, bg);
  let newRhs = reshapeAxisOutOf(rhsSpec[0] + (rd! <= rhsSpec[0] ? 1 : 0), G, rhs);
  newRhs = reshapeAxisInto(rd! + (rhsSpec[0] < rd! ? 1 : 0), rhsSpec[0] + 1, newRhs);
  newRhs = reshapeAxisInto(rhsSpec[0], rhsSpec[0], newRhs);
  let out = conv(lhs, newRhs, p);
  out = reshapeAxisOutOf(outSpec[1], G, out);
  out = reshapeAxisOutOf(outSpec[1] + 1, size, out);
  return [reshapeAxisInto(outSpec[1], outSpec[1] + 1, out), outSpec[1]];
}

// ---- conv_general_dilated -----------------------------------------------------------

/**
 * out[n, o, x] = sum_{c, k} lhs[n, c, x * stride + k * rhsDilation - padLow] * rhs[o, c, k]
 * over the lhs dilated by lhsDilation and padded (canonical layout; feature groups split
 * c and o into groups, batch groups split n). Bilinear in (lhs, rhs).
 */
const convP: Primitive<ConvGeneralDilatedParams> = definePrimitive<ConvGeneralDilatedParams>("conv_general_dilated", {
  abstractEval: ([lhs, rhs], p) => {
    requireDType("conv_general_dilated", "numeric", [lhs, rhs]);
    if (lhs.dtype !== rhs.dtype) {
      throw new DTypeError(msg("conv_general_dilated", "lhs and rhs must have the same dtype", avalsStr([lhs, rhs]), "Cast with .astype() first."));
    }
    if (p.preferredElementType === "bool") throw new DTypeError(msg("conv_general_dilated", "preferredElementType must be numeric", "bool"));
    return [new ShapedArray(convShape(lhs, rhs, p), p.preferredElementType ?? lhs.dtype, allWeak([lhs, rhs]))];
  },
  // d conv(a, b) = conv(ta, b) + conv(a, tb), skipping symbolic zeros.
  jvp: ([a, b], [ta, tb], p) => {
    const y = conv(a, b, p);
    let t: Tangent = new Zero(y.aval.strong());
    if (!(ta instanceof Zero)) t = conv(ta, b, p);
    if (!(tb instanceof Zero)) t = o.addTangents(t, conv(a, tb, p));
    return [[y], [t]];
  },
  transpose: ([ct], [a, b], p) => {
    const ua = undef(a), ub = undef(b);
    if (ua && ub) throw new TypeError("conv_general_dilated: transpose needs one operand known (it is bilinear, not linear in both)");
    if (ct instanceof Zero) return [ua ? new Zero(a.aval) : null, ub ? new Zero(b.aval) : null];
    if (ua) return [transposeLhs(ct, a.aval, b as NDArray, p), null];
    return [null, transposeRhs(ct, a as NDArray, (b as UndefinedPrimal).aval, p)];
  },
  batch: ([lhs, rhs], [ld, rd], p, size) => {
    const [out, d] = convBatch(lhs, rhs, ld, rd, p, size);
    return [[out], [d]];
  },
});

// ---- windowed reductions --------------------------------------------------------------

/** Window params with a unit window inserted at axis `d` (for a vmapped axis). */
const withUnitAxis = <P extends ReduceWindowParams>(p: P, d: number): P => {
  const ins = <T>(a: readonly T[], v: T): T[] => [...a.slice(0, d), v, ...a.slice(d)];
  return { ...p, windowDimensions: ins(p.windowDimensions, 1), windowStrides: ins(p.windowStrides, 1),
    padding: ins(p.padding, [0, 0] as const), baseDilation: ins(p.baseDilation, 1), windowDilation: ins(p.windowDilation, 1) };
};

/**
 * reduce_window_sum's transpose (JAX _reduce_window_sum_transpose_rule): dilate the
 * cotangent by the strides, pad it so every input position sees the windows that covered
 * it, and window-sum at stride baseDilation. JAX materialises the dilation and padding with
 * lax.pad; here they are the window sum's own base dilation and padding (zeros for a sum).
 */
function reduceWindowSumT(ct: NDArray, aval: ShapedArray, p: ReduceWindowParams): NDArray {
  const pads = convVjpLhsPadding(aval.shape, p.windowDimensions, p.windowStrides, ct.shape, p.padding, p.baseDilation, p.windowDilation);
  return reduceWindowSumP.bind1([ct], {
    windowDimensions: p.windowDimensions, windowStrides: p.baseDilation, padding: pads,
    baseDilation: p.windowStrides, windowDilation: p.windowDilation,
  });
}

function reduceWindow(name: string, jvp: (x: NDArray, t: NDArray, p: ReduceWindowParams) => NDArray, linearT?: boolean) {
  const prim: Primitive<ReduceWindowParams> = definePrimitive<ReduceWindowParams>(name, {
    abstractEval: ([x], p) => {
      requireDType(name, "numeric", [x]);
      return [x.withShape(reduceWindowShape(name, x, p))];
    },
    jvp: ([x], [t], p) => {
      const y = prim.bind1([x], p);
      return [[y], [t instanceof Zero ? new Zero(y.aval.strong()) : jvp(x, t, p)]];
    },
    transpose: linearT ? ([ct], [x], p) => [ct instanceof Zero ? new Zero(x.aval) : reduceWindowSumT(ct, x.aval, p)] : undefined,
    batch: ([x], [d], p) => [[prim.bind1([x], withUnitAxis(p, d!))], [d]],
  });
  return prim;
}

const reduceWindowSumP: Primitive<ReduceWindowParams> = reduceWindow("reduce_window_sum", (_x, t, p) => reduceWindowSumP.bind1([t], p), true);
// max/min: the tangent of the element each window selects (the first maximum/minimum).
const reduceWindowMaxP = reduceWindow("reduce_window_max", (x, t, p) => selectAndGatherAddP.bind1([t, x], { ...p, selectPrim: "ge" }));
const reduceWindowMinP = reduceWindow("reduce_window_min", (x, t, p) => selectAndGatherAddP.bind1([t, x], { ...p, selectPrim: "le" }));

function checkSelect(op: string, p: SelectAndGatherAddParams): void {
  if (p.selectPrim !== "ge" && p.selectPrim !== "le") throw new TypeError(msg(op, 'selectPrim must be "ge" or "le"', JSON.stringify(p.selectPrim)));
}

/**
 * select_and_gather_add(tangents, operand): per window of `operand`, the element of
 * `tangents` at the position `selectPrim` picks (first max for "ge", first min for "le";
 * windows with no operand element give 0). Linear in `tangents`; its transpose is
 * select_and_scatter_add with the same params.
 */
const selectAndGatherAddP: Primitive<SelectAndGatherAddParams> = definePrimitive<SelectAndGatherAddParams>("select_and_gather_add", {
  abstractEval: ([t, x], p) => {
    checkSelect("select_and_gather_add", p);
    requireDType("select_and_gather_add", "numeric", [t, x]);
    if (t.dtype !== x.dtype || t.ndim !== x.ndim || t.shape.some((d, i) => d !== x.shape[i])) {
      throw new ShapeError(msg("select_and_gather_add", "tangents and operand must have the same shape and dtype", avalsStr([t, x])));
    }
    return [t.withShape(reduceWindowShape("select_and_gather_add", x, p))];
  },
  jvp: ([t, x], [tt], p) => {
    const y = selectAndGatherAddP.bind1([t, x], p);
    return [[y], [tt instanceof Zero ? new Zero(y.aval.strong()) : selectAndGatherAddP.bind1([tt, x], p)]];
  },
  transpose: ([ct], [t, x], p) => {
    if (!undef(t) || undef(x)) throw new TypeError("select_and_gather_add: transpose is linear in tangents only (operand must be known)");
    return [ct instanceof Zero ? new Zero(t.aval) : selectAndScatterAddP.bind1([ct, x as NDArray], p), null];
  },
  batch: ([t, x], [dt, dx], p, size) =>
    [[selectAndGatherAddP.bind1([batchFirst(t, dt, size), batchFirst(x, dx, size)], withUnitAxis(p, 0))], [0]],
});

/**
 * select_and_scatter_add(source, operand): adds each window's `source` value onto the
 * position of `operand` that `selectPrim` picks in that window (the transpose of
 * select_and_gather_add; max-pool's gradient). Linear in `source`.
 */
const selectAndScatterAddP: Primitive<SelectAndGatherAddParams> = definePrimitive<SelectAndGatherAddParams>("select_and_scatter_add", {
  abstractEval: ([s, x], p) => {
    checkSelect("select_and_scatter_add", p);
    requireDType("select_and_scatter_add", "numeric", [s, x]);
    const want = reduceWindowShape("select_and_scatter_add", x, p);
    if (s.dtype !== x.dtype || s.ndim !== x.ndim || s.shape.some((d, i) => d !== want[i])) {
      throw new ShapeError(msg("select_and_scatter_add", `source must have the window output shape [${want.join(",")}] and the operand's dtype`, avalsStr([s, x])));
    }
    return [s.withShape(x.shape)];
  },
  jvp: ([s, x], [ts], p) => {
    const y = selectAndScatterAddP.bind1([s, x], p);
    return [[y], [ts instanceof Zero ? new Zero(y.aval.strong()) : selectAndScatterAddP.bind1([ts, x], p)]];
  },
  transpose: ([ct], [s, x], p) => {
    if (!undef(s) || undef(x)) throw new TypeError("select_and_scatter_add: transpose is linear in source only (operand must be known)");
    return [ct instanceof Zero ? new Zero(s.aval) : selectAndGatherAddP.bind1([ct, x as NDArray], p), null];
  },
  batch: ([s, x], [ds, dx], p, size) =>
    [[selectAndScatterAddP.bind1([batchFirst(s, ds, size), batchFirst(x, dx, size)], withUnitAxis(p, 0))], [0]],
});

export const convPrims = {
  conv_general_dilated: convP,
  reduce_window_sum: reduceWindowSumP,
  reduce_window_max: reduceWindowMaxP,
  reduce_window_min: reduceWindowMinP,
  select_and_gather_add: selectAndGatherAddP,
  select_and_scatter_add: selectAndScatterAddP,
};
