// sort: a stable multi-operand sort along one dimension, keyed on the first `numKeys`
// operands (lexicographically); NaNs sort last, as NumPy. argsort sorts (x, iota).
import { avalsStr } from "../aval";
import { msg, ShapeError } from "../errors";
import { definePrimitive } from "../primitive";
import { shapeEq } from "../shape";
import { checkAxes } from "./rules";

export interface SortParams { dimension: number; numKeys: number }

export const sortPrims = {
  sort: definePrimitive<SortParams>("sort", {
    abstractEval: (xs, { dimension, numKeys }) => {
      if (!xs.every((x) => shapeEq(x.shape, xs[0].shape))) throw new ShapeError(msg("sort", "operands must have equal shapes", avalsStr(xs)));
      checkAxes("sort", [dimension], xs[0].ndim);
      if (numKeys < 1 || numKeys > xs.length) throw new RangeError(msg("sort", `numKeys must be in [1, ${xs.length}]`, String(numKeys)));
      return xs;
    },
  }),
};
