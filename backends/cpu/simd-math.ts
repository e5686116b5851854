// float32x4 WebAssembly SIMD code for the elementwise math of the CPU backend: a small
// expression builder over v128 locals, and exp, log, expm1, log1p, tanh, logistic, sin, cos
// and tan emitted as branch-free lane-wise code (both sides of every case are computed and
// the lanes chosen with bitselect). The algorithms are those of graft's WGSL math
// (backends/webgpu/wgsl.ts): Cody-Waite argument reduction and Cephes' single-precision
// minimax polynomials (S. L. Moshier, "Methods and Programs for Mathematical Functions",
// 1989), with C99 special values (NaN in, NaN out; exp(-inf) = 0; log(0) = -inf; ...).
// Every intermediate is a float32, so results are the same on every host; test/cpu/
// simd-math.test.ts bounds the error against float64 Math.* (ulp bounds listed there).
// Opcodes: https://webassembly.github.io/spec/core/binary/instructions.html (SIMD: 0xfd).
import { s32, u32, V128 } from "./wasm-encode";

/** Instructions that leave one value on the stack (expressions), or none (statements). */
export type Code = number[];

const simd = (opcode: number, ...imm: number[]): Code => [0xfd, ...u32(opcode), ...imm];
const f32Bits = (v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setFloat32(0, v, true); return [...b]; };
const f64Bits = (v: number) => { const b = new Uint8Array(8); new DataView(b.buffer).setFloat64(0, v, true); return [...b]; };
const i32Bits = (v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, v, true); return [...b]; };

export const local = {
  get: (i: number): Code => [0x20, ...u32(i)],
  set: (i: number): Code => [0x21, ...u32(i)],
};
export const i32 = (v: number): Code => [0x41, ...s32(v)];

/** A function body: parameters, then locals declared on demand. */
export class Fn {
  readonly code: number[] = [];
  /** code run once at entry: loads of the constants into locals */
  private readonly pre: number[] = [];
  private readonly consts = new Map<string, Code>();
  private readonly locals: number[] = [];
  /**
   * `constAt` places a constant's 16 bytes in the memory and gives its address, or null. V8's
   * optimising compiler rebuilds a v128.const from immediates at every use inside a loop (three
   * instructions), even from a local; a value loaded from memory at entry stays in a register.
   */
  constructor(readonly params: number[], private readonly constAt: (bytes: number[]) => number | null = () => null) {}
  /** A v128 constant of 16 bytes, in a local set at entry. */
  private konst(bytes: number[]): Code {
    const key = bytes.join(",");
    let c = this.consts.get(key);
    if (!c) {
      const l = this.local(V128), at = this.constAt(bytes);
      this.pre.push(...(at === null ? simd(0x0c, ...bytes) : [...i32(at), ...simd(0x00, 4, 0)]), ...local.set(l));
      c = local.get(l);
      this.consts.set(key, c);
    }
    return c;
  }
  /** float32 x in all four lanes */
  k(x: number): Code { return this.konst(Array(4).fill(f32Bits(x)).flat()); }
  /** int32 x in all four lanes */
  ki(x: number): Code { return this.konst(Array(4).fill(i32Bits(x)).flat()); }
  /** float64 x in both lanes */
  k64(x: number): Code { return this.konst([...f64Bits(x), ...f64Bits(x)]); }
  local(type: number): number { this.locals.push(type); return this.params.length + this.locals.length - 1; }
  /** Appends statements. */
  e(...cs: Code[]): void { for (const c of cs) for (const b of c) this.code.push(b); }
  /** Evaluates `c` once into a fresh local; the returned code reads it. */
  let(c: Code, type = V128): Code { const l = this.local(type); this.e(c, local.set(l)); return local.get(l); }
  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.locals) {
      if (groups.length && groups[groups.length - 1][1] === t) groups[groups.length - 1][0]++;
      else groups.push([1, t]);
    }
    const body = [...u32(groups.length), ...groups.flatMap(([n, t]) => [...u32(n), t]), ...this.pre, ...this.code, 0x0b];
    return [...u32(body.length), ...body];
  }
}

// ---- f32x4 / i32x4 / f64x2 instructions as expression builders.
const bin = (op: number) => (a: Code, b: Code): Code => [...a, ...b, ...simd(op)];
const un = (op: number) => (a: Code): Code => [...a, ...simd(op)];
export const v = {
  splat: (a: Code): Code => [...a, ...simd(0x13)],
  add: bin(0xe4), sub: bin(0xe5), mul: bin(0xe6), div: bin(0xe7), min: bin(0xe8), max: bin(0xe9),
  /** b < a ? b : a and a < b ? b : a (one x86 instruction each; min/max take several for NaN and -0) */
  pmin: bin(0xea), pmax: bin(0xeb),
  abs: un(0xe0), neg: un(0xe1), sqrt: un(0xe3), ceil: un(0x67), floor: un(0x68), nearest: un(0x6a),
  eq: bin(0x41), ne: bin(0x42), lt: bin(0x43), gt: bin(0x44), le: bin(0x45), ge: bin(0x46),
  and: bin(0x4e), or: bin(0x50), xor: bin(0x51), not: un(0x4d),
  /** lanes of a where the mask is set, else of b */
  sel: (mask: Code, a: Code, b: Code): Code => [...a, ...b, ...mask, ...simd(0x52)],
  anyTrue: un(0x53),
  iadd: bin(0xae), isub: bin(0xb1), ieq: bin(0x37), ilt: bin(0x39), iabs: un(0xa0),
  shl: (a: Code, n: number): Code => [...a, ...i32(n), ...simd(0xab)],
  shrS: (a: Code, n: number): Code => [...a, ...i32(n), ...simd(0xac)],
  shrU: (a: Code, n: number): Code => [...a, ...i32(n), ...simd(0xad)],
  /** f32 -> i32 (truncating, saturating; NaN -> 0) and i32 -> f32 */
  toInt: un(0xf8), toFloat: un(0xfa),
  /** lanes (a0, a1, b0, b1) of two vectors */
  lows: (a: Code, b: Code): Code => [...a, ...b, ...simd(0x0d, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23)],
  /** lanes (a2, a3, a2, a3) */
  highs: (a: Code): Code => [...a, ...a, ...simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15)],
  extract: (a: Code, lane: number): Code => [...a, ...simd(0x1f, lane)],
  replace: (a: Code, lane: number, x: Code): Code => [...a, ...x, ...simd(0x20, lane)],
  // f64x2, for the argument reduction of sin and cos
  promote: un(0x5f), demote: un(0x5e), dadd: bin(0xf0), dsub: bin(0xf1), dmul: bin(0xf2), dnearest: un(0x94),
  dtoInt: un(0xfc),
};

const SIGN = -0x80000000;
/** Horner's rule: ((c0 z + c1) z + c2) ... + cn. */
const horner = (f: Fn, z: Code, cs: number[]): Code => cs.slice(1).reduce((acc, c) => v.add(v.mul(acc, z), f.k(c)), f.k(cs[0]));
/**
 * The same polynomial by Estrin's scheme: pairs c x + c' combined in x^2, then x^4, ...: fewer
 * dependent steps than Horner's (the loops are bound by latency, not by throughput).
 */
function estrin(f: Fn, x: Code, cs: Code[]): Code {
  if (cs.length === 1) return cs[0];
  const pairs: Code[] = [];
  for (let j = cs.length - 1; j >= 0; j -= 2) pairs.unshift(j === 0 ? cs[0] : f.let(v.add(v.mul(cs[j - 1], x), cs[j])));
  return estrin(f, f.let(v.mul(x, x)), pairs);
}
const poly = (f: Fn, x: Code, cs: number[]): Code => estrin(f, x, cs.map((c) => f.k(c)));
/** |r| with the sign of x (r >= 0 or NaN) */
const copysign = (f: Fn, r: Code, x: Code): Code => v.or(r, v.and(x, f.ki(SIGN)));

/**
 * exp's pieces: x = n ln2 + r (Cody-Waite, ln2 in two parts, |r| <= ln2/2), q = e^r - 1 by a
 * degree-7 polynomial (Cephes expf), and 2^n as two factors 2^h 2^(n-h), each a normal float,
 * so that a subnormal result is rounded once. x is clamped to [-104, 88.8], so n stays in
 * [-150, 128]: there 2^n (1 + q) is 0 below -103.97 and +inf above 88.72 by itself.
 */
function expParts(f: Fn, xv: Code, xc = f.let(v.pmax(v.pmin(xv, f.k(88.8)), f.k(-104))) /* NaN stays NaN */) {
  // n = round-half-even(x log2 e): adding 1.5 2^23 leaves n in the low mantissa bits
  const kf = f.let(v.add(v.mul(xc, f.k(Math.LOG2E)), f.k(MAGIC)));
  const n = f.let(v.sub(kf, f.k(MAGIC)));
  const r = f.let(v.sub(v.sub(xc, v.mul(n, f.k(0.693359375))), v.mul(n, f.k(-2.12194440e-4))));
  const p = poly(f, r, [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]);
  const q = f.let(v.add(v.mul(v.mul(p, r), r), r));
  const ni = f.let(v.isub(kf, f.ki(0x4b400000))), h = f.let(v.shrS(ni, 1));
  const pow2 = (k: Code) => f.let(v.shl(v.iadd(k, f.ki(127)), 23));
  return { ni, q, s1: pow2(h), s2: pow2(v.isub(ni, h)) };
}
const MAGIC = 12582912;   // 1.5 2^23, bits 0x4b400000

/** exp(x) = 2^n (1 + q); exp(NaN) = NaN, exp(+-inf) = +inf, 0. */
export function exp(f: Fn, x: Code): Code {
  const { q, s1, s2 } = expParts(f, x);
  return v.mul(v.mul(v.add(q, f.k(1)), s1), s2);
}

/**
 * expm1(x) = 2^n q + (2^n - 1) for |n| <= 24, where 2^n q is exact and 2^n - 1 is too, so the
 * only roundings are q's and the sum's (as Cephes expm1). Beyond, expm1 = e^x - 1 loses nothing.
 */
export function expm1(f: Fn, x: Code): Code {
  const xv = f.let(x), { ni, q, s1, s2 } = expParts(f, xv);
  const t = f.let(v.mul(s1, s2));   // 2^n, exact for |n| <= 24
  const mid = v.add(v.mul(t, q), v.sub(t, f.k(1)));
  const far = v.sub(v.mul(v.mul(v.add(q, f.k(1)), s1), s2), f.k(1));
  const y = v.sel(v.ilt(v.iabs(ni), f.ki(25)), mid, far);
  // expm1(x) = x to float32 precision for |x| < 2^-24 (which keeps -0).
  return v.sel(v.lt(v.abs(xv), f.k(2 ** -24)), xv, y);
}

/**
 * log's kernel (Cephes logf): log(2^e (1 + t)) for t in [sqrt(1/2) - 1, sqrt(2) - 1] by a
 * degree-9 polynomial in t, ln2 in two parts.
 */
function logKernel(f: Fn, t: Code, e: Code | null): Code {
  const z = f.let(v.mul(t, t));
  const p = poly(f, t, [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1]);
  let y = v.mul(v.mul(p, t), z);
  if (e) y = v.add(y, v.mul(e, f.k(-2.12194440e-4)));
  const r = v.add(t, v.sub(y, v.mul(z, f.k(0.5))));
  return e ? v.add(r, v.mul(e, f.k(0.693359375))) : r;
}

/** log(x): x = 2^e m with m in [sqrt(1/2), sqrt(2)), then logKernel(m - 1, e). */
export function log(f: Fn, x: Code): Code {
  const xv = f.let(x);
  // Subnormals are scaled into the normal range by 2^23 first.
  const tiny = f.let(v.lt(xv, f.k(1.17549435e-38)));
  const xs = f.let(v.sel(tiny, v.mul(xv, f.k(2 ** 23)), xv));
  const e0 = v.isub(v.isub(v.and(v.shrU(xs, 23), f.ki(0xff)), f.ki(126)), v.and(tiny, f.ki(23)));
  const m = f.let(v.or(v.and(xs, f.ki(0x7fffff)), f.ki(0x3f000000)));   // in [0.5, 1)
  const small = f.let(v.lt(m, f.k(Math.SQRT1_2)));
  // m < sqrt(1/2): t = 2m - 1 and e - 1 (the mask is -1), else t = m - 1; both exact.
  const e = f.let(v.toFloat(v.iadd(e0, small)));
  const t = f.let(v.sub(v.add(m, v.and(small, m)), f.k(1)));
  const r = logKernel(f, t, e);
  // log(+inf) = +inf, log(+-0) = -inf, log(x < 0) = log(NaN) = NaN
  const special = v.sel(v.eq(xv, f.k(Infinity)), xv, v.sel(v.eq(xv, f.k(0)), f.k(-Infinity), r));
  return v.sel(v.ge(xv, f.k(0)), special, f.k(NaN));
}

/**
 * log1p(x): logKernel(x, 0) directly where 1 + x is in [sqrt(1/2), sqrt(2)] (no rounding of
 * 1 + x at all); elsewhere log(u) + (x - (u - 1)) / u with u = 1 + x, the second term the
 * first-order correction for the rounding of u (u - 1 is exact there).
 */
export function log1p(f: Fn, x: Code): Code {
  const xv = f.let(x), u = f.let(v.add(f.k(1), xv));
  const near = v.and(v.gt(xv, f.k(Math.SQRT1_2 - 1)), v.lt(xv, f.k(Math.SQRT2 - 1)));
  const far = v.add(log(f, u), v.div(v.sub(xv, v.sub(u, f.k(1))), u));
  const y = v.sel(near, logKernel(f, xv, null), far);
  // log1p(inf) = inf, log1p(-1) = -inf (the correction is NaN there); x < -1 gives log(u < 0) = NaN
  return v.sel(v.eq(xv, f.k(Infinity)), xv, v.sel(v.eq(xv, f.k(-1)), f.k(-Infinity), y));
}

/**
 * tanh(x) = m / (m + 2) with m = expm1(2|x|), signed as x: one formula for every |x|, as
 * expm1 keeps its relative accuracy near 0. 2|x| is clamped to 20 (tanh = 1 in float32 from
 * |x| = 9.02), so 2^n needs one factor and m = 2^n q + (2^n - 1) is accurate to ~1 ulp (2^n - 1
 * rounds for n > 24, where it is ~2^n anyway).
 */
export function tanh(f: Fn, x: Code): Code {
  const xv = f.let(x), a2 = f.let(v.add(v.abs(xv), v.abs(xv)));
  const { q, ni } = expParts(f, a2, f.let(v.pmin(a2, f.k(20))));
  const t = f.let(v.shl(v.iadd(ni, f.ki(127)), 23));
  const m = f.let(v.add(v.mul(t, q), v.sub(t, f.k(1))));
  return copysign(f, v.div(m, v.add(m, f.k(2))), xv);
}

/** logistic(x) = 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below: e^-|x| never overflows. */
export function logistic(f: Fn, x: Code): Code {
  const xv = f.let(x), e = f.let(exp(f, v.neg(v.abs(xv))));
  return v.div(v.sel(v.ge(xv, f.k(0)), f.k(1), e), v.add(f.k(1), e));
}

/** Index of the imported scalar fallbacks (float64 Math.sin / cos / tan) in every module. */
export const IMPORTED = ["sin", "cos", "tan"] as const;
/** Above this |x| the reduction by pi/2 below loses accuracy (k must stay < 2^20): Math.* per lane. */
const TRIG_MAX = 1e6;
// pi/2 = PIO2_1 + PIO2_1T: the first 33 bits, so k PIO2_1 is exact for k < 2^20, and the rest
// (fdlibm's e_rem_pio2.c constants, ~86 bits in all).
const PIO2_1 = 1.57079632673412561417, PIO2_1T = 6.07710050650619224932e-11;

/**
 * sin, cos or tan. x = k pi/2 + r with |r| <= pi/4, reduced in float64 (the two halves of the
 * vector as f64x2), so r is accurate even where x is near a multiple of pi/2; then Cephes'
 * sinf/cosf polynomials on r in float32, chosen and signed by k mod 4.
 */
export function trig(f: Fn, x: Code, which: "sin" | "cos" | "tan"): Code {
  const xv = f.let(x);
  const half = (h: Code) => {
    const d = f.let(h), k = f.let(v.dnearest(v.dmul(d, f.k64(2 / Math.PI))));
    return { k, r: v.dsub(v.dsub(d, v.dmul(k, f.k64(PIO2_1))), v.dmul(k, f.k64(PIO2_1T))) };
  };
  const lo = half(v.promote(xv)), hi = half(v.promote(v.highs(xv)));
  const r = f.let(v.lows(v.demote(lo.r), v.demote(hi.r)));
  const q = f.let(v.lows(v.dtoInt(lo.k), v.dtoInt(hi.k)));
  const z = f.let(v.mul(r, r));
  const s = f.let(v.add(r, v.mul(v.mul(r, z), horner(f, z, [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1]))));
  const c = f.let(v.add(v.sub(f.k(1), v.mul(f.k(0.5), z)), v.mul(v.mul(z, z), horner(f, z, [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2]))));
  const odd = f.let(v.ieq(v.and(q, f.ki(1)), f.ki(1)));
  let y: Code;
  // sin: (s, c, -s, -c) for k mod 4 = 0..3; cos: (c, -s, -c, s); tan: s/c or -c/s.
  if (which === "sin") y = v.xor(v.sel(odd, c, s), v.shl(v.and(q, f.ki(2)), 30));
  else if (which === "cos") y = v.xor(v.sel(odd, s, c), v.shl(v.and(v.iadd(q, f.ki(1)), f.ki(2)), 30));
  else y = v.sel(odd, v.div(v.neg(c), s), v.div(s, c));
  // sin x = tan x = x to float32 precision for |x| < 2^-13 (this also keeps the sign of -0).
  if (which !== "cos") y = v.sel(v.lt(v.abs(xv), f.k(2 ** -13)), xv, y);
  const out = f.local(V128);
  f.e(y, local.set(out));
  // Lanes beyond TRIG_MAX (and +-inf) call float64 Math.* through an import, rarely.
  const far = f.let(v.gt(v.abs(xv), f.k(TRIG_MAX)));
  let lanes = xv;
  for (let i = 0; i < 4; i++) lanes = v.replace(lanes, i, [...v.extract(xv, i), 0xbb, 0x10, ...u32(IMPORTED.indexOf(which)), 0xb6]);
  f.e(v.anyTrue(far), [0x04, 0x40], v.sel(far, lanes, local.get(out)), local.set(out), [0x0b]);
  return local.get(out);
}

/** The SIMD code of each float32 primitive this module computes, over operand expressions. */
export const SIMD_OPS: Record<string, (f: Fn, xs: Code[]) => Code> = {
  neg: (_f, [x]) => v.neg(x),
  abs: (_f, [x]) => v.abs(x),
  sqrt: (_f, [x]) => v.sqrt(x),
  floor: (_f, [x]) => v.floor(x),
  ceil: (_f, [x]) => v.ceil(x),
  round: (_f, [x]) => v.nearest(x),
  sign: (f, [x]) => { const t = f.let(x); return v.sel(v.gt(t, f.k(0)), f.k(1), v.sel(v.lt(t, f.k(0)), f.k(-1), t)); },
  exp: (f, [x]) => exp(f, x),
  log: (f, [x]) => log(f, x),
  expm1: (f, [x]) => expm1(f, x),
  log1p: (f, [x]) => log1p(f, x),
  tanh: (f, [x]) => tanh(f, x),
  logistic: (f, [x]) => logistic(f, x),
  sin: (f, [x]) => trig(f, x, "sin"),
  cos: (f, [x]) => trig(f, x, "cos"),
  tan: (f, [x]) => trig(f, x, "tan"),
  add: (_f, [a, b]) => v.add(a, b),
  sub: (_f, [a, b]) => v.sub(a, b),
  mul: (_f, [a, b]) => v.mul(a, b),
  div: (_f, [a, b]) => v.div(a, b),
  // wasm's min/max are IEEE 754-2019 minimum/maximum: NaN if either is, and -0 < +0, as the JS kernels.
  max: (_f, [a, b]) => v.max(a, b),
  min: (_f, [a, b]) => v.min(a, b),
  // comparisons give lane masks, which only select_n reads (bool arrays never enter a module)
  eq: (_f, [a, b]) => v.eq(a, b), ne: (_f, [a, b]) => v.ne(a, b),
  lt: (_f, [a, b]) => v.lt(a, b), le: (_f, [a, b]) => v.le(a, b),
  gt: (_f, [a, b]) => v.gt(a, b), ge: (_f, [a, b]) => v.ge(a, b),
  select_n: (_f, [p, a, b]) => v.sel(p, b, a),
};

/**
 * Primitives whose float32 results here differ from Math.* rounded to float32 (the others are
 * exact in both): with WebAssembly SIMD present, float32 arrays run these through the SIMD
 * kernels only, in eager and in jit alike, so the two stay bit-identical.
 */
export const SIMD_ONLY = new Set(["exp", "log", "expm1", "log1p", "tanh", "logistic", "sin", "cos", "tan"]);
