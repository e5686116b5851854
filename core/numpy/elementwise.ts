// np elementwise functions: promotion and broadcasting, then one primitive (or a small
// composite with the same numerics as NumPy/JAX).
import type { NDArray, Operand } from "../array";
import { defaultFloat } from "../config";
import { type DType, isComplex, isFloat, isInexact, isInt } from "../dtype";
import { prims } from "../primitives";
import type { Primitive } from "../primitive";
import { asArray, astype, broadcastAll, promote, scalarArray, toFloat } from "./util";

type P = Primitive<{}>;
const bin = (prim: P, op: string, x: Operand, y: Operand): NDArray => prim.bind1(broadcastAll(op, promote([x, y])), {});
const un = (prim: P, x: Operand): NDArray => prim.bind1([asArray(x)], {});
const unFloat = (prim: P, x: Operand): NDArray => prim.bind1([toFloat(asArray(x))], {});
/** A float-typed scalar matching x (weak, so it never widens x). */
const c = (x: NDArray, v: number) => scalarArray(v, x.dtype, true);

/** @example np.add(x, 1) */ export const add = (x: Operand, y: Operand) => bin(prims.add, "add", x, y);
/** @example np.subtract(x, y) */ export const subtract = (x: Operand, y: Operand) => bin(prims.sub, "subtract", x, y);
/** @example np.multiply(x, 2) */ export const multiply = (x: Operand, y: Operand) => bin(prims.mul, "multiply", x, y);
/** True division: integers are divided as floats. @example np.divide(x, 2) */
export function divide(x: Operand, y: Operand): NDArray {
  const [a, b] = promote([x, y]);
  return bin(prims.div, "divide", toFloat(a), toFloat(b));
}
export const trueDivide = divide;

/** Floor division as NumPy (via JAX's divmod formulation for floats). @example np.floorDivide(7, 2) */
export function floorDivide(x: Operand, y: Operand): NDArray {
  const [a, b] = broadcastAll("floorDivide", promote([x, y]));
  if (a.dtype === "bool") return prims.and.bind1([a, b], {});
  if (isInt(a.dtype)) {
    const q = prims.div.bind1([a, b], {});
    if (a.dtype === "uint32") return q;
    const r = prims.rem.bind1([a, b], {});
    // Truncated quotient minus one where the signs differ and the division is inexact.
    const adjust = logicalAnd(prims.ne.bind1([r, c(r, 0)], {}), notEqual(less(a, 0), less(b, 0)));
    return where(adjust, subtract(q, 1), q);
  }
  return floatDivmod(a, b)[0];
}

function floatDivmod(a: NDArray, b: NDArray): [NDArray, NDArray] {
  let mod = prims.rem.bind1([a, b], {});
  let div = divide(subtract(a, mod), b);
  const ind = logicalAnd(notEqual(mod, 0), notEqual(less(b, 0), less(mod, 0)));
  mod = where(ind, add(mod, b), mod);
  div = where(ind, subtract(div, 1), div);
  // Exact quotients can land just off an integer after (a - mod) / b; round them.
  return [prims.round.bind1([div], {}), mod];
}

/** Remainder with the sign of the divisor, as NumPy's mod. @example np.mod(-7, 3) // 2 */
export function mod(x: Operand, y: Operand): NDArray {
  const [a, b] = broadcastAll("mod", promote([x, y]));
  if (isFloat(a.dtype)) {
    const [, m] = floatDivmod(a, b);
    // NumPy: a zero remainder takes the sign of the divisor.
    return where(equal(m, 0), prims.mul.bind1([c(m, 0), sign(b)], {}), m);
  }
  const r = prims.rem.bind1([a, b], {});
  if (a.dtype === "uint32") return r;
  const adjust = logicalAnd(notEqual(r, 0), notEqual(less(r, 0), less(b, 0)));
  return where(adjust, add(r, b), r);
}
export const remainder = mod;
/** C fmod (sign of the dividend). @example np.fmod(-7, 3) // -1 */
export const fmod = (x: Operand, y: Operand) => bin(prims.rem, "fmod", x, y);

/** x ** y; an integer JS exponent uses integer_pow and keeps x's dtype. @example np.power(x, 2) */
export function power(x: Operand, y: Operand): NDArray {
  if (typeof y === "number" && Number.isInteger(y) && typeof x !== "number" && Math.abs(y) <= 2 ** 31 - 1) {
    const a = asArray(x);
    if (a.dtype !== "bool" && (y >= 0 || isFloat(a.dtype))) return prims.integer_pow.bind1([a], { y });
  }
  return bin(prims.pow, "power", x, y);
}
/** @example np.negative(x) */ export const negative = (x: Operand) => un(prims.neg, x);
/** @example np.positive(x) */ export const positive = (x: Operand) => asArray(x);
/** @example np.abs(x) */
export const abs = (x: Operand): NDArray => { const a = asArray(x); return a.dtype === "bool" ? a : un(prims.abs, a); };
export const absolute = abs;
/** @example np.sign(x) */ export const sign = (x: Operand) => un(prims.sign, x);
/** @example np.exp(x) */ export const exp = (x: Operand) => unFloat(prims.exp, x);
/** @example np.exp2(x) */ export const exp2 = (x: Operand) => { const a = toFloat(asArray(x)); return bin(prims.pow, "exp2", c(a, 2), a); };
/** @example np.expm1(x) */ export const expm1 = (x: Operand) => unFloat(prims.expm1, x);
/** @example np.log(x) */ export const log = (x: Operand) => unFloat(prims.log, x);
/** @example np.log2(x) */ export const log2 = (x: Operand) => { const l = log(x); return prims.div.bind1([l, c(l, Math.LN2)], {}); };
/** @example np.log10(x) */ export const log10 = (x: Operand) => { const l = log(x); return prims.div.bind1([l, c(l, Math.LN10)], {}); };
/** @example np.log1p(x) */ export const log1p = (x: Operand) => unFloat(prims.log1p, x);
/** @example np.sqrt(x) */ export const sqrt = (x: Operand) => unFloat(prims.sqrt, x);
/** @example np.cbrt(x) */ export const cbrt = (x: Operand) => unFloat(prims.cbrt, x);
/** @example np.square(x) */
export const square = (x: Operand): NDArray => { const a = asArray(x); return a.dtype === "bool" ? a : prims.integer_pow.bind1([a], { y: 2 }); };
/** @example np.reciprocal(x) */ export const reciprocal = (x: Operand): NDArray => { const a = asArray(x); return divideSame(c(a, 1), a); };
const divideSame = (a: NDArray, b: NDArray) => prims.div.bind1([a, b], {});
/** @example np.sin(x) */ export const sin = (x: Operand) => unFloat(prims.sin, x);
/** @example np.cos(x) */ export const cos = (x: Operand) => unFloat(prims.cos, x);
/** @example np.tan(x) */ export const tan = (x: Operand) => unFloat(prims.tan, x);
/** @example np.arcsin(x) */ export const arcsin = (x: Operand) => unFloat(prims.asin, x);
/** @example np.arccos(x) */ export const arccos = (x: Operand) => unFloat(prims.acos, x);
/** @example np.arctan(x) */ export const arctan = (x: Operand) => unFloat(prims.atan, x);
/** @example np.arctan2(y, x) */
export const arctan2 = (y: Operand, x: Operand): NDArray => { const [a, b] = promote([y, x]); return bin(prims.atan2, "arctan2", toFloat(a), toFloat(b)); };
/** @example np.sinh(x) */ export const sinh = (x: Operand) => unFloat(prims.sinh, x);
/** @example np.cosh(x) */ export const cosh = (x: Operand) => unFloat(prims.cosh, x);
/** @example np.tanh(x) */ export const tanh = (x: Operand) => unFloat(prims.tanh, x);
/** @example np.arcsinh(x) */ export const arcsinh = (x: Operand) => unFloat(prims.asinh, x);
/** @example np.arccosh(x) */ export const arccosh = (x: Operand) => unFloat(prims.acosh, x);
/** @example np.arctanh(x) */ export const arctanh = (x: Operand) => unFloat(prims.atanh, x);
/** @example np.floor(x) */ export const floor = (x: Operand): NDArray => { const a = asArray(x); return isInexact(a.dtype) ? un(prims.floor, a) : a; };
/** @example np.ceil(x) */ export const ceil = (x: Operand): NDArray => { const a = asArray(x); return isInexact(a.dtype) ? un(prims.ceil, a) : a; };
/** @example np.trunc(x) */
export const trunc = (x: Operand): NDArray => { const a = asArray(x); return isInexact(a.dtype) ? where(less(a, 0), ceil(a), floor(a)) : a; };
/** Rounds half to even, to `decimals` places, as NumPy. @example np.round(x, 2) */
export function round(x: Operand, decimals = 0): NDArray {
  const a = asArray(x);
  if (!isInexact(a.dtype)) return a;  // complex reaches the primitive, which rejects it
  if (decimals === 0) return un(prims.round, a);
  const s = c(a, Math.pow(10, Math.abs(decimals)));
  const [mulOp, divOp] = decimals > 0 ? [prims.mul, prims.div] : [prims.div, prims.mul];
  return divOp.bind1([prims.round.bind1([mulOp.bind1([a, s], {})], {}), s], {});
}
export const around = round;
/** @example np.maximum(x, 0) */ export const maximum = (x: Operand, y: Operand) => bin(prims.max, "maximum", x, y);
/** @example np.minimum(x, 0) */ export const minimum = (x: Operand, y: Operand) => bin(prims.min, "minimum", x, y);
/** NumPy's clip: minimum(maximum(x, lo), hi); either bound may be null. @example np.clip(x, 0, 1) */
export function clip(x: Operand, lo: Operand | null = null, hi: Operand | null = null): NDArray {
  let out = asArray(x);
  if (lo !== null && lo !== undefined) out = maximum(out, lo);
  if (hi !== null && hi !== undefined) out = minimum(out, hi);
  return out;
}
/** Elementwise choice: `x` where `cond` is true, else `y`. @example np.where(x.gt(0), x, 0) */
export function where(cond: Operand, x: Operand, y: Operand): NDArray {
  let p = asArray(cond);
  if (p.dtype !== "bool") p = notEqual(p, 0);
  const [a, b] = promote([x, y]);
  const all = broadcastAll("where", [p, a, b]);
  return prims.select_n.bind1([all[0], all[2], all[1]], {});
}
/**
 * log(exp(x) + exp(y)) without overflow: max + log1p(exp(-|x - y|)), written as a select
 * of two smooth branches (each fed a clamped difference) so that derivatives of every
 * order are right at x == y and finite where the untaken branch would overflow.
 * @example np.logaddexp(x, y)
 */
export function logaddexp(x: Operand, y: Operand): NDArray {
  const [a, b] = broadcastAll("logaddexp", promote([x, y]).map(toFloat));
  const delta = subtract(a, b);
  const pos = greaterEqual(delta, 0);
  const dPos = where(pos, delta, 0), dNeg = where(pos, 0, delta);
  const res = where(pos, add(a, log1p(exp(negative(dPos)))), add(b, log1p(exp(dNeg))));
  return where(isnan(delta), add(a, b), res);
}
/**
 * sqrt(x^2 + y^2) without overflow: m sqrt((x/m)^2 + (y/m)^2) with m = max(|x|, |y|) held
 * constant for differentiation (the expression does not depend on m), so derivatives are
 * smooth where |x| == |y|.
 * @example np.hypot(3, 4) // 5
 */
export function hypot(x: Operand, y: Operand): NDArray {
  const [a0, b0] = broadcastAll("hypot", promote([x, y]).map(toFloat));
  const a = abs(a0), b = abs(b0);
  const m = prims.stop_gradient.bind1([maximum(a, b)], {});
  const safe = where(logicalOr(equal(m, 0), isinf(m)), 1, m);
  const out = multiply(safe, sqrt(add(square(divide(a, safe)), square(divide(b, safe)))));
  return where(logicalOr(isinf(a), isinf(b)), Infinity, out);
}
/** @example np.isnan(x) */
export const isnan = (x: Operand): NDArray => { const a = asArray(x); return isInexact(a.dtype) ? prims.ne.bind1([a, a], {}) : fullBool(a, false); };
/** @example np.isinf(x) */
export const isinf = (x: Operand): NDArray => { const a = asArray(x); if (isComplex(a.dtype)) return logicalOr(isinf(prims.real.bind1([a], {})), isinf(prims.imag.bind1([a], {}))); return isFloat(a.dtype) ? prims.eq.bind1([un(prims.abs, a), c(a, Infinity)], {}) : fullBool(a, false); };
/** @example np.isfinite(x) */
export const isfinite = (x: Operand): NDArray => { const a = asArray(x); if (isComplex(a.dtype)) return logicalAnd(isfinite(prims.real.bind1([a], {})), isfinite(prims.imag.bind1([a], {}))); return isFloat(a.dtype) ? un(prims.is_finite, a) : fullBool(a, true); };
const fullBool = (a: NDArray, v: boolean): NDArray => broadcastAll("full", [scalarArray(Number(v), "bool", false), a], true)[0];

const MAX_FINITE: Partial<Record<DType, number>> = { float32: 3.4028234663852886e38, float64: Number.MAX_VALUE, float16: 65504 };
/** Replaces NaN and infinities by finite numbers. @example np.nanToNum(x, { nan: 0 }) */
export function nanToNum(x: Operand, opts: { nan?: number; posinf?: number; neginf?: number } = {}): NDArray {
  const a = asArray(x);
  if (!isFloat(a.dtype)) return a;
  const big = MAX_FINITE[a.dtype] ?? Number.MAX_VALUE;
  let out = where(isnan(a), opts.nan ?? 0, a);
  out = where(equal(a, Infinity), opts.posinf ?? big, out);
  return where(equal(a, -Infinity), opts.neginf ?? -big, out);
}

/** @example np.equal(x, y) */ export const equal = (x: Operand, y: Operand) => bin(prims.eq, "equal", x, y);
/** @example np.notEqual(x, y) */ export const notEqual = (x: Operand, y: Operand) => bin(prims.ne, "notEqual", x, y);
/** @example np.less(x, y) */ export const less = (x: Operand, y: Operand) => bin(prims.lt, "less", x, y);
/** @example np.lessEqual(x, y) */ export const lessEqual = (x: Operand, y: Operand) => bin(prims.le, "lessEqual", x, y);
/** @example np.greater(x, y) */ export const greater = (x: Operand, y: Operand) => bin(prims.gt, "greater", x, y);
/** @example np.greaterEqual(x, y) */ export const greaterEqual = (x: Operand, y: Operand) => bin(prims.ge, "greaterEqual", x, y);
const toBool = (x: Operand): NDArray => { const a = asArray(x); return a.dtype === "bool" ? a : prims.ne.bind1([a, scalarArray(0, a.dtype, true)], {}); };
/** @example np.logicalAnd(a, b) */ export const logicalAnd = (x: Operand, y: Operand) => bin(prims.and, "logicalAnd", toBool(x), toBool(y));
/** @example np.logicalOr(a, b) */ export const logicalOr = (x: Operand, y: Operand) => bin(prims.or, "logicalOr", toBool(x), toBool(y));
/** @example np.logicalXor(a, b) */ export const logicalXor = (x: Operand, y: Operand) => bin(prims.xor, "logicalXor", toBool(x), toBool(y));
/** @example np.logicalNot(a) */ export const logicalNot = (x: Operand) => un(prims.not, toBool(x));

/** Casts to a dtype. @example np.astype(x, "int32") */
export const astypeFn = (x: Operand, dtype: DType): NDArray => {
  const a = asArray(x);
  if (isComplex(a.dtype) && !isComplex(dtype)) complexWarning();
  return astype(a, dtype);
};
let warnedComplex = false;
/** NumPy's (and JAX's) ComplexWarning, once per process. */
function complexWarning(): void {
  if (warnedComplex) return;
  warnedComplex = true;
  const text = "Casting complex values to real discards the imaginary part";
  const proc = (globalThis as { process?: { emitWarning?: (m: string, t: string) => void } }).process;
  if (proc?.emitWarning) proc.emitWarning(text, "ComplexWarning");
  else console.warn(`ComplexWarning: ${text}`);
}
/** The default float dtype (float32, or float64 with enableX64). */
export const floatDType = defaultFloat;

/** Converts operands to their common dtype under JAX's promotion rules (JS numbers are
 * weakly typed), as `jax.numpy` does internally; for library code.
 * @example const [x, loc] = np.promoteDtypes(xF64, 0.5) // both float64 */
export const promoteDtypes = (...xs: Operand[]): NDArray[] => promote(xs);
