// Complex64 elementwise math in WGSL (values are vec2<f32> = (re, im)): the formulas of the
// CPU's complex kernels (backends/cpu/complex.ts), evaluated in float32. `COMPLEX_PRELUDE`
// holds the helper functions (they call the PRELUDE's g_* / c_* helpers of wgsl.ts, so it
// must be appended to PRELUDE); `COMPLEX_ELEMENTWISE` maps a primitive to the WGSL
// expression of its complex result, the `c` argument of wgsl.ts's `fl`. No imports: wgsl.ts
// imports this file.

export const COMPLEX_PRELUDE = /* wgsl */ `
fn cx_sincos(x: f32) -> vec2<f32> {
  // (sin x, cos x) to about an ulp (GPU sin/cos need only be within 2^-11 absolutely):
  // Cody-Waite reduction by pi/2 in three parts, Cephes sinf/cosf polynomials on [-pi/4, pi/4].
  if (!(abs(x) < 8192.0)) { return vec2<f32>(sin(x), cos(x)); }
  let k = round(x * 0.6366197723675814);
  let r = ((x - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.54978995489188216e-8;
  let z = r * r;
  let s = r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  switch (i32(k) & 3) {
    case 0: { return vec2<f32>(s, c); }
    case 1: { return vec2<f32>(c, -s); }
    case 2: { return vec2<f32>(-s, -c); }
    default: { return vec2<f32>(-c, s); }
  }
}
fn cx_atan(t: f32) -> f32 {
  // atan for t >= 0: Cephes atanf (reduction to |t| <= tan(pi/8), odd polynomial).
  var x = t; var y0 = 0.0;
  if (t > 2.414213562373095) { y0 = 1.5707963267948966; x = -1.0 / t; }
  else if (t > 0.4142135623730950) { y0 = 0.7853981633974483; x = (t - 1.0) / (t + 1.0); }
  let z = x * x;
  return y0 + ((((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z - 3.33329491539e-1) * z * x + x);
}
fn cx_atan2(y: f32, x: f32) -> f32 {
  // C99 atan2 (signed zeros, infinities); GPU atan2 may be thousands of ulp off.
  if (g_isnan(x) || g_isnan(y)) { return g_nan(); }
  let neg = cx_signbit(y);
  var a: f32;
  if (y == 0.0) { a = select(0.0, 3.1415927410125732, cx_signbit(x)); }
  else if (x == 0.0) { a = 1.5707963267948966; }
  else if (!g_isfinite(x)) {
    if (!g_isfinite(y)) { a = select(0.7853981633974483, 2.356194490192345, x < 0.0); }
    else { a = select(0.0, 3.1415927410125732, x < 0.0); }
  } else if (!g_isfinite(y)) { a = 1.5707963267948966; }
  else {
    a = cx_atan(abs(y) / abs(x));
    if (x < 0.0) { a = 3.1415927410125732 - a; }
  }
  return select(a, -a, neg);
}
fn cx_hypot(x: f32, y: f32) -> f32 { return c_abs(vec2<f32>(x, y)); }
fn cx_signbit(x: f32) -> bool { return (bitcast<u32>(x) >> 31u) == 1u; }
fn cx_exp(z: vec2<f32>) -> vec2<f32> {
  // A real argument stays real (exp(inf + 0i) = inf, not inf * sin(0) = NaN).
  if (z.y == 0.0) { return vec2<f32>(exp(z.x), z.y); }
  let e = exp(z.x); let sc = cx_sincos(z.y);
  return vec2<f32>(e * sc.y, e * sc.x);
}
fn cx_log(z: vec2<f32>) -> vec2<f32> {
  let h = cx_hypot(z.x, z.y);
  // Near |z| = 1, log|z| = log1p(|z|^2 - 1) / 2 keeps its relative precision.
  var re = log(h);
  if (h > 0.7 && h < 1.5) { re = 0.5 * g_log1p((z.x - 1.0) * (z.x + 1.0) + z.y * z.y); }
  if (h == 0.0) { re = -g_inf(); }
  if (!g_isfinite(h)) { re = h; }
  return vec2<f32>(re, cx_atan2(z.y, z.x));
}
fn cx_log1p(z: vec2<f32>) -> vec2<f32> {
  if (cx_hypot(z.x, z.y) < 0.5) {
    return vec2<f32>(0.5 * g_log1p(z.x * (2.0 + z.x) + z.y * z.y), cx_atan2(z.y, 1.0 + z.x));
  }
  return cx_log(vec2<f32>(1.0 + z.x, z.y));
}
fn cx_expm1(z: vec2<f32>) -> vec2<f32> {
  // Re(exp(z) - 1) = expm1(x) cos y - 2 sin^2(y / 2), exact near 0.
  let s = cx_sincos(z.y * 0.5).x; let sc = cx_sincos(z.y);
  return vec2<f32>(g_expm1(z.x) * sc.y - 2.0 * s * s, exp(z.x) * sc.x);
}
fn cx_sqrt(z: vec2<f32>) -> vec2<f32> {
  // Principal root: branch cut on the negative real axis, the sign of im (also -0) kept.
  let x = z.x; let y = z.y;
  if (x == 0.0 && y == 0.0) { return vec2<f32>(0.0, y); }
  if (!g_isfinite(y) && !g_isnan(y)) { return vec2<f32>(g_inf(), y); }
  let t = sqrt(abs(x) * 0.5 + cx_hypot(x, y) * 0.5);
  if (x >= 0.0) { return vec2<f32>(t, y / (2.0 * t)); }
  let neg = y < 0.0 || (y == 0.0 && cx_signbit(y));
  return vec2<f32>(abs(y) / (2.0 * t), select(t, -t, neg));
}
fn cx_sin(z: vec2<f32>) -> vec2<f32> { let sc = cx_sincos(z.x); return vec2<f32>(sc.x * g_cosh(z.y), sc.y * g_sinh(z.y)); }
fn cx_cos(z: vec2<f32>) -> vec2<f32> { let sc = cx_sincos(z.x); return vec2<f32>(sc.y * g_cosh(z.y), -sc.x * g_sinh(z.y)); }
fn cx_sinh(z: vec2<f32>) -> vec2<f32> { let sc = cx_sincos(z.y); return vec2<f32>(g_sinh(z.x) * sc.y, g_cosh(z.x) * sc.x); }
fn cx_cosh(z: vec2<f32>) -> vec2<f32> { let sc = cx_sincos(z.y); return vec2<f32>(g_cosh(z.x) * sc.y, g_sinh(z.x) * sc.x); }
fn cx_tanh(z: vec2<f32>) -> vec2<f32> {
  // tanh(x + iy) = (sinh 2x + i sin 2y) / (cosh 2x + cos 2y), with the large-|x| limit.
  let x = z.x; let y = z.y;
  let sc = cx_sincos(y);
  if (abs(x) > 20.0) { return vec2<f32>(sign(x), 4.0 * sc.x * sc.y * exp(-2.0 * abs(x))); }
  let sc2 = cx_sincos(2.0 * y);
  let d = g_cosh(2.0 * x) + sc2.y;
  return vec2<f32>(g_sinh(2.0 * x) / d, sc2.x / d);
}
fn cx_tan(z: vec2<f32>) -> vec2<f32> {
  // tan z = -i tanh(i z).
  let t = cx_tanh(vec2<f32>(-z.y, z.x));
  return vec2<f32>(t.y, -t.x);
}
fn cx_div(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  // Division by 0 gives (re / 0, im / 0) componentwise, as the CPU; otherwise Smith's c_div.
  if (b.x == 0.0 && b.y == 0.0) { return vec2<f32>(cx_div0(a.x), cx_div0(a.y)); }
  return c_div(a, b);
}
fn cx_div0(x: f32) -> f32 { if (x == 0.0 || g_isnan(x)) { return g_nan(); } return select(g_inf(), -g_inf(), x < 0.0); }
fn cx_ipow(z: vec2<f32>, n: i32) -> vec2<f32> {
  var r = vec2<f32>(1.0, 0.0); var b = z; var e = abs(n);
  loop {
    if (e <= 0) { break; }
    if ((e & 1) == 1) { r = c_mul(r, b); }
    b = c_mul(b, b);
    e = e >> 1u;
  }
  if (n < 0) { return cx_div(vec2<f32>(1.0, 0.0), r); }
  return r;
}
fn cx_pow(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  if (b.x == 0.0 && b.y == 0.0) { return vec2<f32>(1.0, 0.0); }
  if (a.x == 0.0 && a.y == 0.0) {
    if (b.x > 0.0 && b.y == 0.0) { return vec2<f32>(0.0, 0.0); }
    return vec2<f32>(g_nan(), g_nan());
  }
  // Small integer exponents by repeated squaring, as the CPU (and NumPy) do.
  if (b.y == 0.0 && trunc(b.x) == b.x && abs(b.x) <= 100.0) { return cx_ipow(a, i32(b.x)); }
  return cx_exp(c_mul(cx_log(a), b));
}
`;

/** The complex64 WGSL expression of each elementwise primitive with complex operands. */
export const COMPLEX_ELEMENTWISE: Record<string, (xs: string[]) => string> = {
  exp: ([x]) => `cx_exp(${x})`,
  log: ([x]) => `cx_log(${x})`,
  log1p: ([x]) => `cx_log1p(${x})`,
  expm1: ([x]) => `cx_expm1(${x})`,
  sqrt: ([x]) => `cx_sqrt(${x})`,
  sin: ([x]) => `cx_sin(${x})`,
  cos: ([x]) => `cx_cos(${x})`,
  tan: ([x]) => `cx_tan(${x})`,
  sinh: ([x]) => `cx_sinh(${x})`,
  cosh: ([x]) => `cx_cosh(${x})`,
  tanh: ([x]) => `cx_tanh(${x})`,
  pow: ([a, b]) => `cx_pow(${a}, ${b})`,
  abs: ([x]) => `c_abs(${x})`,
  neg: ([x]) => `(-${x})`,
  add: ([a, b]) => `(${a} + ${b})`,
  sub: ([a, b]) => `(${a} - ${b})`,
  mul: ([a, b]) => `c_mul(${a}, ${b})`,
  div: ([a, b]) => `cx_div(${a}, ${b})`,
};
