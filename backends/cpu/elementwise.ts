// CPU kernels for elementwise primitives. Values are computed in float64 and stored into
// the output TypedArray, whose assignment rounds float32 and wraps int32/uint32 like C;
// float32 arrays run through WebAssembly SIMD kernels (elementwise-wasm.ts) instead where
// present: always for the math of simd-math.ts SIMD_ONLY (whose results differ from Math.*,
// so fused jit loops use the same kernels), and above SIMD_MIN elements for the exact ops.
import type { DType, TypedArray } from "../../core/dtype";
import type { ConvertParams, IntegerPowParams } from "../../core/primitives";
import { cPow, erf, intPow, roundHalfEven } from "./math";
import { alloc, type CpuIn, type Kernel } from "./util";
import { simdOp } from "./elementwise-wasm";
import { SIMD_ONLY } from "./simd-math";
import { elementwiseWork, JS_COST, parallelElementwise, threadCode, type ThreadCode, threadsForWork } from "./parallel";

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

/**
 * Float loops compiled from an expression (`x`, or `a` and `b`): a closure call per element
 * is megamorphic across ops and ~6x slower than a loop V8 inlines. Where `Function` is
 * unavailable (strict CSP pages) the closure loop runs instead.
 */
type Loop = ((xs: TypedArray, ys: TypedArray | null, out: TypedArray, mode: number) => void) & { code?: ThreadCode };
const loops = new Map<string, Loop | null>();
function compiled(body: string): Loop | null {
  let f = loops.get(body);
  if (f === undefined) {
    // mode 0: both full; 1: a is a scalar; 2: b is a scalar.
    const params = ["xs", "ys", "out", "mode"], text = `"use strict"; const n = out.length;
        if (mode === 1) { const a = xs[0]; for (let i = 0; i < n; i++) { const b = ys[i]; out[i] = ${body}; } }
        else if (mode === 2) { const b = ys[0]; for (let i = 0; i < n; i++) { const a = xs[i]; out[i] = ${body}; } }
        else if (ys) { for (let i = 0; i < n; i++) { const a = xs[i], b = ys[i]; out[i] = ${body}; } }
        else { for (let i = 0; i < n; i++) { const x = xs[i]; out[i] = ${body}; } }`;
    try {
      f = new Function(...params, text) as Loop;
      // worker threads compile the same text (parallel.ts)
      f.code = threadCode(false, { params, body: text });
    } catch { f = null; }
    loops.set(body, f);
  }
  return f;
}

/**
 * Runs a compiled loop, split across threads when n × cost is large (parallel.ts): each
 * element is computed by the same code on every thread.
 */
function runLoop(loop: Loop, xs: TypedArray, ys: TypedArray | null, out: TypedArray, mode: number, cost: number): void {
  const n = out.length, T = threadsForWork(elementwiseWork(n, cost));
  if (T > 1) {
    const ins = ys ? [xs, ys] : [xs], scalar = [mode === 1, mode === 2].slice(0, ins.length);
    const sub = (x: TypedArray, sc: boolean, lo: number, hi: number) => (sc ? x : x.subarray(lo, hi));
    if (parallelElementwise(T, loop.code!, ins, scalar, out, mode, undefined,
      (lo, hi) => loop(sub(xs, mode === 1, lo, hi), ys && sub(ys, mode === 2, lo, hi), out.subarray(lo, hi), mode))) return;
  }
  loop(xs, ys, out, mode);
}
const isFloat = (d: DType) => d === "float32" || d === "float64";

/**
 * Below this many elements exact float32 ops (add, neg, sqrt, ...) stay in JS, whose loop
 * beats the copies into and out of WebAssembly memory (both give the same bits).
 */
export const SIMD_MIN = 256;
/** The SIMD kernel for float32 operands of `op` (null: the JS loop runs). */
function simdFor(op: string | undefined, ins: CpuIn[], n: number) {
  if (!op || !ins.every((x) => x.aval.dtype === "float32") || (n < SIMD_MIN && !SIMD_ONLY.has(op))) return null;
  return simdOp(op, ins.map((x) => x.aval.ndim === 0 && n !== 1));
}

/** `op` names the primitive, for the SIMD kernels. */
export function unary(f: ByDType<F1>, src?: string, op?: string): Kernel<{}> {
  return ([x], _p, [outAval]) => {
    const out = alloc(outAval), xs = x.data;
    const k = outAval.dtype === "float32" ? simdFor(op, [x], out.length) : null;
    if (k) { k([xs as Float32Array], out as Float32Array); return [out]; }
    const loop = src && isFloat(x.aval.dtype) ? compiled(src) : null;
    if (loop) { runLoop(loop, xs, null, out, 0, JS_COST[op!] ?? 1); return [out]; }
    const g = pick(f, x.aval.dtype);
    for (let i = 0; i < out.length; i++) out[i] = g(xs[i]);
    return [out];
  };
}

/** Operand i is read at i, or at 0 when it is a rank-0 scalar. */
export function binary(f: ByDType<F2>, src?: string, op?: string): Kernel<{}> {
  return ([a, b], _p, [outAval]) => {
    const out = alloc(outAval), as = a.data, bs = b.data;
    const n = out.length;
    const k = outAval.dtype === "float32" ? simdFor(op, [a, b], n) : null;
    if (k) {
      const arg = (x: CpuIn) => (x.aval.ndim === 0 && n !== 1 ? x.data[0] : x.data as Float32Array);
      k([arg(a), arg(b)], out as Float32Array);
      return [out];
    }
    const loop = src && isFloat(a.aval.dtype) ? compiled(src) : null;
    if (loop) { runLoop(loop, as, bs, out, a.aval.ndim === 0 && n !== 1 ? 1 : b.aval.ndim === 0 && n !== 1 ? 2 : 0, JS_COST[op!] ?? 1); return [out]; }
    const g = pick(f, a.aval.dtype);
    if (a.aval.ndim === 0 && n !== 1) { const av = as[0]; for (let i = 0; i < n; i++) out[i] = g(av, bs[i]); }
    else if (b.aval.ndim === 0 && n !== 1) { const bv = bs[0]; for (let i = 0; i < n; i++) out[i] = g(as[i], bv); }
    else for (let i = 0; i < n; i++) out[i] = g(as[i], bs[i]);
    return [out];
  };
}

const cmp = (f: (a: number, b: number) => boolean, op: string): Kernel<{}> => binary((a, b) => (f(a, b) ? 1 : 0), `(a ${op} b ? 1 : 0)`);

const at = (x: CpuIn, i: number) => (x.aval.ndim === 0 ? x.data[0] : x.data[i]);

/** Float expressions of the elementwise kernels (in `x`, or `a` and `b`), for compiled and fused loops. */
export const FLOAT_SRC: Record<string, string> = {
  neg: "-x",
  abs: "Math.abs(x)",
  exp: "Math.exp(x)",
  log: "Math.log(x)",
  expm1: "Math.expm1(x)",
  log1p: "Math.log1p(x)",
  sqrt: "Math.sqrt(x)",
  sin: "Math.sin(x)",
  cos: "Math.cos(x)",
  tan: "Math.tan(x)",
  floor: "Math.floor(x)",
  ceil: "Math.ceil(x)",
  tanh: "Math.tanh(x)",
  logistic: "(x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))",
  add: "a + b",
  sub: "a - b",
  mul: "a * b",
  div: "a / b",
  max: "(a !== a || b !== b ? NaN : Math.max(a, b))",
  min: "(a !== a || b !== b ? NaN : Math.min(a, b))",
  eq: "(a === b ? 1 : 0)",
  ne: "(a !== b ? 1 : 0)",
  lt: "(a < b ? 1 : 0)",
  le: "(a <= b ? 1 : 0)",
  gt: "(a > b ? 1 : 0)",
  ge: "(a >= b ? 1 : 0)",
};

export const elementwiseKernels = {
  neg: unary((x) => -x, FLOAT_SRC.neg, "neg"),
  sign: unary({ float: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : x), int: Math.sign, uint: (x) => (x > 0 ? 1 : 0) }),
  abs: unary(Math.abs, FLOAT_SRC.abs, "abs"),
  floor: unary(Math.floor, FLOAT_SRC.floor, "floor"),
  ceil: unary(Math.ceil, FLOAT_SRC.ceil, "ceil"),
  round: unary(roundHalfEven, undefined, "round"),
  exp: unary(Math.exp, FLOAT_SRC.exp, "exp"),
  log: unary(Math.log, FLOAT_SRC.log, "log"),
  expm1: unary(Math.expm1, FLOAT_SRC.expm1, "expm1"),
  log1p: unary(Math.log1p, FLOAT_SRC.log1p, "log1p"),
  sqrt: unary(Math.sqrt, FLOAT_SRC.sqrt, "sqrt"),
  cbrt: unary(Math.cbrt),
  sin: unary(Math.sin, FLOAT_SRC.sin, "sin"),
  cos: unary(Math.cos, FLOAT_SRC.cos, "cos"),
  tan: unary(Math.tan, FLOAT_SRC.tan, "tan"),
  asin: unary(Math.asin),
  acos: unary(Math.acos),
  atan: unary(Math.atan),
  sinh: unary(Math.sinh),
  cosh: unary(Math.cosh),
  tanh: unary(Math.tanh, FLOAT_SRC.tanh, "tanh"),
  asinh: unary(Math.asinh),
  acosh: unary(Math.acosh),
  atanh: unary(Math.atanh),
  erf: unary(erf),
  logistic: unary((x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))), FLOAT_SRC.logistic, "logistic"),
  is_finite: unary((x) => (Number.isFinite(x) ? 1 : 0)),
  not: unary({ bool: (x) => (x ? 0 : 1), int: (x) => ~x }),
  integer_pow: ((ins, { y }, outs) => {
    const d = ins[0].aval.dtype;
    const f = d === "float32" || d === "float64" ? (x: number) => cPow(x, y) : (x: number) => intPow(x, y, d === "uint32");
    // x^2 as a product (Math.pow(x, 2) is exactly x * x).
    const src = y === 2 ? "x * x" : y === 1 ? "x" : undefined;
    return unary(f, src)(ins, {}, outs);
  }) as Kernel<IntegerPowParams>,

  add: binary({ float: (a, b) => a + b, int: (a, b) => a + b, bool: (a, b) => a | b }, FLOAT_SRC.add, "add"),
  sub: binary((a, b) => a - b, FLOAT_SRC.sub, "sub"),
  mul: binary({ float: (a, b) => a * b, int: Math.imul, uint: (a, b) => Math.imul(a, b) >>> 0, bool: (a, b) => a & b }, FLOAT_SRC.mul, "mul"),
  div: binary({ float: (a, b) => a / b, int: (a, b) => (b === 0 ? 0 : Math.trunc(a / b)) }, FLOAT_SRC.div, "div"),
  rem: binary({ float: (a, b) => a % b, int: (a, b) => (b === 0 ? 0 : a % b) }),
  pow: binary({ float: cPow, int: (a, b) => intPow(a, b, false), uint: (a, b) => intPow(a, b, true) }),
  max: binary({ float: (a, b) => (a !== a || b !== b ? NaN : Math.max(a, b)), int: Math.max, bool: (a, b) => a | b }, FLOAT_SRC.max, "max"),
  min: binary({ float: (a, b) => (a !== a || b !== b ? NaN : Math.min(a, b)), int: Math.min, bool: (a, b) => a & b }, FLOAT_SRC.min, "min"),
  atan2: binary(Math.atan2),
  and: binary((a, b) => a & b),
  or: binary((a, b) => a | b),
  xor: binary((a, b) => a ^ b),
  eq: cmp((a, b) => a === b, "==="),
  ne: cmp((a, b) => a !== b, "!=="),
  lt: cmp((a, b) => a < b, "<"),
  le: cmp((a, b) => a <= b, "<="),
  gt: cmp((a, b) => a > b, ">"),
  ge: cmp((a, b) => a >= b, ">="),

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
