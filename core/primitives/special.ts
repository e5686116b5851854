// Special-function primitives (jax.lax.special): erf_inv, nextafter, random_gamma_grad.
// Elementwise over one float dtype, rank-0 operands broadcast (as the elementwise family).
import { ShapedArray } from "../aval";
import { definePrimitive, type JvpRule, type Primitive, Zero } from "../primitive";
import { elementwiseBatch } from "./batching";
import * as o from "./ops";
import { allWeak, elementwiseShape, requireDType } from "./rules";

const SQRT_PI_2 = Math.sqrt(Math.PI) / 2;

/** erfinv(x) on [-1, 1]; d erfinv(x) = sqrt(pi)/2 exp(erfinv(x)^2) dx. */
export const erfInv: Primitive<{}> = definePrimitive<{}>("erf_inv", {
  abstractEval: ([x]) => {
    requireDType("erf_inv", "float", [x]);
    return [x];
  },
  jvp: ([x], [t]) => {
    const y = erfInv.bind1([x], {});
    return [[y], [t instanceof Zero ? t : o.mul(t, o.mul(SQRT_PI_2, o.exp(o.square(y))))]];
  },
  batch: elementwiseBatch(() => erfInv),
});

function binaryFloat(name: string, rules: { jvp?: JvpRule<{}> } = {}): Primitive<{}> {
  const p: Primitive<{}> = definePrimitive<{}>(name, {
    abstractEval: (avals) => {
      const shape = elementwiseShape(name, avals);
      requireDType(name, "float", avals);
      return [new ShapedArray(shape, avals[0].dtype, allWeak(avals))];
    },
    jvp: rules.jvp ?? ((xs) => { const [y] = p.bind(xs, {}); return [[y], [new Zero(y.aval)]]; }),
    batch: elementwiseBatch(() => p),
  });
  return p;
}

/** The next representable float after x in the direction of y; piecewise constant. */
export const nextafter = binaryFloat("nextafter");

/**
 * d x / d a of a Gamma(a, 1) sample x at fixed CDF value (implicit reparameterisation,
 * Figurnov et al. 2018; JAX's `random_gamma_grad`). Its own derivative is not defined.
 */
export const randomGammaGrad = binaryFloat("random_gamma_grad", {
  jvp: (xs, ts) => {
    if (ts.some((t) => !(t instanceof Zero))) {
      throw new TypeError("random_gamma_grad: second derivatives of gamma, beta and dirichlet samples with respect to their " +
        "shape parameters are not supported (as in JAX); differentiate once, or use the samples' values instead.");
    }
    const [y] = randomGammaGrad.bind(xs, {});
    return [[y], [new Zero(y.aval)]];
  },
});

export const specialPrims = { erf_inv: erfInv, nextafter, random_gamma_grad: randomGammaGrad };
