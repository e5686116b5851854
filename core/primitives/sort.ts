// sort: a stable multi-operand sort along one dimension, keyed on the first `numKeys`
// operands (lexicographically); NaNs sort last, as NumPy. argsort sorts (x, iota).
// Rules follow JAX (jax/_src/lax/lax.py `_sort_jvp`, `_sort_batch_rule`).
import { ConcreteArray, type NDArray } from "../array";
import { avalsStr, ShapedArray } from "../aval";
import { getBackend } from "../device";
import { msg, ShapeError } from "../errors";
import { definePrimitive, type Primitive, Zero } from "../primitive";
import { shapeEq } from "../shape";
import { batchFirst } from "./batching";
import { prims } from "./index";
import { broadcastInDim } from "./ops";
import { checkAxes } from "./rules";

export interface SortParams { dimension: number; numKeys: number }

/** int32 indices 0..n-1 along `dim`, broadcast to `shape` (a constant under any trace). */
function iota(shape: readonly number[], dim: number): NDArray {
  const n = shape[dim], aval = new ShapedArray([n], "int32");
  const b = getBackend();
  return broadcastInDim(new ConcreteArray(b, b.upload(Int32Array.from({ length: n }, (_, i) => i), aval), aval), shape, [dim]);
}

const sort: Primitive<SortParams> = definePrimitive<SortParams>("sort", {
  abstractEval: (xs, { dimension, numKeys }) => {
    if (!xs.every((x) => shapeEq(x.shape, xs[0].shape))) throw new ShapeError(msg("sort", "operands must have equal shapes", avalsStr(xs)));
    checkAxes("sort", [dimension], xs[0].ndim);
    if (numKeys < 1 || numKeys > xs.length) throw new RangeError(msg("sort", `numKeys must be in [1, ${xs.length}]`, String(numKeys)));
    return xs;
  },
  // Sort an iota alongside (after the keys, so the order is unchanged) to get the
  // permutation; each output's tangent is its input's tangent gathered by it.
  jvp: (xs, ts, params) => {
    const outs = sort.bind([...xs, iota(xs[0].aval.shape, params.dimension)], params);
    const perm = outs.pop()!;
    return [outs, ts.map((t) => (t instanceof Zero ? t : prims.take_along_axis.bind1([t, perm], { axis: params.dimension })))];
  },
  // Every operand gets the batch axis first (unbatched ones are broadcast: shapes must match).
  batch: (xs, dims, { dimension, numKeys }, size) => {
    const outs = sort.bind(xs.map((x, i) => batchFirst(x, dims[i], size)), { dimension: dimension + 1, numKeys });
    return [outs, outs.map(() => 0)];
  },
});

export const sortPrims = { sort };
