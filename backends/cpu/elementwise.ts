// CPU kernels for elementwise primitives. Values are computed in float64 and stored into
// the output TypedArray, whose assignment rounds float32 and wraps int32/uint32 like C.
import type { DType } from "../../core/dtype";
import type { ConvertParams, IntegerPowParams } from "../../core/primitives";
import { cPow, erf, intPow, roundHalfEven } from "./math";
import { alloc, type CpuIn, type Kernel } from "./util";

type F1 = (x: number) => number;
type F2 = (a: number, b: number) => number;

/** Picks the scalar function by the operands' dtype. */
type ByDType<F> = F | { float?: F; int?: F; uint?: F; bool?: F };
function pick<F extends Function>(f0: ByDType<F>, d: DType): F {
  if (typeof f0 === "function") return f0 as F;
  const f = f0 as { float?: F; int?: F; uint?: F; bool?: F };
  const g = d === "float32" || d === "float64" ? f.float : d === "int32" ? f.int ?? f.uint : d === "uint32" ? f.uint ?? f.int : f.bool;
  if (!g) throw new Error(`cpu: no kernel for dtype ${d}`);
  return g;
}

export function unary(f: ByDType<F1>): Kernel<{}> {
  return ([x], _p, [outAval]) => {
    const g = pick(f, x.aval.dtype);
    const out = alloc(outAval), xs = x.data;
    for (let i = 0; i < out.length; i++) out[i] = g(xs[i]);
    return [out];
  };
}

/** Operand i is read at i, or at 0 when it is a rank-0 scalar. */
export function binary(f: ByDType<F2>): Kernel<{}> {
  return ([a, b], _p, [outAval]) => {
    const g = pick(f, a.aval.dtype);
    const out = alloc(outAval), as = a.data, bs = b.data;
    const n = out.length;
    if (a.aval.ndim === 0 && n !== 1) { const av = as[0]; for (let i = 0; i < n; i++) out[i] = g(av, bs[i]); }
    else if (b.aval.ndim === 0 && n !== 1) { const bv = bs[0]; for (let i = 0; i < n; i++) out[i] = g(as[i], bv); }
    else for (let i = 0; i < n; i++) out[i] = g(as[i], bs[i]);
    return [out];
  };
}

const cmp = (f: (a: number, b: number) => boolean): Kernel<{}> => binary((a, b) => (f(a, b) ? 1 : 0));

const at = (x: CpuIn, i: number) => (x.aval.ndim === 0 ? x.data[0] : x.data[i]);

export const elementwiseKernels = {
  neg: unary((x) => -x),
  sign: unary({ float: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : x), int: Math.sign, uint: (x) => (x > 0 ? 1 : 0) }),
  abs: unary(Math.abs),
  floor: unary(Math.floor),
  ceil: unary(Math.ceil),
  round: unary(roundHalfEven),
  exp: unary(Math.exp),
  log: unary(Math.log),
  expm1: unary(Math.expm1),
  log1p: unary(Math.log1p),
  sqrt: unary(Math.sqrt),
  cbrt: unary(Math.cbrt),
  sin: unary(Math.sin),
  cos: unary(Math.cos),
  tan: unary(Math.tan),
  asin: unary(Math.asin),
  acos: unary(Math.acos),
  atan: unary(Math.atan),
  sinh: unary(Math.sinh),
  cosh: unary(Math.cosh),
  tanh: unary(Math.tanh),
  asinh: unary(Math.asinh),
  acosh: unary(Math.acosh),
  atanh: unary(Math.atanh),
  erf: unary(erf),
  logistic: unary((x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))),
  is_finite: unary((x) => (Number.isFinite(x) ? 1 : 0)),
  not: unary({ bool: (x) => (x ? 0 : 1), int: (x) => ~x }),
  integer_pow: ((ins, { y }, outs) => {
    const d = ins[0].aval.dtype;
    const f = d === "float32" || d === "float64" ? (x: number) => cPow(x, y) : (x: number) => intPow(x, y, d === "uint32");
    return unary(f)(ins, {}, outs);
  }) as Kernel<IntegerPowParams>,

  add: binary({ float: (a, b) => a + b, int: (a, b) => a + b, bool: (a, b) => a | b }),
  sub: binary((a, b) => a - b),
  mul: binary({ float: (a, b) => a * b, int: Math.imul, uint: (a, b) => Math.imul(a, b) >>> 0, bool: (a, b) => a & b }),
  div: binary({ float: (a, b) => a / b, int: (a, b) => (b === 0 ? 0 : Math.trunc(a / b)) }),
  rem: binary({ float: (a, b) => a % b, int: (a, b) => (b === 0 ? 0 : a % b) }),
  pow: binary({ float: cPow, int: (a, b) => intPow(a, b, false), uint: (a, b) => intPow(a, b, true) }),
  max: binary({ float: (a, b) => (a !== a || b !== b ? NaN : Math.max(a, b)), int: Math.max, bool: (a, b) => a | b }),
  min: binary({ float: (a, b) => (a !== a || b !== b ? NaN : Math.min(a, b)), int: Math.min, bool: (a, b) => a & b }),
  atan2: binary(Math.atan2),
  and: binary((a, b) => a & b),
  or: binary((a, b) => a | b),
  xor: binary((a, b) => a ^ b),
  eq: cmp((a, b) => a === b),
  ne: cmp((a, b) => a !== b),
  lt: cmp((a, b) => a < b),
  le: cmp((a, b) => a <= b),
  gt: cmp((a, b) => a > b),
  ge: cmp((a, b) => a >= b),

  stop_gradient: (([x]) => [x.data]) as Kernel<{}>,
  select_n: (([which, ...cases], _p, [outAval]) => {
    const out = alloc(outAval);
    for (let i = 0; i < out.length; i++) out[i] = at(cases[at(which, i)], i);
    return [out];
  }) as Kernel<{}>,

  convert_element_type: (([x], _p, [outAval]) => {
    const out = alloc(outAval), xs = x.data;
    if (outAval.dtype === "bool") for (let i = 0; i < xs.length; i++) out[i] = xs[i] !== 0 ? 1 : 0;
    else if (outAval.dtype === "int32" || outAval.dtype === "uint32") {
      // float -> int truncates toward zero; NaN and infinities become 0 (C leaves them undefined).
      for (let i = 0; i < xs.length; i++) { const v = xs[i]; out[i] = Number.isFinite(v) ? Math.trunc(v) : 0; }
    } else out.set(xs);
    return [out];
  }) as Kernel<ConvertParams>,
};
