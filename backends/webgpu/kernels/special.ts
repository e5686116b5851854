// Special functions on WebGPU, float32, one thread per element (rank-0 operands broadcast):
// erf_inv and random_gamma_grad, ports of backends/cpu/special.ts evaluated in float32
// (so a few ulp to ~1e-5 relative from the CPU's float64-then-rounded values).
// random_gamma and random_poisson have no WGSL kernel and run on the CPU: their samples
// must not depend on the device, and the CPU draws them with float64 arithmetic (float64
// erfinv/log/pow rounded to float32 at each step of Marsaglia-Tsang, float64 sums in
// Knuth's and Hormann's Poisson samplers). Reproducing those roundings bit for bit needs
// float64 (or correctly rounded float32 log/pow/erfinv) on the GPU, which WGSL lacks: its
// log/pow/division carry ulp error bounds and drivers may contract a*b+c into an FMA, so
// any accept/reject decision near its boundary could flip and change every later draw.
import type { ShapedArray } from "../../../core/aval";
import { bindings, grid, KernelBuilder, type KernelCode, module, WORKGROUP } from "../emit";

const SPECIAL = /* wgsl */ `
fn s_erfinv(y: f32) -> f32 {
  // M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), single precision.
  if (g_isnan(y) || abs(y) > 1.0) { return g_nan(); }
  if (abs(y) == 1.0) { return y * g_inf(); }
  // w = -log(1 - y^2); log1p keeps its precision for small y.
  var w: f32;
  if (abs(y) < 0.5) { w = -g_log1p(-y * y); } else { w = -log((1.0 - y) * (1.0 + y)); }
  var p: f32;
  if (w < 5.0) {
    w = w - 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w; p = -3.5233877e-06 + p * w; p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w; p = -0.00125372503 + p * w; p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w; p = 1.50140941 + p * w;
  } else {
    w = sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w; p = 0.00134934322 + p * w; p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w; p = -0.0076224613 + p * w; p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w; p = 2.83297682 + p * w;
  }
  return p * y;
}
fn s_digamma(x0: f32) -> f32 {
  // Recurrence up to x >= 10, then the asymptotic series ln x - 1/2x - sum B_2k / (2k x^2k).
  var x = x0; var acc = 0.0;
  loop { if (x >= 10.0) { break; } acc = acc - 1.0 / x; x = x + 1.0; }
  let x2 = 1.0 / (x * x);
  let series = x2 * (1.0 / 12.0 - x2 * (1.0 / 120.0 - x2 * (1.0 / 252.0 - x2 * (1.0 / 240.0 - x2 / 132.0))));
  return acc + log(x) - 0.5 / x - series;
}
fn s_gamma_grad(a: f32, x: f32) -> f32 {
  // dx/da of x ~ Gamma(a, 1) at fixed CDF value: -(dP(a, x)/da) / p(x; a), with the common
  // factor x^a e^-x / Gamma(a) cancelled (backends/cpu/special.ts gammaSampleGrad).
  if (g_isnan(a) || g_isnan(x) || a <= 0.0) { return g_nan(); }
  if (x <= 0.0) { return 0.0; }
  if (!g_isfinite(x)) { return g_inf(); }
  let lx = log(x);
  let psi = s_digamma(a);
  let eps = 5.9604645e-08;
  if (x > 1.0 && x > a) {
    // Q = ax F with F the Legendre continued fraction (modified Lentz), dF/da in forward
    // mode: dx/da = x (F (ln x - psi(a)) + dF/da).
    let tiny = 1e-30;
    var b = x + 1.0 - a; var c = 1.0 / tiny; var dc = 0.0; var d = 1.0 / b; var dd = d * d;
    var h = d; var dh = dd;
    for (var i = 1; i < 10000; i = i + 1) {
      let fi = f32(i);
      let an = -fi * (fi - a);
      b = b + 2.0;
      var D = an * d + b;
      let dD = fi * d + an * dd - 1.0;
      if (abs(D) < tiny) { D = tiny; }
      var C = b + an / c;
      let dC = -1.0 + fi / c - (an * dc / c) / c;
      if (abs(C) < tiny) { C = tiny; }
      d = 1.0 / D; dd = -dD * d * d;
      c = C; dc = dC;
      let del = d * c; let ddel = dd * c + d * dc;
      dh = dh * del + h * ddel;
      h = h * del;
      if (abs(del - 1.0) <= eps && abs(ddel * h) <= eps * abs(dh)) { break; }
    }
    return x * (h * (lx - psi) + dh);
  }
  // P = ax / a * S, S = sum c_k, c_k = c_(k-1) x / (a + k): dx/da = -(x/a)((ln x - psi - 1/a) S + dS/da).
  var c = 1.0; var dc = 0.0; var S = 1.0; var dS = 0.0;
  for (var k = 1; k < 10000; k = k + 1) {
    let r = a + f32(k);
    c = c * (x / r);
    dc = dc * (x / r) - c / r;
    S = S + c; dS = dS + dc;
    if (c <= eps * S && abs(dc) <= eps * abs(dS)) { break; }
  }
  return -(x / a) * ((lx - psi - 1.0 / a) * S + dS);
}
`;

/** An elementwise float32 kernel calling `fn(operands...)`. */
function elementwise(fn: string) {
  return (ins: readonly ShapedArray[], _p: unknown, [out]: readonly ShapedArray[]): KernelCode | null => {
    if (out.dtype !== "float32" || ins.some((a) => a.dtype !== "float32")) return null;
    const k = new KernelBuilder({}, [...ins]);
    k.line(`let i = (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid.x;`);
    k.line(`if (i >= ${out.size}u) { return; }`);
    k.line(`out0[i] = ${fn}(${ins.map((a, j) => `in${j}[${a.ndim === 0 ? "0u" : "i"}]`).join(", ")});`);
    return { code: module(bindings(ins, [out]), k.body(), [SPECIAL]), wg: grid(Math.ceil(out.size / WORKGROUP)) };
  };
}

export const erfInvKernel = elementwise("s_erfinv");
export const randomGammaGradKernel = elementwise("s_gamma_grad");
