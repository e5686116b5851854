// Elementwise primitives: unary and binary arithmetic, comparisons, select, casts.
// Shape rule: operands share one dtype and have equal shapes (rank-0 operands broadcast).
import { ShapedArray } from "../aval";
import { checkDType, type DType } from "../dtype";
import { DTypeError, msg } from "../errors";
import { definePrimitive } from "../primitive";
import { allWeak, type DTypeClass, elementwiseShape, requireDType } from "./rules";

function unary(name: string, cls: DTypeClass, outDType?: DType) {
  return definePrimitive<{}>(name, {
    abstractEval: ([x]) => {
      requireDType(name, cls, [x]);
      return [outDType ? new ShapedArray(x.shape, outDType) : x];
    },
  });
}

function binary(name: string, cls: DTypeClass, outDType?: DType) {
  return definePrimitive<{}>(name, {
    abstractEval: (avals) => {
      const shape = elementwiseShape(name, avals);
      requireDType(name, cls, avals);
      return [new ShapedArray(shape, outDType ?? avals[0].dtype, outDType ? false : allWeak(avals))];
    },
  });
}

export interface ConvertParams { newDtype: DType; weakType: boolean }
export interface IntegerPowParams { y: number }

export const elementwisePrims = {
  neg: unary("neg", "numeric"),
  sign: unary("sign", "numeric"),
  abs: unary("abs", "numeric"),
  floor: unary("floor", "float"),
  ceil: unary("ceil", "float"),
  /** Round half to even, as NumPy. */
  round: unary("round", "float"),
  exp: unary("exp", "float"),
  log: unary("log", "float"),
  expm1: unary("expm1", "float"),
  log1p: unary("log1p", "float"),
  sqrt: unary("sqrt", "float"),
  cbrt: unary("cbrt", "float"),
  sin: unary("sin", "float"),
  cos: unary("cos", "float"),
  tan: unary("tan", "float"),
  asin: unary("asin", "float"),
  acos: unary("acos", "float"),
  atan: unary("atan", "float"),
  sinh: unary("sinh", "float"),
  cosh: unary("cosh", "float"),
  tanh: unary("tanh", "float"),
  asinh: unary("asinh", "float"),
  acosh: unary("acosh", "float"),
  atanh: unary("atanh", "float"),
  erf: unary("erf", "float"),
  is_finite: unary("is_finite", "float", "bool"),
  /** Logical not for bool, bitwise not for ints. */
  not: unary("not", "intOrBool"),
  integer_pow: definePrimitive<IntegerPowParams>("integer_pow", {
    abstractEval: ([x], { y }) => {
      requireDType("integer_pow", "numeric", [x]);
      if (!Number.isInteger(y)) throw new TypeError(msg("integer_pow", "exponent must be an integer", String(y)));
      return [x];
    },
  }),

  add: binary("add", "any"),
  sub: binary("sub", "numeric"),
  mul: binary("mul", "any"),
  /** Float division; for integers, C division rounding toward zero (x / 0 gives 0). */
  div: binary("div", "numeric"),
  /** C fmod: the result has the sign of the dividend (x rem 0 gives 0 for integers). */
  rem: binary("rem", "numeric"),
  pow: binary("pow", "numeric"),
  max: binary("max", "any"),
  min: binary("min", "any"),
  atan2: binary("atan2", "float"),
  and: binary("and", "intOrBool"),
  or: binary("or", "intOrBool"),
  xor: binary("xor", "intOrBool"),
  eq: binary("eq", "any", "bool"),
  ne: binary("ne", "any", "bool"),
  lt: binary("lt", "any", "bool"),
  le: binary("le", "any", "bool"),
  gt: binary("gt", "any", "bool"),
  ge: binary("ge", "any", "bool"),

  /** select_n(which, case0, case1, ...): case[which] per element; `which` is bool or int32. */
  select_n: definePrimitive<{}>("select_n", {
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
  }),

  convert_element_type: definePrimitive<ConvertParams>("convert_element_type", {
    abstractEval: ([x], { newDtype, weakType }) => [new ShapedArray(x.shape, checkDType("astype", newDtype), weakType)],
  }),
};
