// Random-bit primitives: the Threefry-2x32 hash (JAX's `threefry2x32_p`) and two
// per-element rejection samplers whose trip counts are data dependent (random_gamma, as
// JAX's `random_gamma_p`, and random_poisson). Keys enter as their two uint32 words.
// All are elementwise with rank-0 operands broadcasting, so vmap over keys is elementwise.
import type { NDArray } from "../array";
import { ShapedArray, avalsStr } from "../aval";
import { DTypeError, msg } from "../errors";
import { definePrimitive, type JvpRule, type Params, type Primitive, Zero } from "../primitive";
import { elementwiseBatch } from "./batching";
import * as o from "./ops";
import { elementwiseShape, requireDType } from "./rules";
import { randomGammaGrad } from "./special";

/** Shape of mixed-dtype elementwise operands (equal shapes, or rank-0 scalars). */
const shapeOf = (op: string, avals: ShapedArray[]) => elementwiseShape(op, avals.map((a) => a.withDType("float32")));

function requireKeyWords(op: string, words: ShapedArray[], all: ShapedArray[]): void {
  if (words.some((w) => w.dtype !== "uint32")) throw new DTypeError(msg(op, "key words must be uint32", avalsStr(all)));
}

/** Integer-valued outputs: zero tangents. */
const zeroJvp = <P extends Params>(p: () => Primitive<P>): JvpRule<P> => (xs, _ts, params) => {
  const ys = p().bind(xs, params);
  return [ys, ys.map((y) => new Zero(y.aval))];
};

/**
 * threefry2x32(k1, k2, x1, x2) -> (y1, y2): the Threefry-2x32 block cipher (20 rounds) of
 * the counter (x1, x2) under the key (k1, k2), elementwise over uint32 arrays.
 */
export const threefry2x32: Primitive<{}> = definePrimitive<{}>("threefry2x32", {
  abstractEval: (avals) => {
    if (avals.length !== 4) throw new TypeError(msg("threefry2x32", "takes 4 operands (k1, k2, x1, x2)", String(avals.length)));
    requireKeyWords("threefry2x32", avals, avals);
    const shape = elementwiseShape("threefry2x32", avals);
    return [new ShapedArray(shape, "uint32"), new ShapedArray(shape, "uint32")];
  },
  jvp: zeroJvp(() => threefry2x32),
  batch: elementwiseBatch(() => threefry2x32),
});

export interface RandomGammaParams { logSpace: boolean }

/**
 * random_gamma(k1, k2, a): one Gamma(a, 1) draw per element (its log when `logSpace`), each
 * from its own key (k1, k2). Differentiable in `a` by implicit reparameterisation:
 * d sample = random_gamma_grad(a, sample) da (divided by the sample in log space).
 */
export const randomGamma: Primitive<RandomGammaParams> = definePrimitive<RandomGammaParams>("random_gamma", {
  abstractEval: ([k1, k2, a], { logSpace }) => {
    requireKeyWords("random_gamma", [k1, k2], [k1, k2, a]);
    requireDType("random_gamma", "float", [a]);
    if (typeof logSpace !== "boolean") throw new TypeError(msg("random_gamma", "logSpace must be a boolean", String(logSpace)));
    return [new ShapedArray(shapeOf("random_gamma", [k1, k2, a]), a.dtype)];
  },
  jvp: ([k1, k2, a], [, , ta], params) => {
    const out = randomGamma.bind1([k1, k2, a], params);
    if (ta instanceof Zero) return [[out], [new Zero(out.aval)]];
    const shape = out.aval.shape;
    const aFull = o.bcastTo(a, shape);
    let g: NDArray;
    if (params.logSpace) {
      // d log x = dx / x, with x = exp(log x) floored at the smallest normal float.
      const tiny = out.dtype === "float32" ? 2 ** -126 : 2 ** -1022;
      const x = o.max(o.exp(out), tiny);
      g = o.div(randomGammaGrad.bind1([aFull, x], {}), x);
    } else {
      g = randomGammaGrad.bind1([aFull, out], {});
    }
    return [[out], [o.mul(o.bcastTo(ta, shape), g)]];
  },
  batch: elementwiseBatch(() => randomGamma),
});

/** random_poisson(k1, k2, lam): one int32 Poisson(lam) draw per element from its own key. */
export const randomPoisson: Primitive<{}> = definePrimitive<{}>("random_poisson", {
  abstractEval: ([k1, k2, lam]) => {
    requireKeyWords("random_poisson", [k1, k2], [k1, k2, lam]);
    requireDType("random_poisson", "float", [lam]);
    return [new ShapedArray(shapeOf("random_poisson", [k1, k2, lam]), "int32")];
  },
  jvp: zeroJvp(() => randomPoisson),
  batch: elementwiseBatch(() => randomPoisson),
});

export const randomPrims = { threefry2x32, random_gamma: randomGamma, random_poisson: randomPoisson };
