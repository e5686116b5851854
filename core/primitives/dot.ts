// dot_general: contraction over paired dims with batch dims, as lax.dot_general.
// Output dims: batch dims, then lhs free dims, then rhs free dims. Bilinear: its jvp is
// dot(ta, b) + dot(a, tb), and it transposes in either operand (jax/_src/lax/lax.py,
// _dot_general_transpose_lhs/rhs and _dot_general_batch_rule).
import type { NDArray } from "../array";
import { ShapedArray, avalsStr } from "../aval";
import { type DType } from "../dtype";
import { msg, ShapeError, DTypeError } from "../errors";
import { definePrimitive, type Primitive, type Tangent, UndefinedPrimal, Zero } from "../primitive";
import { moveAxis } from "./batching";
import * as o from "./ops";
import { allWeak, checkAxes } from "./rules";

export type DotDimensionNumbers = readonly [
  contracting: readonly [readonly number[], readonly number[]],
  batch: readonly [readonly number[], readonly number[]],
];
export interface DotGeneralParams { dimensionNumbers: DotDimensionNumbers; preferredElementType: DType | null }

const range = (n: number): number[] => [...Array(n).keys()];
/** Axes of an operand of rank `ndim` that are neither contracted nor batch axes, in order. */
const freeAxes = (ndim: number, contract: readonly number[], batch: readonly number[]): number[] =>
  range(ndim).filter((i) => !contract.includes(i) && !batch.includes(i));
const argsort = (xs: readonly number[]): number[] => range(xs.length).sort((i, j) => xs[i] - xs[j]);

/**
 * Cotangent of the lhs `x` of dot_general(x, y) given the output cotangent g (dims: batch,
 * x free, y free). Contracting g's y-free dims with y's free dims leaves dims
 * [x batch, x free, x contracting (in y's contracting order)]; a transpose restores x's
 * axis order. With `swapAns` the output is dot_general(y, x): g's dims are batch, y free,
 * x free (used for the rhs cotangent by swapping roles).
 */
function transposeLhs(g: NDArray, xAval: ShapedArray, y: NDArray, dn: DotDimensionNumbers, swapAns: boolean): NDArray {
  const [[xc, yc], [xb, yb]] = dn;
  const xFree = freeAxes(xAval.ndim, xc, xb), yFree = freeAxes(y.ndim, yc, yb);
  const nb = xb.length;
  const gBatch = range(nb);
  const gY = swapAns ? range(yFree.length).map((i) => nb + i) : range(yFree.length).map((i) => nb + xFree.length + i);
  const gx = g.dtype === y.dtype ? g : o.convert(g, y.dtype);
  const r = dotGeneralP.bind1([gx, y], {
    dimensionNumbers: [[gY, yFree], [gBatch, yb]],
    preferredElementType: xAval.dtype === y.dtype ? null : xAval.dtype,
  });
  // y's remaining dims are its contracting dims in increasing order of y axis.
  const xContractByY = argsort(yc).map((i) => xc[i]);
  return o.transpose(r, argsort([...xb, ...xFree, ...xContractByY]));
}

const dotGeneralP: Primitive<DotGeneralParams> = definePrimitive<DotGeneralParams>("dot_general", {
  abstractEval: ([a, b], { dimensionNumbers: [[lc, rc], [lb, rb]], preferredElementType }) => {
    if (a.dtype !== b.dtype) throw new DTypeError(msg("dot_general", "operands must have the same dtype", avalsStr([a, b])));
    checkAxes("dot_general", [...lc, ...lb], a.ndim);
    checkAxes("dot_general", [...rc, ...rb], b.ndim);
    const pairsOk = lc.length === rc.length && lb.length === rb.length &&
      lc.every((d, i) => a.shape[d] === b.shape[rc[i]]) && lb.every((d, i) => a.shape[d] === b.shape[rb[i]]);
    if (!pairsOk) {
      throw new ShapeError(msg("dot_general", `contracting dims ([${lc}], [${rc}]) and batch dims ([${lb}], [${rb}]) must have equal sizes`, avalsStr([a, b])));
    }
    const free = (s: readonly number[], used: readonly number[]) => s.filter((_, i) => !used.includes(i));
    const shape = [...lb.map((d) => a.shape[d]), ...free(a.shape, [...lc, ...lb]), ...free(b.shape, [...rc, ...rb])];
    return [new ShapedArray(shape, preferredElementType ?? a.dtype, allWeak([a, b]))];
  },
  // d(a·b) = ta·b + a·tb, skipping symbolic zeros.
  jvp: ([a, b], [ta, tb], params) => {
    const y = dotGeneralP.bind1([a, b], params);
    let t: Tangent = new Zero(y.aval.strong());
    if (!(ta instanceof Zero)) t = dotGeneralP.bind1([ta, b], params);
    if (!(tb instanceof Zero)) t = o.addTangents(t, dotGeneralP.bind1([a, tb], params));
    return [[y], [t]];
  },
  transpose: ([ct], [a, b], { dimensionNumbers: dn }) => {
    const ua = a instanceof UndefinedPrimal, ub = b instanceof UndefinedPrimal;
    if (ua && ub) throw new TypeError("dot_general: transpose needs one operand known (it is bilinear, not linear in both)");
    if (ct instanceof Zero) return [ua ? new Zero(a.aval) : null, ub ? new Zero(b.aval) : null];
    if (ua) return [transposeLhs(ct, a.aval, b as NDArray, dn, false), null];
    const [[lc, rc], [lb, rb]] = dn;
    return [null, transposeLhs(ct, (b as UndefinedPrimal).aval, a as NDArray, [[rc, lc], [rb, lb]], true)];
  },
  batch: ([a, b], [da, db], { dimensionNumbers: [[lc, rc], [lb, rb]], preferredElementType }) => {
    const up = (axes: readonly number[]) => axes.map((x) => x + 1);
    if (da !== null && db !== null) {
      // Both batched: the vmapped axis becomes a leading dot batch dim (output axis 0).
      const out = dotGeneralP.bind1([moveAxis(a, da, 0), moveAxis(b, db, 0)], {
        dimensionNumbers: [[up(lc), up(rc)], [[0, ...up(lb)], [0, ...up(rb)]]], preferredElementType,
      });
      return [[out], [0]];
    }
    // One side batched: its vmapped axis is one more free dim of that operand.
    const sh = (axes: readonly number[], d: number) => axes.map((x) => (x < d ? x : x + 1));
    if (da !== null) {
      const lc2 = sh(lc, da), lb2 = sh(lb, da);
      const out = dotGeneralP.bind1([a, b], { dimensionNumbers: [[lc2, rc], [lb2, rb]], preferredElementType });
      return [[out], [lb.length + freeAxes(a.ndim, lc2, lb2).indexOf(da)]];
    }
    const rc2 = sh(rc, db!), rb2 = sh(rb, db!);
    const out = dotGeneralP.bind1([a, b], { dimensionNumbers: [[lc, rc2], [lb, rb2]], preferredElementType });
    return [[out], [lb.length + freeAxes(a.ndim, lc, lb).length + freeAxes(b.ndim, rc2, rb2).indexOf(db!)]];
  },
});

export const dotPrims = { dot_general: dotGeneralP };
