// CPU kernels for complex64/complex128 operands. Complex buffers hold interleaved (re, im)
// pairs of their real dtype. `executeComplex` runs any primitive that has complex inputs or
// outputs: data-movement primitives (and sums, which are real-linear) run their real kernel
// on the real and imaginary parts separately; arithmetic has its own kernels below, in
// float64 with the result rounded to the output dtype. Also the kernels of the complex
// primitives (real, imag, complex, conj).
import { ShapedArray } from "../../core/aval";
import { isComplex, realDType } from "../../core/dtype";
import { UnsupportedOnBackendError } from "../../core/errors";
import type { ConvertParams, CumulativeParams, DotGeneralParams, IntegerPowParams, ReduceParams, ScatterAlongAxisParams } from "../../core/primitives";
import type { Params } from "../../core/primitive";
import { prod } from "../../core/shape";
import { alloc, aroundAxis, type CpuIn, type Kernel, permuted } from "./util";

type TypedArray = CpuIn["data"];
type C = [number, number];

// ---------------------------------------------------------------- scalar complex math

const cmul = (ar: number, ai: number, br: number, bi: number): C => [ar * br - ai * bi, ar * bi + ai * br];
/** Smith's algorithm: a / b without overflow in |b|^2. */
function cdiv(ar: number, ai: number, br: number, bi: number): C {
  if (Math.abs(br) >= Math.abs(bi)) {
    if (br === 0 && bi === 0) return [ar / 0, ai / 0];
    const r = bi / br, d = br + bi * r;
    return [(ar + ai * r) / d, (ai - ar * r) / d];
  }
  const r = br / bi, d = br * r + bi;
  return [(ar * r + ai) / d, (ai * r - ar) / d];
}
function cexp(x: number, y: number): C {
  if (y === 0) return [Math.exp(x), y];
  const e = Math.exp(x);
  return [e * Math.cos(y), e * Math.sin(y)];
}
function clog(x: number, y: number): C {
  const h = Math.hypot(x, y);
  // log|z| via log1p near |z| = 1, where log(h) loses relative precision.
  const re = h > 0.7 && h < 1.5 ? 0.5 * Math.log1p((x - 1) * (x + 1) + y * y) : Math.log(h);
  return [re, Math.atan2(y, x)];
}
/** Principal square root (branch cut on the negative real axis, sign of im kept). */
function csqrt(x: number, y: number): C {
  if (x === 0 && y === 0) return [0, y];
  if (!Number.isFinite(y) && !Number.isNaN(y)) return [Infinity, y];
  // (|x| + |z|) / 2 underflows to 0 for subnormal z (then y / 2t is infinite) and overflows
  // near the largest doubles: scale z by 4^k, exact, and the root back by 2^-k.
  const m = Math.max(Math.abs(x), Math.abs(y));
  if (m < 2 ** -1000 || (m > 2 ** 1000 && m !== Infinity)) {
    const k = m < 1 ? 300 : -300, [a, b] = csqrt(x * 2 ** (2 * k), y * 2 ** (2 * k));
    return [a * 2 ** -k, b * 2 ** -k];
  }
  const t = Math.sqrt((Math.abs(x) + Math.hypot(x, y)) / 2);
  return x >= 0 ? [t, y / (2 * t)] : [Math.abs(y) / (2 * t), y < 0 || Object.is(y, -0) ? -t : t];
}
const csin = (x: number, y: number): C => [Math.sin(x) * Math.cosh(y), Math.cos(x) * Math.sinh(y)];
const ccos = (x: number, y: number): C => [Math.cos(x) * Math.cosh(y), -Math.sin(x) * Math.sinh(y)];
const csinh = (x: number, y: number): C => [Math.sinh(x) * Math.cos(y), Math.cosh(x) * Math.sin(y)];
const ccosh = (x: number, y: number): C => [Math.cosh(x) * Math.cos(y), Math.sinh(x) * Math.sin(y)];
/** tanh(x + iy) = (sinh 2x + i sin 2y) / (cosh 2x + cos 2y), with the large-|x| limit. */
function ctanh(x: number, y: number): C {
  if (Math.abs(x) > 20) return [Math.sign(x), 4 * Math.sin(y) * Math.cos(y) * Math.exp(-2 * Math.abs(x))];
  const d = Math.cosh(2 * x) + Math.cos(2 * y);
  return [Math.sinh(2 * x) / d, Math.sin(2 * y) / d];
}
/** tan z = -i tanh(i z). */
const ctan = (x: number, y: number): C => { const [a, b] = ctanh(-y, x); return [b, -a]; };
/** exp(z) - 1 accurately near 0: Re = expm1(x) cos y - 2 sin^2(y/2). */
function cexpm1(x: number, y: number): C {
  const s = Math.sin(y / 2);
  return [Math.expm1(x) * Math.cos(y) - 2 * s * s, Math.exp(x) * Math.sin(y)];
}
/** log(1 + z) accurately near 0. */
function clog1p(x: number, y: number): C {
  if (Math.hypot(x, y) < 0.5) return [0.5 * Math.log1p(x * (2 + x) + y * y), Math.atan2(y, 1 + x)];
  return clog(1 + x, y);
}
/** z^n for an integer n by repeated squaring (as NumPy does for small integer powers). */
function cipow(x: number, y: number, n: number): C {
  let rr = 1, ri = 0, br = x, bi = y, e = Math.abs(n);
  while (e > 0) {
    if (e & 1) [rr, ri] = cmul(rr, ri, br, bi);
    [br, bi] = cmul(br, bi, br, bi);
    e = Math.floor(e / 2);
  }
  return n < 0 ? cdiv(1, 0, rr, ri) : [rr, ri];
}
function cpow(ar: number, ai: number, br: number, bi: number): C {
  if (br === 0 && bi === 0) return [1, 0];
  if (ar === 0 && ai === 0) return br > 0 && bi === 0 ? [0, 0] : [NaN, NaN];
  if (bi === 0 && Number.isInteger(br) && Math.abs(br) <= 100) return cipow(ar, ai, br);
  const [lr, li] = clog(ar, ai);
  const [er, ei] = cmul(lr, li, br, bi);
  return cexp(er, ei);
}

// ---------------------------------------------------------------- kernel families

type U = (x: number, y: number) => C;
type B = (ar: number, ai: number, br: number, bi: number) => C;

function unary(f: U): Kernel<{}> {
  return ([x], _p, [outAval]) => {
    const out = alloc(outAval), d = x.data, n = outAval.size;
    for (let i = 0; i < n; i++) { const [r, m] = f(d[2 * i], d[2 * i + 1]); out[2 * i] = r; out[2 * i + 1] = m; }
    return [out];
  };
}

/** Binary ops; a rank-0 operand broadcasts, as the real kernels. Non-complex outputs (eq/ne) take `r`. */
function binary(f: B, boolOut = false): Kernel<{}> {
  return ([a, b], _p, [outAval]) => {
    const out = alloc(outAval), ad = a.data, bd = b.data, n = outAval.size;
    const sa = a.aval.ndim === 0 ? 0 : 2, sb = b.aval.ndim === 0 ? 0 : 2;
    for (let i = 0; i < n; i++) {
      const [r, m] = f(ad[sa * i], ad[sa * i + 1], bd[sb * i], bd[sb * i + 1]);
      if (boolOut) out[i] = r;
      else { out[2 * i] = r; out[2 * i + 1] = m; }
    }
    return [out];
  };
}

/**
 * The hot arithmetic ops as plain loops (no per-element closure call or tuple): `op` picks
 * the formula; a rank-0 operand broadcasts.
 */
function arith(op: "add" | "sub" | "mul" | "div"): Kernel<{}> {
  return ([a, b], _p, [outAval]) => {
    const out = alloc(outAval), ad = a.data, bd = b.data, n = outAval.size;
    const sa = a.aval.ndim === 0 ? 0 : 2, sb = b.aval.ndim === 0 ? 0 : 2;
    if (op === "add") for (let i = 0; i < n; i++) { out[2 * i] = ad[sa * i] + bd[sb * i]; out[2 * i + 1] = ad[sa * i + 1] + bd[sb * i + 1]; }
    else if (op === "sub") for (let i = 0; i < n; i++) { out[2 * i] = ad[sa * i] - bd[sb * i]; out[2 * i + 1] = ad[sa * i + 1] - bd[sb * i + 1]; }
    else if (op === "mul") {
      for (let i = 0; i < n; i++) {
        const ar = ad[sa * i], ai = ad[sa * i + 1], br = bd[sb * i], bi = bd[sb * i + 1];
        out[2 * i] = ar * br - ai * bi; out[2 * i + 1] = ar * bi + ai * br;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const [r, m] = cdiv(ad[sa * i], ad[sa * i + 1], bd[sb * i], bd[sb * i + 1]);
        out[2 * i] = r; out[2 * i + 1] = m;
      }
    }
    return [out];
  };
}

/** |z| = h sqrt(1 + (l / h)^2) with h, l the larger and smaller of |re|, |im| (no overflow; faster than Math.hypot). */
const absKernel: Kernel<{}> = ([x], _p, [outAval]) => {
  const out = alloc(outAval), d = x.data, n = outAval.size;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(d[2 * i]), b = Math.abs(d[2 * i + 1]);
    const h = a > b ? a : b, l = a > b ? b : a;
    if (a === Infinity || b === Infinity) out[i] = Infinity;  // even with a NaN part, as hypot
    else if (h === 0 || h !== h || l !== l) out[i] = h + l;  // 0, or NaN
    else { const r = l / h; out[i] = h * Math.sqrt(1 + r * r); }
  }
  return [out];
};

/** Splits complex inputs into real and imaginary parts (float views with the real dtype). */
function split(x: CpuIn): [CpuIn, CpuIn] {
  const aval = new ShapedArray(x.aval.shape, realDType(x.aval.dtype));
  const n = x.aval.size, re = alloc(aval), im = alloc(aval);
  for (let i = 0; i < n; i++) { re[i] = x.data[2 * i]; im[i] = x.data[2 * i + 1]; }
  return [{ data: re, aval }, { data: im, aval }];
}
function join(re: TypedArray, im: TypedArray, aval: ShapedArray): TypedArray {
  const out = alloc(aval), n = aval.size;
  for (let i = 0; i < n; i++) { out[2 * i] = re[i]; out[2 * i + 1] = im[i]; }
  return out;
}

/**
 * Runs a real kernel on the real parts and on the imaginary parts. Valid for primitives
 * that are real-linear with real coefficients in their complex operands (data movement,
 * selects, sums): op(re + i im) = op(re) + i op(im). Non-complex operands pass unchanged.
 */
function componentwise(k: Kernel<any>): Kernel<any> {
  return (ins, params, outAvals) => {
    const parts = ins.map((x) => (isComplex(x.aval.dtype) ? split(x) : [x, x]));
    const realOuts = outAvals.map((a) => (isComplex(a.dtype) ? new ShapedArray(a.shape, realDType(a.dtype), a.weakType) : a));
    const re = k(parts.map((p) => p[0]), params, realOuts);
    const im = k(parts.map((p) => p[1]), params, realOuts);
    return outAvals.map((a, i) => (isComplex(a.dtype) ? join(re[i], im[i], a) : re[i]));
  };
}

// ---------------------------------------------------------------- structured kernels

const convert: Kernel<ConvertParams> = ([x], _p, [outAval]) => {
  const out = alloc(outAval), d = x.data, n = outAval.size, to = outAval.dtype;
  const fromC = isComplex(x.aval.dtype), toC = isComplex(to);
  if (fromC && toC) { out.set(d); return [out]; }
  if (toC) { for (let i = 0; i < n; i++) out[2 * i] = d[i]; return [out]; }
  // complex -> real keeps the real part (NumPy's ComplexWarning cast); -> bool is "nonzero".
  if (to === "bool") for (let i = 0; i < n; i++) out[i] = d[2 * i] !== 0 || d[2 * i + 1] !== 0 ? 1 : 0;
  else if (to === "int32" || to === "uint32") for (let i = 0; i < n; i++) { const v = d[2 * i]; out[i] = Number.isFinite(v) ? Math.trunc(v) : 0; }
  else for (let i = 0; i < n; i++) out[i] = d[2 * i];
  return [out];
};

/** Complex planes [B, M, K] x [B, K, N] from split, permuted operands. */
const dotGeneral: Kernel<DotGeneralParams> = ([a, b], { dimensionNumbers: [[lc, rc], [lb, rb]] }, [outAval]) => {
  const free = (nd: number, used: readonly number[]) => [...Array(nd).keys()].filter((i) => !used.includes(i));
  const lf = free(a.aval.ndim, [...lc, ...lb]), rf = free(b.aval.ndim, [...rc, ...rb]);
  const [ar, ai] = split(a).map((p) => permuted(p, [...lb, ...lf, ...lc]));
  const [br, bi] = split(b).map((p) => permuted(p, [...rb, ...rc, ...rf]));
  const nb = prod(lb.map((d) => a.aval.shape[d])), M = prod(lf.map((d) => a.aval.shape[d]));
  const K = prod(lc.map((d) => a.aval.shape[d])), N = prod(rf.map((d) => b.aval.shape[d]));
  const out = alloc(outAval);
  const rowR = new Float64Array(N), rowI = new Float64Array(N);
  for (let bt = 0; bt < nb; bt++) {
    for (let i = 0; i < M; i++) {
      rowR.fill(0); rowI.fill(0);
      const aOff = (bt * M + i) * K;
      for (let k = 0; k < K; k++) {
        const xr = ar[aOff + k], xi = ai[aOff + k], bOff = (bt * K + k) * N;
        for (let j = 0; j < N; j++) {
          const yr = br[bOff + j], yi = bi[bOff + j];
          rowR[j] += xr * yr - xi * yi; rowI[j] += xr * yi + xi * yr;
        }
      }
      const o = 2 * (bt * M + i) * N;
      for (let j = 0; j < N; j++) { out[o + 2 * j] = rowR[j]; out[o + 2 * j + 1] = rowI[j]; }
    }
  }
  return [out];
};

const reduceProd: Kernel<ReduceParams> = ([x], { axes }, [outAval]) => {
  const shape = x.aval.shape;
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const [re, im] = split(x).map((p) => permuted(p, [...kept, ...axes]));
  const r = prod(axes.map((a) => shape[a]));
  const out = alloc(outAval);
  for (let o = 0; o < outAval.size; o++) {
    let pr = 1, pi = 0;
    for (let k = o * r, end = k + r; k < end; k++) [pr, pi] = cmul(pr, pi, re[k], im[k]);
    out[2 * o] = pr; out[2 * o + 1] = pi;
  }
  return [out];
};

const cumprod: Kernel<CumulativeParams> = ([x], { axis, reverse }, [outAval]) => {
  const [outer, n, inner] = aroundAxis(x.aval.shape, axis);
  const out = alloc(outAval), d = x.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let pr = 1, pi = 0;
      for (let jj = 0; jj < n; jj++) {
        const p = 2 * (o * n * inner + i + (reverse ? n - 1 - jj : jj) * inner);
        [pr, pi] = cmul(pr, pi, d[p], d[p + 1]);
        out[p] = pr; out[p + 1] = pi;
      }
    }
  }
  return [out];
};

const integerPow: Kernel<IntegerPowParams> = (ins, { y }, outs) => unary((a, b) => cipow(a, b, y))(ins, {}, outs);

// ---------------------------------------------------------------- tables

/** Kernels of primitives whose operands may be complex. */
const complexKernels: Record<string, Kernel<any>> = {
  neg: (([x], _p, [outAval]) => { const out = alloc(outAval), d = x.data; for (let i = 0; i < d.length; i++) out[i] = -d[i]; return [out]; }) as Kernel<{}>,
  exp: unary(cexp),
  log: unary(clog),
  log1p: unary(clog1p),
  expm1: unary(cexpm1),
  sqrt: unary(csqrt),
  sin: unary(csin),
  cos: unary(ccos),
  tan: unary(ctan),
  sinh: unary(csinh),
  cosh: unary(ccosh),
  tanh: unary(ctanh),
  abs: absKernel,
  integer_pow: integerPow,
  add: arith("add"),
  sub: arith("sub"),
  mul: arith("mul"),
  div: arith("div"),
  pow: binary(cpow),
  eq: binary((ar, ai, br, bi) => [ar === br && ai === bi ? 1 : 0, 0], true),
  ne: binary((ar, ai, br, bi) => [ar !== br || ai !== bi ? 1 : 0, 0], true),
  convert_element_type: convert,
  reduce_prod: reduceProd,
  cumprod,
  dot_general: dotGeneral,
};

/** Primitives that are real-linear with real coefficients in their complex operands. */
const COMPONENTWISE = new Set([
  "broadcast_in_dim", "transpose", "slice", "pad", "concatenate", "rev", "select_n",
  "take_along_axis", "reduce_sum", "cumsum", "gather", "scatter", "scatter_add", "dynamic_slice", "dynamic_update_slice",
]);

/** Lets another module declare a data-movement primitive safe to run on re/im separately. */
export function registerComplexComponentwise(...names: string[]): void { for (const n of names) COMPONENTWISE.add(n); }

/**
 * Runs `prim` with complex inputs or outputs, or throws UnsupportedOnBackendError.
 * `realKernels` is the backend's table (used by the componentwise path).
 */
export function executeComplex(prim: string, params: Params, ins: CpuIn[], outAvals: readonly ShapedArray[],
                               realKernels: Record<string, Kernel<any>>): TypedArray[] {
  if (prim === "reshape" || prim === "stop_gradient") return [ins[0].data];
  const k = complexKernels[prim];
  if (k) return k(ins, params, outAvals);
  const scatterLinear = prim === "scatter_along_axis" && ((params as ScatterAlongAxisParams).mode === "set" || (params as ScatterAlongAxisParams).mode === "add");
  if ((COMPONENTWISE.has(prim) || scatterLinear) && realKernels[prim]) return componentwise(realKernels[prim])(ins, params, outAvals);
  const dts = [...new Set([...ins.map((x) => x.aval.dtype), ...outAvals.map((a) => a.dtype)].filter(isComplex))];
  throw new UnsupportedOnBackendError(`${prim}: complex operands (${dts.join(", ")}) are not supported on the cpu backend` +
    (prim === "scatter_along_axis" ? ` for mode "${(params as ScatterAlongAxisParams).mode}"` : "") + ".");
}

export const involvesComplex = (ins: readonly { aval: ShapedArray }[], outAvals: readonly ShapedArray[]): boolean =>
  ins.some((x) => isComplex(x.aval.dtype)) || outAvals.some((a) => isComplex(a.dtype));

// ---------------------------------------------------------------- complex primitives

const part = (offset: 0 | 1): Kernel<{}> => ([x], _p, [outAval]) => {
  const out = alloc(outAval), d = x.data;
  for (let i = 0; i < outAval.size; i++) out[i] = d[2 * i + offset];
  return [out];
};

export const complexPrimKernels = {
  real: part(0),
  imag: part(1),
  complex: (([re, im], _p, [outAval]) => {
    const out = alloc(outAval), n = outAval.size;
    const sr = re.aval.ndim === 0 ? 0 : 1, si = im.aval.ndim === 0 ? 0 : 1;
    for (let i = 0; i < n; i++) { out[2 * i] = re.data[sr * i]; out[2 * i + 1] = im.data[si * i]; }
    return [out];
  }) as Kernel<{}>,
  conj: (([x], _p, [outAval]) => {
    const out = alloc(outAval), d = x.data;
    for (let i = 0; i < outAval.size; i++) { out[2 * i] = d[2 * i]; out[2 * i + 1] = -d[2 * i + 1]; }
    return [out];
  }) as Kernel<{}>,
};

/** Primitives whose own kernels handle complex data (bypass `executeComplex`). */
export const NATIVE_COMPLEX = new Set(["real", "imag", "complex", "conj", "fft"]);

