// dot_general: contraction over paired dims with batch dims, as lax.dot_general.
// Output dims: batch dims, then lhs free dims, then rhs free dims.
import { ShapedArray, avalsStr } from "../aval";
import { type DType } from "../dtype";
import { msg, ShapeError, DTypeError } from "../errors";
import { definePrimitive } from "../primitive";
import { allWeak, checkAxes } from "./rules";

export type DotDimensionNumbers = readonly [
  contracting: readonly [readonly number[], readonly number[]],
  batch: readonly [readonly number[], readonly number[]],
];
export interface DotGeneralParams { dimensionNumbers: DotDimensionNumbers; preferredElementType: DType | null }

export const dotPrims = {
  dot_general: definePrimitive<DotGeneralParams>("dot_general", {
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
  }),
};
