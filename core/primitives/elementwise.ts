// Elementwise primitives: unary and binary arithmetic, comparisons, select, casts.
// Shape rule: operands share one dtype and have equal shapes (rank-0 operands broadcast).
import { ShapedArray } from "../aval";
import { checkDType, type DType } from "../dtype";
import { DTypeError, msg } from "../errors";
import { definePrimitive } from "../primitive";
import { isInexact, realDType } from "../dtype";
import { absJvp } from "./complex";
import { type JvpRule, type Primitive, type Tangent, type TransposeRule, UndefinedPrimal, Zero } from "../primitive";
import { elementwiseBatch } from "./batching";
import * as o from "./ops";
import { allWeak, type DTypeClass, elementwiseShape, requireDType } from "./rules";
import type { NDArray } from "../array";

type Deriv = (x: NDArray, y: NDArray) => NDArray;
type Rules = { jvp?: JvpRule<{}>; transpose?: TransposeRule<{}> };

/** jvp of y = f(x): t * f'(x), with f' written in terms of x and y. */
const unaryJvp = (d: Deriv): JvpRule<{}> => ([x], [t], params) => {
  const [y] = self(x).bind([x], params);
  return [[y], [o.mul(t as NDArray, d(x, y))]];
};
/** Primitives with zero derivative everywhere (piecewise constant, or bool/int valued). */
const zeroJvp: JvpRule<{}> = (xs, _t, params) => {
  const ys = self(xs[0]).bind(xs, params);
  return [ys, ys.map((y) => new Zero(y.aval))];
};
// Rules receive their primitive through the registry entry being evaluated; see `bindSelf`.
let current: Primitive<{}> | undefined;
const self = (_x: NDArray): Primitive<{}> => current!;

function unary(name: string, cls: DTypeClass, outDType?: DType | ((d: DType) => DType), rules: Rules = {}) {
  const p: Primitive<{}> = definePrimitive<{}>(name, {
    abstractEval: ([x]) => {
      requireDType(name, cls, [x]);
      if (typeof outDType === "function") return [x.withDType(outDType(x.dtype), x.weakType)];
      return [outDType ? new ShapedArray(x.shape, outDType) : x];
    },
    jvp: bindSelf(() => p, rules.jvp ?? zeroJvp),
    transpose: rules.transpose,
    batch: elementwiseBatch(() => p),
  });
  return p;
}

function binary(name: string, cls: DTypeClass, outDType?: DType, rules: Rules = {}) {
  const p: Primitive<{}> = definePrimitive<{}>(name, {
    abstractEval: (avals) => {
      const shape = elementwiseShape(name, avals);
      requireDType(name, cls, avals);
      return [new ShapedArray(shape, outDType ?? avals[0].dtype, outDType ? false : allWeak(avals))];
    },
    jvp: bindSelf(() => p, rules.jvp ?? zeroJvp),
    transpose: rules.transpose,
    batch: elementwiseBatch(() => p),
  });
  return p;
}

/** Makes `self()` inside a shared rule refer to the primitive the rule belongs to. */
function bindSelf<P>(prim: () => Primitive<{}>, rule: JvpRule<P>): JvpRule<P> {
  return (xs, ts, params) => {
    const prev = current;
    current = prim();
    try { return rule(xs, ts, params); } finally { current = prev; }
  };
}

/** Broadcasts rank-0 tangents of a binary op to the output shape. */
const fit = (t: NDArray, y: NDArray) => o.bcastTo(t, y.aval.shape);
const linear2 = (f: (ta: Tangent, tb: Tangent) => Tangent): JvpRule<{}> => ([a, b], [ta, tb], params) => {
  const [y] = current!.bind([a, b], params);
  const t = f(ta, tb);
  return [[y], [t instanceof Zero ? t : fit(t, y)]];
};
const addT = (ta: Tangent, tb: Tangent): Tangent => o.addTangents(ta, tb);
const scaleJvp = (da: (a: NDArray, b: NDArray, y: NDArray) => NDArray | null, db: (a: NDArray, b: NDArray, y: NDArray) => NDArray | null): JvpRule<{}> =>
  ([a, b], [ta, tb], params) => {
    const [y] = current!.bind([a, b], params);
    let t: Tangent = new Zero(y.aval);
    if (!(ta instanceof Zero)) { const c = da(a, b, y); if (c) t = o.addTangents(t, fit(o.mul(ta, c), y)); }
    if (!(tb instanceof Zero)) { const c = db(a, b, y); if (c) t = o.addTangents(t, fit(o.mul(tb, c), y)); }
    return [[y], [t]];
  };
/** Coefficient of x's tangent in max/min: 1 where x alone attains the result, 0.5 on ties (JAX's balanced rule). */
const balanced = (x: NDArray, other: NDArray, y: NDArray) =>
  o.select(o.eq(x, y), o.select(o.eq(other, y), o.full(y.aval, 0.5), o.full(y.aval, 1)), o.full(y.aval, 0));

const undef = (x: unknown): x is UndefinedPrimal => x instanceof UndefinedPrimal;
const ctFor = (ct: NDArray, arg: NDArray | UndefinedPrimal) => o.unbroadcast(ct, arg instanceof UndefinedPrimal ? arg.aval : arg.aval);

export interface ConvertParams { newDtype: DType; weakType: boolean }
export interface IntegerPowParams { y: number }

const integerPow: Primitive<IntegerPowParams> = definePrimitive<IntegerPowParams>("integer_pow", {
  abstractEval: ([x], { y }) => {
    requireDType("integer_pow", "numeric", [x]);
    if (!Number.isInteger(y)) throw new TypeError(msg("integer_pow", "exponent must be an integer", String(y)));
    return [x];
  },
  // d x^y = y x^(y-1) dx
  jvp: ([x], [t], { y }) => {
    const out = integerPow.bind1([x], { y });
    if (y === 0) return [[out], [new Zero(out.aval)]];
    const d = y === 1 ? o.full(x.aval, 1) : o.mul(y, y === 2 ? x : o.integerPow(x, y - 1));
    return [[out], [o.mul(t as NDArray, d)]];
  },
  batch: elementwiseBatch(() => integerPow),
});

const selectN: Primitive<{}> = definePrimitive<{}>("select_n", {
  abstractEval: ([which, ...cases]) => {
    if (cases.length === 0) throw new TypeError(msg("select_n", "needs at least one case", "none"));
    if (which.dtype !== "bool" && which.dtype !== "int32") {
      throw new DTypeError(msg("select_n", "predicate must be bool or int32", which.str()));
    }
    if (which.dtype === "bool" && cases.length > 2) {
      throw new TypeError(msg("select_n", "a bool predicate selects between at most 2 cases", `${cases.length}`));
    }
    const shape = elementwiseShape("select_n", cases);
    if (which.ndim !== 0 && cases.some((c) => c.ndim !== 0)) elementwiseShape("select_n", [which.withDType(cases[0].dtype), ...cases]);
    const outShape = shape.length ? shape : which.shape;
    return [new ShapedArray(outShape, cases[0].dtype, allWeak(cases))];
  },
  jvp: ([which, ...cases], [, ...ts]) => {
    const [out] = selectN.bind([which, ...cases], {});
    if (!ts.some((t) => !(t instanceof Zero))) return [[out], [new Zero(out.aval)]];
    const full = (t: Tangent, c: NDArray) => o.bcastTo(t instanceof Zero ? o.zeros(c.aval) : t, out.aval.shape);
    return [[out], [selectN.bind1([which, ...ts.map((t, i) => full(t, cases[i]))], {})]];
  },
  transpose: ([ct], [which, ...cases]) => {
    if (undef(which)) throw new TypeError("select_n: the predicate is not linear");
    const z = o.zeros((ct as NDArray).aval);
    return [null, ...cases.map((c, i) => {
      if (!undef(c)) return null;
      const pick = cases.map((_, k) => (k === i ? ct as NDArray : z));
      return ctFor(selectN.bind1([which as NDArray, ...pick], {}), c);
    })];
  },
  batch: elementwiseBatch(() => selectN),
});

const convertElementType: Primitive<ConvertParams> = definePrimitive<ConvertParams>("convert_element_type", {
  abstractEval: ([x], { newDtype, weakType }) => [new ShapedArray(x.shape, checkDType("astype", newDtype), weakType)],
  // Linear between float dtypes; casts to or from int/bool have zero derivative.
  jvp: ([x], [t], params) => {
    const out = convertElementType.bind1([x], params);
    const smooth = isInexact(x.dtype) && isInexact(params.newDtype);
    return [[out], [smooth ? convertElementType.bind1([t as NDArray], { ...params, weakType: false }) : new Zero(out.aval)]];
  },
  transpose: ([ct], [x]) => [o.convert(ct as NDArray, (x as UndefinedPrimal).aval.dtype)],
  batch: elementwiseBatch(() => convertElementType),
});

export const elementwisePrims = {
  integer_pow: integerPow,
  select_n: selectN,
  convert_element_type: convertElementType,
  neg: unary("neg", "numeric", undefined, { jvp: ([x], [t]) => [[o.neg(x)], [o.neg(t as NDArray)]], transpose: ([ct], [x]) => [o.neg(ct as NDArray)] }),
  sign: unary("sign", "real"),
  /** |x|; complex operands give their real dtype (jvp in ./complex.ts). */
  abs: unary("abs", "numeric", realDType, { jvp: absJvp }),
  floor: unary("floor", "float"),
  ceil: unary("ceil", "float"),
  /** Round half to even, as NumPy. */
  round: unary("round", "float"),
  exp: unary("exp", "inexact", undefined, { jvp: unaryJvp((_x, y) => y) }),
  log: unary("log", "inexact", undefined, { jvp: unaryJvp((x) => o.div(1, x)) }),
  expm1: unary("expm1", "inexact", undefined, { jvp: unaryJvp((_x, y) => o.add(y, 1)) }),
  log1p: unary("log1p", "inexact", undefined, { jvp: unaryJvp((x) => o.div(1, o.add(x, 1))) }),
  sqrt: unary("sqrt", "inexact", undefined, { jvp: unaryJvp((_x, y) => o.div(0.5, y)) }),
  cbrt: unary("cbrt", "float", undefined, { jvp: unaryJvp((_x, y) => o.div(1 / 3, o.square(y))) }),
  sin: unary("sin", "inexact", undefined, { jvp: unaryJvp((x) => o.cos(x)) }),
  cos: unary("cos", "inexact", undefined, { jvp: unaryJvp((x) => o.neg(o.sin(x))) }),
  tan: unary("tan", "inexact", undefined, { jvp: unaryJvp((_x, y) => o.add(1, o.square(y))) }),
  asin: unary("asin", "float", undefined, { jvp: unaryJvp((x) => o.div(1, o.sqrt(o.sub(1, o.square(x))))) }),
  acos: unary("acos", "float", undefined, { jvp: unaryJvp((x) => o.div(-1, o.sqrt(o.sub(1, o.square(x))))) }),
  atan: unary("atan", "float", undefined, { jvp: unaryJvp((x) => o.div(1, o.add(1, o.square(x)))) }),
  sinh: unary("sinh", "inexact", undefined, { jvp: unaryJvp((x) => o.cosh(x)) }),
  cosh: unary("cosh", "inexact", undefined, { jvp: unaryJvp((x) => o.sinh(x)) }),
  tanh: unary("tanh", "inexact", undefined, { jvp: unaryJvp((_x, y) => o.sub(1, o.square(y))) }),
  asinh: unary("asinh", "float", undefined, { jvp: unaryJvp((x) => o.div(1, o.sqrt(o.add(o.square(x), 1)))) }),
  acosh: unary("acosh", "float", undefined, { jvp: unaryJvp((x) => o.div(1, o.sqrt(o.mul(o.sub(x, 1), o.add(x, 1))))) }),
  atanh: unary("atanh", "float", undefined, { jvp: unaryJvp((x) => o.div(1, o.sub(1, o.square(x)))) }),
  erf: unary("erf", "float", undefined, { jvp: unaryJvp((x) => o.mul(2 / Math.sqrt(Math.PI), o.exp(o.neg(o.square(x))))) }),
  /** logistic (sigmoid) 1 / (1 + e^-x), as a primitive so its derivative y (1 - y) is exact at 0. */
  logistic: unary("logistic", "float", undefined, { jvp: unaryJvp((_x, y) => o.mul(y, o.sub(1, y))) }),
  is_finite: unary("is_finite", "float", "bool"),
  /** Logical not for bool, bitwise not for ints. */
  not: unary("not", "intOrBool"),


  add: binary("add", "any", undefined, { jvp: linear2(addT), transpose: ([ct], [a, b]) => [undef(a) ? ctFor(ct as NDArray, a) : null, undef(b) ? ctFor(ct as NDArray, b) : null] }),
  sub: binary("sub", "numeric", undefined, { jvp: linear2((ta, tb) => o.addTangents(ta, tb instanceof Zero ? tb : o.neg(tb))), transpose: ([ct], [a, b]) => [undef(a) ? ctFor(ct as NDArray, a) : null, undef(b) ? ctFor(o.neg(ct as NDArray), b) : null] }),
  mul: binary("mul", "any", undefined, { jvp: scaleJvp((_a, b) => b, (a) => a), transpose: ([ct], [a, b]) => [undef(a) ? ctFor(o.mul(ct as NDArray, b as NDArray), a) : null, undef(b) ? ctFor(o.mul(a as NDArray, ct as NDArray), b) : null] }),
  /** Float division; for integers, C division rounding toward zero (x / 0 gives 0). */
  div: binary("div", "numeric", undefined, { jvp: scaleJvp((_a, b) => o.div(1, b), (_a, b, y) => o.neg(o.div(y, b))), transpose: ([ct], [a, b]) => { if (undef(b)) throw new TypeError("div: transpose is linear in the numerator only"); return [ctFor(o.div(ct as NDArray, b), a), null]; } }),
  /** C fmod: the result has the sign of the dividend (x rem 0 gives 0 for integers). */
  rem: binary("rem", "real", undefined, { jvp: scaleJvp((_a, _b, y) => o.full(y.aval, 1), (a, b, y) => o.neg(o.div(o.sub(a, y), b))) }),
  pow: binary("pow", "numeric", undefined, { jvp: scaleJvp((a, b) => o.select(o.eq(b, 0), o.zeros(b.aval.ndim ? b.aval : a.aval), o.mul(b, o.pow(a, o.sub(b, 1)))), (a, _b, y) => o.select(o.eq(a, 0), o.zeros(y.aval), o.mul(o.log(o.select(o.eq(a, 0), o.bcastTo(o.full(a.aval, 1), a.aval.shape), a)), y))) }),
  max: binary("max", "ordered", undefined, { jvp: scaleJvp((a, b, y) => balanced(o.bcastTo(a, y.aval.shape), b, y), (a, b, y) => balanced(o.bcastTo(b, y.aval.shape), a, y)) }),
  min: binary("min", "ordered", undefined, { jvp: scaleJvp((a, b, y) => balanced(o.bcastTo(a, y.aval.shape), b, y), (a, b, y) => balanced(o.bcastTo(b, y.aval.shape), a, y)) }),
  atan2: binary("atan2", "float", undefined, { jvp: scaleJvp((a, b) => o.div(b, o.add(o.square(a), o.square(b))), (a, b) => o.div(o.neg(a), o.add(o.square(a), o.square(b)))) }),
  and: binary("and", "intOrBool"),
  or: binary("or", "intOrBool"),
  xor: binary("xor", "intOrBool"),
  eq: binary("eq", "any", "bool"),
  ne: binary("ne", "any", "bool"),
  lt: binary("lt", "ordered", "bool"),
  le: binary("le", "ordered", "bool"),
  gt: binary("gt", "ordered", "bool"),
  ge: binary("ge", "ordered", "bool"),

  /** select_n(which, case0, case1, ...): case[which] per element; `which` is bool or int32. */



};
