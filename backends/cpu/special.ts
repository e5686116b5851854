// Scalar special functions for the CPU kernels of erf_inv, nextafter and random_gamma_grad
// (and the samplers in ./random.ts): erfc, erfinv, digamma, lgamma, and the derivative of
// a gamma sample with respect to its shape. Everything is computed in float64.
import { erf } from "./math";
import { alloc, type CpuIn, type Kernel } from "./util";

const SQRT_PI = Math.sqrt(Math.PI);
const EPS = 2 ** -53;
// Continued fractions stop when a step changes the value by less than this.
const TOL = 2 ** -60;

/**
 * erfc(x) to ~1e-15 relative: 1 - erf(x) where that does not cancel (x < 1), otherwise
 * erfc(x) = Q(1/2, x^2) with Q by the Legendre continued fraction (Cephes `igamc`):
 * Q(a, z) = z^a e^-z / Gamma(a) * cf(a, z), and z^(1/2) e^-z / Gamma(1/2) = x e^-x^2 / sqrt(pi).
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 1) return 1 - erf(x);
  if (x > 27.3) return 0; // below the smallest float64
  return (x * Math.exp(-x * x) / SQRT_PI) * igamcFraction(0.5, x * x)[0];
}

/**
 * The continued fraction of the upper regularised incomplete gamma function,
 * Q(a, x) = x^a e^-x / Gamma(a) * F(a, x), with
 * F = 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...))) (Numerical Recipes `gcf`),
 * evaluated by the modified Lentz method, and dF/da carried along in forward mode (for
 * the implicit gamma-sample gradient). Converges quickly for x > max(1, a).
 */
function igamcFraction(a: number, x: number): [number, number] {
  const tiny = 1e-300;
  let b = x + 1 - a, c = 1 / tiny, dc = 0, d = 1 / b, dd = d * d, h = d, dh = dd; // db/da = -1
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a); // d an/da = i
    b += 2;
    let D = an * d + b;
    const dD = i * d + an * dd - 1;
    if (Math.abs(D) < tiny) D = tiny;
    let C = b + an / c;
    const dC = -1 + i / c - (an * dc) / (c * c);
    if (Math.abs(C) < tiny) C = tiny;
    d = 1 / D; dd = -dD * d * d;
    c = C; dc = dC;
    const del = d * c, ddel = dd * c + d * dc;
    dh = dh * del + h * ddel;
    h *= del;
    if (Math.abs(del - 1) <= TOL && Math.abs(ddel * h) <= TOL * Math.abs(dh)) break;
  }
  return [h, dh];
}

/**
 * erfinv(y) for y in [-1, 1], to float64 accuracy: M. Giles' single-precision approximation
 * ("Approximating the erfinv function", GPU Computing Gems, 2011) as the start, then two
 * Halley steps on erf (|y| <= 0.5) or on erfc with q = 1 - |y| exact (|y| > 0.5), so the
 * tails keep their relative accuracy.
 */
export function erfinv(y: number): number {
  if (Number.isNaN(y) || y < -1 || y > 1) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  if (y === 0) return y;
  const a = Math.abs(y);
  let w = -Math.log((1 - a) * (1 + a)), p: number;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-8;
    p = 3.43273939e-7 + p * w; p = -3.5233877e-6 + p * w; p = -4.39150654e-6 + p * w;
    p = 0.00021858087 + p * w; p = -0.00125372503 + p * w; p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w; p = 1.50140941 + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    p = 0.000100950558 + p * w; p = 0.00134934322 + p * w; p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w; p = -0.0076224613 + p * w; p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w; p = 2.83297682 + p * w;
  }
  let x = p * a;
  const q = 1 - a;
  for (let k = 0; k < 30; k++) {
    // f(x) = erf(x) - a = q - erfc(x); f' = 2/sqrt(pi) e^-x^2; f''/f' = -2x (Halley's step).
    const f = a <= 0.5 ? erf(x) - a : q - erfc(x);
    const r = f / ((2 / SQRT_PI) * Math.exp(-x * x));
    const dx = r / (1 + x * r);
    x -= dx;
    if (Math.abs(dx) <= 1e-16 * x) break;
  }
  return y < 0 ? -x : x;
}

/** digamma psi(x) for x > 0: recurrence up to x >= 10, then the asymptotic series. */
export function digamma(x: number): number {
  if (Number.isNaN(x) || x <= 0) return x === 0 ? -Infinity : NaN;
  let acc = 0;
  while (x < 10) { acc -= 1 / x; x += 1; }
  const x2 = 1 / (x * x);
  // ln x - 1/2x - sum B_2k / (2k x^2k)
  const series = x2 * (1 / 12 - x2 * (1 / 120 - x2 * (1 / 252 - x2 * (1 / 240 - x2 * (1 / 132 - x2 * (691 / 32760 - x2 / 12))))));
  return acc + Math.log(x) - 0.5 / x - series;
}

/** log Gamma(x) for x > 0: shift up to x >= 10, then Stirling's series. */
export function lgamma(x: number): number {
  if (Number.isNaN(x) || x <= 0) return x === 0 ? Infinity : NaN;
  if (x === 1 || x === 2) return 0;
  let shift = 1;
  while (x < 10) { shift *= x; x += 1; }
  const x2 = 1 / (x * x);
  const series = (1 / x) * (1 / 12 - x2 * (1 / 360 - x2 * (1 / 1260 - x2 * (1 / 1680 - x2 * (1 / 1188 - x2 * (691 / 360360 - x2 / 156))))));
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - Math.log(shift);
}

/**
 * d x / d a for x ~ Gamma(a, 1) at fixed CDF value (the implicit reparameterisation
 * gradient, JAX's `random_gamma_grad`): dx/da = -(dP(a, x)/da) / p(x; a). P is the lower
 * regularised incomplete gamma; dP/da is P's series (x <= max(1, a)) or continued fraction
 * (otherwise) differentiated in forward mode. The common factor x^a e^-x / Gamma(a)
 * cancels against the density, so nothing underflows.
 */
export function gammaSampleGrad(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0) return NaN;
  if (x <= 0) return 0;
  if (x === Infinity) return Infinity;
  const lx = Math.log(x), psi = digamma(a);
  if (x > 1 && x > a) {
    // Q = ax * F: dx/da = dQ/da / p = x (F (ln x - psi(a)) + dF/da).
    const [F, dF] = igamcFraction(a, x);
    return x * (F * (lx - psi) + dF);
  }
  // P = ax / a * S, S = sum_k c_k, c_0 = 1, c_k = c_{k-1} x / (a + k):
  // dx/da = -(x / a) ((ln x - psi(a) - 1/a) S + dS/da).
  let c = 1, dc = 0, S = 1, dS = 0;
  for (let k = 1; k < 100000; k++) {
    const r = a + k;
    c *= x / r;
    dc = dc * (x / r) - c / r;
    S += c; dS += dc;
    if (c <= EPS * S && Math.abs(dc) <= EPS * Math.abs(dS)) break;
  }
  return -(x / a) * ((lx - psi - 1 / a) * S + dS);
}

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);

/** The next representable value after x toward y, in float32 or float64 (C nextafter). */
export function nextafter(x: number, y: number, single: boolean): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === y) return y;
  if (x === 0) return (y > 0 ? 1 : -1) * (single ? 2 ** -149 : 2 ** -1074);
  const up = (y > x) === (x > 0);
  if (single) {
    f32[0] = x; u32[0] = up ? u32[0] + 1 : u32[0] - 1; return f32[0];
  }
  f64[0] = x; u64[0] = up ? u64[0] + 1n : u64[0] - 1n; return f64[0];
}

const at = (x: CpuIn, i: number) => (x.aval.ndim === 0 ? x.data[0] : x.data[i]);

export const specialKernels = {
  erf_inv: (([x], _p, [outAval]) => {
    const out = alloc(outAval), xs = x.data;
    for (let i = 0; i < out.length; i++) out[i] = erfinv(xs[i]);
    return [out];
  }) as Kernel<{}>,
  nextafter: (([x, y], _p, [outAval]) => {
    const out = alloc(outAval), single = outAval.dtype === "float32";
    for (let i = 0; i < out.length; i++) out[i] = nextafter(at(x, i), at(y, i), single);
    return [out];
  }) as Kernel<{}>,
  random_gamma_grad: (([a, x], _p, [outAval]) => {
    const out = alloc(outAval);
    for (let i = 0; i < out.length; i++) out[i] = gammaSampleGrad(at(a, i), at(x, i));
    return [out];
  }) as Kernel<{}>,
};
