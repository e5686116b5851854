// WGSL types for graft dtypes and the scalar expression of every elementwise primitive.
// Storage: bool is one u32 per element (WGSL cannot store bool), complex64 is vec2<f32>
// (re, im) — the same interleaved layout as the CPU's Float32Array.
import type { DType } from "../../core/dtype";
import { UnsupportedOnBackendError } from "../../core/errors";
import { COMPLEX_ELEMENTWISE, COMPLEX_PRELUDE } from "./complex";

/** The WGSL type a value has inside a kernel. */
export function valueType(d: DType): string {
  switch (d) {
    case "float32": return "f32";
    case "int32": return "i32";
    case "uint32": return "u32";
    case "bool": return "bool";
    case "complex64": return "vec2<f32>";
    case "float16": return "f16";
    default:
      throw new UnsupportedOnBackendError(
        `webgpu: dtype ${d} is not supported on WebGPU (WGSL has no 64-bit floats); ` +
        `run this computation on the CPU backend (devicePut(x, "cpu")) or use float32/complex64.`);
  }
}
/** The WGSL element type of a storage array. */
export const storageType = (d: DType): string => (d === "bool" ? "u32" : valueType(d));
/** Bytes per element in a GPU buffer. */
export const gpuItemSize = (d: DType): number => (d === "complex64" ? 8 : 4);   // float16 is held as f32 (half.ts)
export const load = (d: DType, e: string): string => (d === "bool" ? `(${e} != 0u)` : e);
export const store = (d: DType, e: string): string => (d === "bool" ? `select(0u, 1u, ${e})` : e);

/** A WGSL literal of `v` in dtype `d`. */
export function literal(v: number, d: DType): string {
  switch (d) {
    case "bool": return v ? "true" : "false";
    case "int32": return `i32(${v | 0})`;
    case "uint32": return `${v >>> 0}u`;
    case "complex64": return `vec2<f32>(${f32(v)}, 0.0)`;
    default: return f32(v);
  }
}
function f32(v: number): string {
  // NaN and infinities cannot be constant expressions in WGSL; these read private vars.
  if (Number.isNaN(v)) return "g_nan()";
  if (v === Infinity) return "g_inf()";
  if (v === -Infinity) return "(-g_inf())";
  if (Object.is(v, -0)) return "bitcast<f32>(0x80000000u)";
  const b = new Uint32Array(new Float32Array([v]).buffer)[0];
  // Out-of-range literals are errors in WGSL; the bit pattern is exact and always legal.
  return Math.abs(v) > 3e38 || (v !== 0 && Math.abs(v) < 1e-37) ? `bitcast<f32>(${b}u)` : `f32(${String(Math.fround(v))})`.replace(/^f32\((-?\d+)\)$/, "f32($1.0)");
}

/** Helper functions every kernel may call (WGSL drops the unused ones). */
export const PRELUDE = /* wgsl */ `
fn g_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn g_isfinite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }
var<private> g_qnan: u32 = 0x7fc00000u;
var<private> g_pinf: u32 = 0x7f800000u;
fn g_nan() -> f32 { return bitcast<f32>(g_qnan); }
fn g_inf() -> f32 { return bitcast<f32>(g_pinf); }
fn g_expm1(x: f32) -> f32 {
  let u = g_exp(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  if (!g_isfinite(u)) { return u; }
  return um1 * x / g_log(u);
}
// log1p = 2 atanh(s), s = x / (2 + x), as an odd series in s for |x| < 1/2 (|s| <= 1/3;
// <= 1.9 ulp). Goldberg's log(u)·x/(u − 1) is not used: shader compilers may fold u − 1 to x.
fn g_log1p(x: f32) -> f32 {
  if (x < -1.0) { return g_nan(); }
  if (x == -1.0) { return -g_inf(); }
  if (abs(x) < 0.5) {
    let s = x / (2.0 + x);
    let z = s * s;
    var p = 1.0 / 17.0;
    p = p * z + 1.0 / 15.0; p = p * z + 1.0 / 13.0; p = p * z + 1.0 / 11.0; p = p * z + 1.0 / 9.0;
    p = p * z + 1.0 / 7.0; p = p * z + 1.0 / 5.0; p = p * z + 1.0 / 3.0;
    return 2.0 * s + 2.0 * s * z * p;
  }
  return g_log(1.0 + x);
}
fn g_cosh(x: f32) -> f32 {
  if (g_isnan(x)) { return x; }
  let a = abs(x);
  if (a < 88.0) { let e = g_exp(a); return 0.5 * e + 0.5 / e; }
  let h = g_exp(0.5 * a);   // e^a overflows before cosh does
  return (0.5 * h) * h;
}
fn g_cbrt(x: f32) -> f32 {
  if (x == 0.0 || !g_isfinite(x)) { return x; }
  var y = sign(x) * exp2(log2(abs(x)) / 3.0);
  y = y - (y * y * y - x) / (3.0 * y * y);
  return y;
}
// sin/cos/tan to a few ulp (WGSL only promises 2^-11 absolute): Cody-Waite reduction by
// pi/2 in three parts, then Cephes' single-precision minimax polynomials on [-pi/4, pi/4].
fn g_sincos_r(x: f32) -> vec2<f32> {
  let k = round(x * 0.63661977236758134);
  let r = ((x - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.54978995489188216e-8;
  let z = r * r;
  let s = r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  let q = u32(i32(k) & 3);
  if (q == 0u) { return vec2<f32>(s, c); }
  if (q == 1u) { return vec2<f32>(c, -s); }
  if (q == 2u) { return vec2<f32>(-s, -c); }
  return vec2<f32>(-c, s);
}
fn g_sin(x: f32) -> f32 { if (!g_isfinite(x)) { return g_nan(); } if (abs(x) > 1e5) { return sin(x); } return g_sincos_r(x).x; }
fn g_cos(x: f32) -> f32 { if (!g_isfinite(x)) { return g_nan(); } if (abs(x) > 1e5) { return cos(x); } return g_sincos_r(x).y; }
fn g_tan(x: f32) -> f32 { if (!g_isfinite(x)) { return g_nan(); } if (abs(x) > 1e5) { return tan(x); } let sc = g_sincos_r(x); return sc.x / sc.y; }
// exp, tanh, asin/acos/atan/atan2 to a few ulp from Cephes' single-precision algorithms
// (WGSL's builtins only promise errors of thousands of ulp for some of these).
// exp, tanh and the logistic have no branches: SIMD emulators such as SwiftShader run both
// sides of one anyway, and GPUs diverge. Special cases are selected at the end; the values
// computed for them meanwhile are discarded (WGSL may make them indeterminate, never traps).
/** exp(x) for -103.97 <= x <= 88.73: p(r) 2^n with x = n ln2 + r, |r| <= ln2 / 2. */
fn g_exp_r(x: f32) -> f32 {
  let n = round(x * 1.44269504088896341);
  let r = (x - n * 0.693359375) - n * -2.12194440e-4;
  let p = ((((((1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r + 4.1665795894e-2) * r
    + 1.6666665459e-1) * r + 5.0000001201e-1) * r * r + r) + 1.0;
  // n + 1.5 * 2^23 is exact for integers |n| < 2^22 and its low bits are n in two's
  // complement: i32(n) without the clamping conversion compilers emit (4x the cost here).
  // 2^n in two factors 2^h 2^(n-h), both normal for n in [-150, 128]; p 2^h is exact, so
  // the product rounds once (subnormal results included).
  let k = bitcast<i32>(n + 12582912.0) - 0x4b400000;
  let h = k >> 1u;
  return p * bitcast<f32>((h + 127) << 23u) * bitcast<f32>((k - h + 127) << 23u);
}
fn g_exp(x: f32) -> f32 {
  return select(select(select(g_exp_r(x), 0.0, x < -103.97208), g_inf(), x > 88.72284), x, g_isnan(x));
}
fn g_tanh(x: f32) -> f32 {
  let a = abs(x);
  let z = x * x;
  let small = ((((-5.70498872745e-3 * z + 2.06390887954e-2) * z - 5.37397155531e-2) * z + 1.33314422036e-1) * z - 3.33332819422e-1) * z * x + x;
  let big = sign(x) * (1.0 - 2.0 / (g_exp_r(2.0 * a) + 1.0));
  return select(select(select(big, sign(x), a > 9.0), small, a < 0.625), x, g_isnan(x));
}
fn g_asin_core(a: f32) -> f32 {
  // a in [0, 1]
  var z: f32; var s: f32; var big = a > 0.5;
  if (big) { z = 0.5 * (1.0 - a); s = sqrt(z); } else { z = a * a; s = a; }
  let p = ((((4.2163199048e-2 * z + 2.4181311049e-2) * z + 4.5470025998e-2) * z + 7.4953002686e-2) * z + 1.6666752422e-1) * z * s + s;
  if (big) { return 1.5707963267948966 - 2.0 * p; }
  return p;
}
fn g_asin(x: f32) -> f32 { if (!(abs(x) <= 1.0)) { return g_nan(); } return sign(x) * g_asin_core(abs(x)); }
fn g_acos(x: f32) -> f32 {
  if (!(abs(x) <= 1.0)) { return g_nan(); }
  if (x > 0.5) { return 2.0 * g_asin_core(sqrt(0.5 * (1.0 - x))); }
  if (x < -0.5) { return 3.14159265358979 - 2.0 * g_asin_core(sqrt(0.5 * (1.0 + x))); }
  return 1.5707963267948966 - sign(x) * g_asin_core(abs(x));
}
fn g_atan(x: f32) -> f32 {
  if (g_isnan(x)) { return x; }
  let a = abs(x);
  var y0 = 0.0; var t = a;
  if (a > 2.414213562373095) { y0 = 1.5707963267948966; t = -1.0 / a; }
  else if (a > 0.4142135623730950) { y0 = 0.7853981633974483; t = (a - 1.0) / (a + 1.0); }
  let z = t * t;
  let p = (((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z - 3.33329491539e-1) * z * t + t;
  return sign(x) * (y0 + p);
}
fn g_atan2(y: f32, x: f32) -> f32 {
  if (g_isnan(x) || g_isnan(y)) { return g_nan(); }
  if (x == 0.0) {
    if (y == 0.0) { return select(select(0.0, -0.0, bitcast<u32>(y) != 0u), select(3.14159265358979, -3.14159265358979, bitcast<u32>(y) != 0u), bitcast<u32>(x) != 0u); }
    return sign(y) * 1.5707963267948966;
  }
  if (!g_isfinite(x) || !g_isfinite(y)) { return atan2(y, x); }
  let t = g_atan(y / x);
  if (x > 0.0) { return t; }
  if (y >= 0.0 && bitcast<u32>(y) == bitcast<u32>(abs(y))) { return t + 3.14159265358979; }
  return t - 3.14159265358979;
}
fn g_sinh(x: f32) -> f32 {
  if (abs(x) < 0.5) { let x2 = x * x; return x * (1.0 + x2 / 6.0 * (1.0 + x2 / 20.0 * (1.0 + x2 / 42.0))); }
  return sinh(x);
}
fn g_asinh(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.5) { return sign(x) * g_log1p(a + a * a / (1.0 + sqrt(1.0 + a * a))); }
  if (a > 1e18) { return sign(x) * (g_log(a) + 0.6931471805599453); }
  return sign(x) * g_log(a + sqrt(a * a + 1.0));
}
fn g_sqrt(x: f32) -> f32 { if (x < 0.0) { return g_nan(); } return sqrt(x); }
fn g_log(x: f32) -> f32 {
  // WGSL leaves log of 0 and of negatives undefined (C99: -inf and NaN) and only promises
  // 2^-21 absolute accuracy; Cephes' logf on the mantissa gives ~1 ulp.
  if (g_isnan(x) || x < 0.0) { return g_nan(); }
  if (x == 0.0) { return -g_inf(); }
  if (!g_isfinite(x)) { return x; }
  if (x < 1.1754944e-38) { return log(x); }
  let bits = bitcast<u32>(x);
  var e = f32(i32((bits >> 23u) & 0xffu) - 126);
  var m = bitcast<f32>((bits & 0x007fffffu) | 0x3f000000u);
  var t: f32;
  if (m < 0.70710678118654752) { e = e - 1.0; t = 2.0 * m - 1.0; } else { t = m - 1.0; }
  let z = t * t;
  var y = ((((((((7.0376836292e-2 * t - 1.1514610310e-1) * t + 1.1676998740e-1) * t - 1.2420140846e-1) * t
    + 1.4249322787e-1) * t - 1.6668057665e-1) * t + 2.0000714765e-1) * t - 2.4999993993e-1) * t + 3.3333331174e-1) * t * z;
  y = y + -2.12194440e-4 * e - 0.5 * z;
  return t + y + 0.693359375 * e;
}
fn g_acosh(x: f32) -> f32 {
  if (x < 1.0) { return g_nan(); }
  if (x > 1e18) { return g_log(x) + 0.6931471805599453; }
  return g_log(x + sqrt(x * x - 1.0));
}
fn g_atanh(x: f32) -> f32 {
  if (abs(x) > 1.0) { return g_nan(); }
  if (abs(x) == 1.0) { return x * g_inf(); }
  return 0.5 * (g_log1p(x) - g_log1p(-x));
}
fn g_erf(x0: f32) -> f32 {
  // Rational approximation on [-4, 4] (erf is +-1 to f32 precision beyond).
  if (g_isnan(x0)) { return x0; }
  // |x| >= 2: 1 − erfc(|x|), erfc = e^(−x²)/x · P(1/x²) (fitted relative error 3e-8), so
  // values next to ±1 keep their last bits (<= 0.6 ulp); the rational form loses a few.
  let ax = abs(x0);
  if (ax >= 2.0) {
    if (ax >= 4.0) { return sign(x0); }
    let t = 1.0 / (ax * ax);
    var r = 2.01404244;
    r = r * t + -2.75146221; r = r * t + 1.82406644; r = r * t + -0.86930273;
    r = r * t + 0.41068879; r = r * t + -0.2816229; r = r * t + 0.5641819;
    return sign(x0) * (1.0 - g_exp(-ax * ax) * r / ax);
  }
  let x = x0;
  let x2 = x * x;
  var p = -2.72614225801306e-10;
  p = p * x2 + 2.77068142495902e-08;
  p = p * x2 + -2.10102402082508e-06;
  p = p * x2 + -5.69250639462346e-05;
  p = p * x2 + -7.34990630326855e-04;
  p = p * x2 + -2.95459980854025e-03;
  p = p * x2 + -1.60960333262415e-02;
  var q = -1.45660718464996e-05;
  q = q * x2 + -2.13374055278905e-04;
  q = q * x2 + -1.68282697438203e-03;
  q = q * x2 + -7.37332916720468e-03;
  q = q * x2 + -1.42647390514189e-02;
  return x * p / q;
}
fn g_logistic(x: f32) -> f32 {
  // 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below: never exp of a positive number.
  let e = g_exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}
fn g_sign(x: f32) -> f32 { if (g_isnan(x)) { return x; } return sign(x); }
fn g_max(a: f32, b: f32) -> f32 { if (g_isnan(a) || g_isnan(b)) { return g_nan(); } return max(a, b); }
fn g_min(a: f32, b: f32) -> f32 { if (g_isnan(a) || g_isnan(b)) { return g_nan(); } return min(a, b); }
fn g_round(x: f32) -> f32 { return round(x); }
fn g_rem(a: f32, b: f32) -> f32 {
  if (b == 0.0 || !g_isfinite(a) || g_isnan(b)) { return g_nan(); }
  if (!g_isfinite(b)) { return a; }
  return a - b * trunc(a / b);
}
fn g_pow(a: f32, b: f32) -> f32 {
  // C99 pow, which WGSL's pow (exp2(b * log2(a))) is not for a <= 0 or special values.
  if (a == 1.0 || b == 0.0) { return 1.0; }
  if (g_isnan(a) || g_isnan(b)) { return g_nan(); }
  if (a == -1.0 && !g_isfinite(b)) { return 1.0; }
  let ab = abs(a);
  if (!g_isfinite(b)) {
    if ((ab < 1.0) == (b > 0.0)) { return 0.0; }
    return g_inf();
  }
  let bInt = trunc(b) == b;
  let odd = bInt && abs(b) < 16777216.0 && (i32(abs(b)) & 1) == 1;
  if (a == 0.0) {
    if (b > 0.0) { return select(0.0, a, odd); }
    return select(g_inf(), 1.0 / a, odd);
  }
  if (a < 0.0 && !bInt) { return g_nan(); }
  if (!g_isfinite(a)) {
    let r = select(0.0, g_inf(), b > 0.0);
    return select(r, -r, a < 0.0 && odd);
  }
  let r = exp2(b * log2(ab));
  return select(r, -r, a < 0.0 && odd);
}
fn g_ipow_i32(a: i32, b: i32) -> i32 {
  if (b < 0) { if (a == 1) { return 1; } if (a == -1) { return select(-1, 1, (b & 1) == 0); } return 0; }
  var r = 1; var base = a; var e = b;
  loop { if (e <= 0) { break; } if ((e & 1) == 1) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}
fn g_ipow_u32(a: u32, b: u32) -> u32 {
  var r = 1u; var base = a; var e = b;
  loop { if (e == 0u) { break; } if ((e & 1u) == 1u) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}
fn g_div_i32(a: i32, b: i32) -> i32 { if (b == 0) { return 0; } if (b == -1) { return -a; } return a / b; }
fn g_rem_i32(a: i32, b: i32) -> i32 { if (b == 0 || b == -1) { return 0; } return a % b; }
fn g_div_u32(a: u32, b: u32) -> u32 { if (b == 0u) { return 0u; } return a / b; }
fn g_rem_u32(a: u32, b: u32) -> u32 { if (b == 0u) { return 0u; } return a % b; }
fn g_f2i(x: f32) -> i32 {
  // Truncate, then wrap modulo 2^32 as the CPU's Int32Array store does (exact: f32 values
  // past 2^24 are integers whose low bits survive the subtraction).
  if (!g_isfinite(x)) { return 0; }
  let t = trunc(x);
  if (abs(t) < 2147483648.0) { return i32(t); }
  return bitcast<i32>(u32(t - floor(t / 4294967296.0) * 4294967296.0));
}
fn g_f2u(x: f32) -> u32 { if (!g_isfinite(x)) { return 0u; } return bitcast<u32>(g_f2i(x)); }
fn g_nextafter(a: f32, b: f32) -> f32 {
  if (g_isnan(a) || g_isnan(b)) { return g_nan(); }
  if (a == b) { return b; }
  if (a == 0.0) { return select(bitcast<f32>(0x80000001u), bitcast<f32>(1u), b > 0.0); }
  let ua = bitcast<u32>(a);
  let up = (a < b) == (a > 0.0);
  return bitcast<f32>(select(ua - 1u, ua + 1u, up));
}
fn c_mul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> { return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }
fn c_div(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  // Smith's algorithm: no overflow from squaring |b|.
  if (abs(b.x) >= abs(b.y)) {
    let r = b.y / b.x; let d = b.x + b.y * r;
    return vec2<f32>((a.x + a.y * r) / d, (a.y - a.x * r) / d);
  }
  let r = b.x / b.y; let d = b.y + b.x * r;
  return vec2<f32>((a.x * r + a.y) / d, (a.y * r - a.x) / d);
}
fn c_abs(a: vec2<f32>) -> f32 {
  let m = max(abs(a.x), abs(a.y));
  if (m == 0.0 || !g_isfinite(m)) { return m + min(abs(a.x), abs(a.y)); }
  let x = a.x / m; let y = a.y / m;
  return m * sqrt(x * x + y * y);
}
fn c_exp(a: vec2<f32>) -> vec2<f32> { let r = exp(a.x); return vec2<f32>(r * g_cos(a.y), r * g_sin(a.y)); }
fn c_log(a: vec2<f32>) -> vec2<f32> { return vec2<f32>(g_log(c_abs(a)), atan2(a.y, a.x)); }
` + COMPLEX_PRELUDE;

type Ex = (xs: string[], d: DType) => string;

/** d is the dtype of the first operand (the inputs' common dtype). */
const fl = (f: (xs: string[]) => string, int?: (xs: string[]) => string, u?: (xs: string[]) => string, b?: (xs: string[]) => string,
  c?: (xs: string[]) => string): Ex => (xs, d) => {
  const g = d === "float32" || d === "float16" ? f : d === "int32" ? int : d === "uint32" ? u ?? int : d === "bool" ? b : d === "complex64" ? c : undefined;
  if (!g) throw new UnsupportedOnBackendError(`webgpu: no lowering for this operation on ${d}`);
  return g(xs);
};
const same = (f: (xs: string[]) => string): Ex => (xs) => f(xs);
const un = (name: string): Ex => fl(([x]) => `${name}(${x})`);

/** Elementwise primitives: the WGSL expression of the result in terms of the operands. */
export const ELEMENTWISE: Record<string, Ex> = {
  neg: fl(([x]) => `(-${x})`, ([x]) => `(-${x})`, ([x]) => `(0u - ${x})`, undefined, ([x]) => `(-${x})`),
  sign: fl(([x]) => `g_sign(${x})`, ([x]) => `sign(${x})`, ([x]) => `select(0u, 1u, ${x} > 0u)`),
  abs: fl(([x]) => `abs(${x})`, ([x]) => `abs(${x})`, ([x]) => x, undefined, ([x]) => `c_abs(${x})`),
  floor: un("floor"),
  ceil: un("ceil"),
  round: un("g_round"),
  exp: fl(([x]) => `g_exp(${x})`, undefined, undefined, undefined, ([x]) => `c_exp(${x})`),
  log: fl(([x]) => `g_log(${x})`, undefined, undefined, undefined, ([x]) => `c_log(${x})`),
  expm1: un("g_expm1"),
  log1p: un("g_log1p"),
  sqrt: un("g_sqrt"),
  cbrt: un("g_cbrt"),
  sin: un("g_sin"),
  cos: un("g_cos"),
  tan: un("g_tan"),
  asin: un("g_asin"),
  acos: un("g_acos"),
  atan: un("g_atan"),
  sinh: un("g_sinh"),
  cosh: un("g_cosh"),
  tanh: un("g_tanh"),
  asinh: un("g_asinh"),
  acosh: un("g_acosh"),
  atanh: un("g_atanh"),
  erf: un("g_erf"),
  logistic: un("g_logistic"),
  is_finite: un("g_isfinite"),
  not: fl(() => { throw new Error("not on float"); }, ([x]) => `(~${x})`, ([x]) => `(~${x})`, ([x]) => `(!${x})`),
  stop_gradient: same(([x]) => x),
  add: fl(([a, b]) => `(${a} + ${b})`, ([a, b]) => `(${a} + ${b})`, undefined, ([a, b]) => `(${a} || ${b})`, ([a, b]) => `(${a} + ${b})`),
  sub: fl(([a, b]) => `(${a} - ${b})`, ([a, b]) => `(${a} - ${b})`, undefined, undefined, ([a, b]) => `(${a} - ${b})`),
  mul: fl(([a, b]) => `(${a} * ${b})`, ([a, b]) => `(${a} * ${b})`, undefined, ([a, b]) => `(${a} && ${b})`, ([a, b]) => `c_mul(${a}, ${b})`),
  div: fl(([a, b]) => `(${a} / ${b})`, ([a, b]) => `g_div_i32(${a}, ${b})`, ([a, b]) => `g_div_u32(${a}, ${b})`, undefined, ([a, b]) => `c_div(${a}, ${b})`),
  rem: fl(([a, b]) => `g_rem(${a}, ${b})`, ([a, b]) => `g_rem_i32(${a}, ${b})`, ([a, b]) => `g_rem_u32(${a}, ${b})`),
  pow: fl(([a, b]) => `g_pow(${a}, ${b})`, ([a, b]) => `g_ipow_i32(${a}, ${b})`, ([a, b]) => `g_ipow_u32(${a}, ${b})`),
  max: fl(([a, b]) => `g_max(${a}, ${b})`, ([a, b]) => `max(${a}, ${b})`, undefined, ([a, b]) => `(${a} || ${b})`),
  min: fl(([a, b]) => `g_min(${a}, ${b})`, ([a, b]) => `min(${a}, ${b})`, undefined, ([a, b]) => `(${a} && ${b})`),
  atan2: un2("g_atan2"),
  nextafter: un2("g_nextafter"),
  and: fl(() => { throw new Error("and on float"); }, ([a, b]) => `(${a} & ${b})`, undefined, ([a, b]) => `(${a} && ${b})`),
  or: fl(() => { throw new Error("or on float"); }, ([a, b]) => `(${a} | ${b})`, undefined, ([a, b]) => `(${a} || ${b})`),
  xor: fl(() => { throw new Error("xor on float"); }, ([a, b]) => `(${a} ^ ${b})`, undefined, ([a, b]) => `(${a} != ${b})`),
  eq: cmp("=="), ne: cmp("!="), lt: cmp("<"), le: cmp("<="), gt: cmp(">"), ge: cmp(">="),
};
// complex64 versions of the transcendental functions (complex.ts).
for (const [p, c] of Object.entries(COMPLEX_ELEMENTWISE)) {
  const real = ELEMENTWISE[p];
  ELEMENTWISE[p] = (xs, d) => (d === "complex64" ? c(xs) : real(xs, d));
}
function un2(name: string): Ex { return fl(([a, b]) => `${name}(${a}, ${b})`); }
function cmp(op: string): Ex {
  return (xs, d) => {
    const [a, b] = xs;
    if (d === "complex64") {
      if (op === "==") return `all(${a} == ${b})`;
      if (op === "!=") return `any(${a} != ${b})`;
      throw new UnsupportedOnBackendError(`webgpu: complex numbers are not ordered (${op})`);
    }
    // bool compares as 0/1 (false < true).
    if (d === "bool" && op !== "==" && op !== "!=") return `(select(0u, 1u, ${a}) ${op} select(0u, 1u, ${b}))`;
    // Shader compilers may assume floats are never NaN and lower != as an ordered compare
    // (SwiftShader does: NaN != NaN came out false); the bit tests keep IEEE semantics.
    if (d === "float32" && op === "!=") return `(g_isnan(${a}) || g_isnan(${b}) || ${a} != ${b})`;
    if (d === "float32" && op === "==") return `(!g_isnan(${a}) && ${a} == ${b})`;
    return `(${a} ${op} ${b})`;
  };
}

/** `integer_pow` with a static exponent: repeated squaring, unrolled. */
export function integerPow(x: string, y: number, d: DType): string {
  const one = literal(1, d);
  if (y === 0) return one;
  const mul = d === "complex64" ? (a: string, b: string) => `c_mul(${a}, ${b})` : (a: string, b: string) => `(${a} * ${b})`;
  let e = Math.abs(y), base = x, acc = "";
  while (e > 0) {
    if (e & 1) acc = acc ? mul(acc, base) : base;
    e >>= 1;
    if (e) base = mul(base, base);
  }
  if (y > 0) return acc;
  return d === "complex64" ? `c_div(${one}, ${acc})` : `(${one} / ${acc})`;
}

/** `convert_element_type` from `from` to `to`. */
export function convert(x: string, from: DType, to: DType): string {
  if (from === to) return x;
  if (to === "bool") return from === "complex64" ? `any(${x} != vec2<f32>(0.0))` : from === "float32" ? `((bitcast<u32>(${x}) & 0x7fffffffu) != 0u)` : `(${x} != ${literal(0, from)})`;
  if (from === "bool") return `select(${literal(0, to)}, ${literal(1, to)}, ${x})`;
  if (to === "complex64") return `vec2<f32>(f32(${x}), 0.0)`;
  if (from === "complex64") return convert(`${x}.x`, "float32", to);
  if (from === "float32" && to === "int32") return `g_f2i(${x})`;
  if (from === "float32" && to === "uint32") return `g_f2u(${x})`;
  if ((from === "int32" && to === "uint32") || (from === "uint32" && to === "int32")) return `bitcast<${valueType(to)}>(${x})`;
  return `${valueType(to)}(${x})`;
}
