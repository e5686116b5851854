// CPU kernels for the random primitives: the Threefry-2x32 hash (Salmon et al., "Parallel
// random numbers: as easy as 1, 2, 3", SC 2011; 20 rounds, as JAX and Random123), and the
// per-element rejection samplers random_gamma (Marsaglia-Tsang) and random_poisson (Knuth /
// Hormann's PTRS). The samplers draw from their element's own key with the same key
// derivations and bits-to-float maps as the composite `random` functions (core/random).
import type { RandomGammaParams } from "../../core/primitives";
import { erfinv, lgamma } from "./special";
import { alloc, type CpuIn, type Kernel } from "./util";

const R0 = [13, 15, 26, 6], R1 = [17, 29, 16, 24];
const rotl = (v: number, r: number) => ((v << r) | (v >>> (32 - r))) >>> 0;

/** The scratch result of `threefry`: two uint32 words. */
const H = new Uint32Array(2);

/**
 * Threefry-2x32 with 20 rounds: encrypts the counter (x0, x1) under the key (k0, k1).
 * Key schedule ks = [k0, k1, k0 ^ k1 ^ 0x1BD11BDA]; after every 4 rounds inject
 * (ks[s % 3], ks[(s + 1) % 3] + s). Writes the two output words to `H`.
 */
export function threefry(k0: number, k1: number, x0: number, x1: number): Uint32Array {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ 0x1bd11bda) >>> 0];
  x0 = (x0 + ks[0]) >>> 0;
  x1 = (x1 + ks[1]) >>> 0;
  for (let s = 1; s <= 5; s++) {
    const rot = s % 2 === 1 ? R0 : R1;
    for (let r = 0; r < 4; r++) {
      x0 = (x0 + x1) >>> 0;
      x1 = (rotl(x1, rot[r]) ^ x0) >>> 0;
    }
    x0 = (x0 + ks[s % 3]) >>> 0;
    x1 = (x1 + ks[(s + 1) % 3] + s) >>> 0;
  }
  H[0] = x0; H[1] = x1;
  return H;
}

// ----------------------------------------------------------------- scalar draws
// A key is a pair of uint32 words. These mirror core/random's composites for shape ():
// split(key, n)[i] = threefry(key, (0, i)); bits = threefry(key, (0, 0)).

type Key = [number, number];
const fold = (k: Key, i: number): Key => { const h = threefry(k[0], k[1], 0, i); return [h[0], h[1]]; };
const ident = (x: number) => x;

/** uniform(key, (), dtype, lo, hi): mantissa bits as a float in [0, 1), then scaled, as JAX. */
function uniform(k: Key, single: boolean, lo = 0, hi = 1): number {
  const h = threefry(k[0], k[1], 0, 0);
  const R = single ? Math.fround : ident;
  const floats = single ? (((h[0] ^ h[1]) >>> 0) >>> 9) * 2 ** -23 : h[0] * 2 ** -32 + (h[1] >>> 12) * 2 ** -52;
  return Math.max(lo, R(R(floats * R(hi - lo)) + lo));
}

/** normal(key, (), dtype) = sqrt(2) erfinv(u), u uniform on (-1, 1). */
function normal(k: Key, single: boolean): number {
  const R = single ? Math.fround : ident;
  const lo = single ? -Math.fround(1 - 2 ** -24) : -(1 - 2 ** -53);
  return R(R(Math.SQRT2) * R(erfinv(uniform(k, single, lo, 1))));
}

/**
 * One Gamma(alpha, 1) draw (or its log), following jax.random's `_gamma_one`: Marsaglia &
 * Tsang, "A simple method for generating gamma variables" (2000), with alpha < 1 boosted
 * to alpha + 1 and multiplied by U^(1/alpha). Arithmetic is rounded to the dtype.
 */
function gammaOne(key: Key, alpha: number, logSpace: boolean, single: boolean): number {
  const R = single ? Math.fround : ident;
  const third = R(1 / 3), squeeze = R(0.0331);
  const boost = alpha >= 1;
  const a = boost ? alpha : R(alpha + 1);
  const d = R(a - third), c = R(third / R(Math.sqrt(d)));
  let k = fold(key, 0);
  const sub = fold(key, 1);
  let X = 0, V = 1, U = 2;
  for (let iter = 0; iter < 100000; iter++) {
    const rejected = U >= R(1 - R(squeeze * R(X * X))) && R(Math.log(U)) >= R(R(X * 0.5) + R(d * R(R(1 - V) + R(Math.log(V)))));
    if (!rejected) break;
    const xKey0 = fold(k, 1), uKey = fold(k, 2);
    k = fold(k, 0);
    let xKey = xKey0, x = 0, v = -1;
    for (let j = 0; v <= 0 && j < 100000; j++) {
      const s = fold(xKey, 1);
      xKey = fold(xKey, 0);
      x = normal(s, single);
      v = R(1 + R(x * c));
    }
    X = R(x * x); V = R(R(v * v) * v); U = uniform(uKey, single);
  }
  const u = uniform(sub, single);
  if (logSpace) {
    const logU = R(Math.log1p(-u));
    const logBoost = boost || logU === 0 ? 0 : R(logU * R(1 / alpha));
    return R(R(R(Math.log(d)) + R(Math.log(V))) + logBoost);
  }
  return R(R(d * V) * (boost ? 1 : R(Math.pow(R(1 - u), R(1 / alpha)))));
}

/**
 * One Poisson(lam) draw, as jax.random's `_poisson`: Knuth's multiplication method for
 * lam < 10, Hormann's transformed rejection (PTRS, "The transformed rejection method for
 * generating Poisson random variables", 1993) otherwise; lam = 0 gives 0, NaN gives -1.
 */
function poissonOne(key: Key, lam: number): number {
  if (lam === 0) return 0;
  if (Number.isNaN(lam) || lam < 0 || lam === Infinity) return -1;
  if (lam < 10) {
    let k = 0, logProd = 0, rng = key;
    while (logProd > -lam && k < 1e7) {
      const sub = fold(rng, 1);
      rng = fold(rng, 0);
      k += 1;
      logProd += Math.log(uniform(sub, true));
    }
    return k - 1;
  }
  const logLam = Math.log(lam), b = 0.931 + 2.53 * Math.sqrt(lam), a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  let rng = key;
  for (let iter = 0; iter < 1e7; iter++) {
    const k0 = fold(rng, 1), k1 = fold(rng, 2);
    rng = fold(rng, 0);
    const u = uniform(k0, true) - 0.5, v = uniform(k1, true), us = 0.5 - Math.abs(u);
    const k = Math.floor((2 * a / us + b) * u + lam + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    const s = Math.log((v * invAlpha) / (a / (us * us) + b));
    const t = -lam + k * logLam - lgamma(k + 1);
    if (s <= t) return k;
  }
  return -1;
}

const at = (x: CpuIn, i: number) => (x.aval.ndim === 0 ? x.data[0] : x.data[i]);

export const randomKernels = {
  threefry2x32: (([k0, k1, x0, x1], _p, [outAval]) => {
    const o0 = alloc(outAval), o1 = alloc(outAval);
    for (let i = 0; i < o0.length; i++) {
      const h = threefry(at(k0, i), at(k1, i), at(x0, i), at(x1, i));
      o0[i] = h[0]; o1[i] = h[1];
    }
    return [o0, o1];
  }) as Kernel<{}>,
  random_gamma: (([k0, k1, a], { logSpace }, [outAval]) => {
    const out = alloc(outAval), single = outAval.dtype === "float32";
    for (let i = 0; i < out.length; i++) out[i] = gammaOne([at(k0, i), at(k1, i)], at(a, i), logSpace, single);
    return [out];
  }) as Kernel<RandomGammaParams>,
  random_poisson: (([k0, k1, lam], _p, [outAval]) => {
    const out = alloc(outAval);
    for (let i = 0; i < out.length; i++) out[i] = poissonOne([at(k0, i), at(k1, i)], at(lam, i));
    return [out];
  }) as Kernel<{}>,
};
