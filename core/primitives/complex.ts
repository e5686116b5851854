// Complex-number primitives: real, imag, complex, conj (jax/_src/lax/lax.py: real_p,
// imag_p, complex_p, conj_p), plus the jvp of `abs` for complex operands.
//
// Autodiff conventions are JAX's: tangents of complex values are complex, and transposes
// pair a cotangent `c` with a tangent `t` by Re(c * t) (no conjugation). So multiplication
// by a constant `a` transposes to multiplication by `a` itself, `real` transposes to
// `complex(ct, 0)`, `imag` to `complex(0, -ct)`, `conj` to `conj`, and for a real-valued
// loss L(z), grad(L)(z) = dL/dx - i dL/dy (see the autodiff cookbook, "Complex numbers and
// differentiation": grad(|z|^2) at 3+4j is 6-8j). Step along conj(grad) to descend.
import type { NDArray } from "../array";
import { ShapedArray, avalsStr } from "../aval";
import { complexDType, isComplex, isFloat, realDType } from "../dtype";
import { DTypeError, msg } from "../errors";
import { definePrimitive, type JvpRule, type Primitive, type Tangent, UndefinedPrimal, Zero } from "../primitive";
import { elementwiseBatch } from "./batching";
import { prims } from "./index";
import * as o from "./ops";
import { allWeak, elementwiseShape } from "./rules";

const requireComplex = (op: string, x: ShapedArray): void => {
  if (!isComplex(x.dtype)) throw new DTypeError(msg(op, "requires a complex dtype", x.str(), "np.real/np.imag/np.conj also accept real arrays."));
};
const undefAval = (x: NDArray | UndefinedPrimal): ShapedArray => x.aval;

/** Re(z), with z's real dtype. Linear; its transpose embeds the cotangent as complex(ct, 0). */
const realP: Primitive<{}> = definePrimitive<{}>("real", {
  abstractEval: ([x]) => { requireComplex("real", x); return [x.withDType(realDType(x.dtype), x.weakType)]; },
  jvp: ([x], [t]) => [[realP.bind1([x], {})], [realP.bind1([t as NDArray], {})]],
  transpose: ([ct], [x]) => {
    const aval = undefAval(x);
    return [ct instanceof Zero ? new Zero(aval) : o.convert(ct, aval.dtype)];
  },
  batch: elementwiseBatch(() => realP),
});

/** Im(z), with z's real dtype. Linear; transposes to complex(0, -ct). */
const imagP: Primitive<{}> = definePrimitive<{}>("imag", {
  abstractEval: ([x]) => { requireComplex("imag", x); return [x.withDType(realDType(x.dtype), x.weakType)]; },
  jvp: ([x], [t]) => [[imagP.bind1([x], {})], [imagP.bind1([t as NDArray], {})]],
  transpose: ([ct], [x]) => {
    const aval = undefAval(x);
    if (ct instanceof Zero) return [new Zero(aval)];
    return [complexP.bind1([o.zeros(ct.aval.strong()), o.neg(ct)], {})];
  },
  batch: elementwiseBatch(() => imagP),
});

/** re + i im from two real arrays of one float dtype (equal shapes, or rank-0 scalars). */
const complexP: Primitive<{}> = definePrimitive<{}>("complex", {
  abstractEval: (avals) => {
    const shape = elementwiseShape("complex", avals);
    if (!isFloat(avals[0].dtype) || avals[0].dtype === "float16") {
      throw new DTypeError(msg("complex", "requires float32 or float64 parts", avalsStr(avals)));
    }
    return [new ShapedArray(shape, complexDType(avals[0].dtype), allWeak(avals))];
  },
  jvp: ([re, im], [tr, ti]) => {
    const y = complexP.bind1([re, im], {});
    const fit = (t: Tangent, like: NDArray) => o.bcastTo(o.instantiate(t instanceof Zero ? new Zero(like.aval.strong()) : t), y.aval.shape);
    return [[y], [complexP.bind1([fit(tr, re), fit(ti, im)], {})]];
  },
  // <ct, re + i im> = Re(ct) re - Im(ct) im.
  transpose: ([ct], [re, im]) => {
    const u = (a: NDArray | UndefinedPrimal) => a instanceof UndefinedPrimal;
    if (ct instanceof Zero) return [u(re) ? new Zero(re.aval) : null, u(im) ? new Zero(im.aval) : null];
    return [
      u(re) ? o.unbroadcast(realP.bind1([ct], {}), re.aval) : null,
      u(im) ? o.unbroadcast(o.neg(imagP.bind1([ct], {})), im.aval) : null,
    ];
  },
  batch: elementwiseBatch(() => complexP),
});

/** Complex conjugate. Linear (over the reals); its own transpose. */
const conjP: Primitive<{}> = definePrimitive<{}>("conj", {
  abstractEval: ([x]) => { requireComplex("conj", x); return [x]; },
  jvp: ([x], [t]) => [[conjP.bind1([x], {})], [conjP.bind1([t as NDArray], {})]],
  transpose: ([ct], [x]) => [ct instanceof Zero ? new Zero(undefAval(x)) : conjP.bind1([ct], {})],
  batch: elementwiseBatch(() => conjP),
});

/**
 * jvp of abs: sign(x) t for real x; for complex z, d|z| = Re(t conj(z) / |z|), with |z| = 0
 * replaced by 1 so the derivative at 0 is 0 (JAX's `_abs_jvp_rule`).
 */
export const absJvp: JvpRule<{}> = ([x], [t]) => {
  const y = prims.abs.bind1([x], {});
  const tt = t as NDArray;
  if (!isComplex(x.dtype)) return [[y], [o.mul(tt, o.sign(x))]];
  const safe = o.select(o.eq(y, 0), o.full(y.aval.strong(), 1), y);
  const unit = o.div(conjP.bind1([x], {}), o.convert(safe, x.dtype));
  return [[y], [realP.bind1([o.mul(tt, unit)], {})]];
};

export const complexPrims = {
  real: realP,
  imag: imagP,
  complex: complexP,
  conj: conjP,
};
