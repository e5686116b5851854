// FFT plans for the CPU backend: a mixed-radix Stockham autosort FFT (radices 4, 2, 3, 5
// and a generic odd radix for small primes) and Bluestein's chirp-z algorithm for lengths
// with a large prime factor, all O(n log n). Data is interleaved (re, im) float64, the
// layout complex128 arrays have, so transforms run in place in the output buffer; a plan
// transforms `inner` interleaved sequences at once (element t of sequence q at q + inner*t),
// which makes transforms along non-contiguous axes run with unit-stride inner loops.
// Twiddles are computed once per length in float64 and plans are cached.
// References: Van Loan, "Computational Frameworks for the FFT" (Stockham, ch. 1.7);
// pocketfft (radix choice, Bluestein for large primes); Bluestein (1970) / Rabiner et al.
// (1969) for the chirp-z transform.

/** Largest prime handled by the generic odd radix; longer prime factors go to Bluestein. */
const MAX_GENERIC_RADIX = 31;

interface Stage {
  p: number;
  /** Sub-transform length after this stage (n_cur / p). */
  m: number;
  /** Forward twiddles w^(j u) of n_cur = p m for j < m, u = 1..p-1: tw[2 (j (p-1) + u - 1) + {0: re, 1: im}]. */
  tw: Float64Array;
  /** Generic radix only: cos/sin of 2 pi r / p. */
  cs?: Float64Array;
}

/**
 * [cos, sin] of 2 pi k / n by octant reduction: exact at multiples of pi/4 (cos(pi/2) is 0,
 * not 6e-17) and symmetric, so real inputs keep exactly real DC/Nyquist terms.
 */
export function sincos2pi(k: number, n: number): [number, number] {
  k = ((k % n) + n) % n;
  const k8 = 8 * k, oct = Math.floor(k8 / n), r = k8 - oct * n;
  const phi = (Math.PI / 4) * (r / n), psi = (Math.PI / 4) * ((n - r) / n);
  const cf = Math.cos(phi), sf = Math.sin(phi), cp = Math.cos(psi), sp = Math.sin(psi);
  switch (oct) {
    case 0: return [cf, sf];
    case 1: return [sp, cp];
    case 2: return [-sf, cf];
    case 3: return [-cp, sp];
    case 4: return [-cf, -sf];
    case 5: return [-sp, -cp];
    case 6: return [sf, -cf];
    default: return [cp, -sp];
  }
}

function factorize(n: number): number[] {
  const f: number[] = [];
  // Radix 4 first (radix 8 measured slower in V8: too many live values per butterfly).
  while (n % 4 === 0) { f.push(4); n /= 4; }
  while (n % 2 === 0) { f.push(2); n /= 2; }
  for (let p = 3; p * p <= n; p += 2) while (n % p === 0) { f.push(p); n /= p; }
  if (n > 1) f.push(n);
  return f;
}

/** The ping-pong buffer of Stockham passes, shared by all plans (exec never nests). */
let scratch = new Float64Array(0);

export class FftPlan {
  readonly stages: Stage[] = [];
  readonly blue: Bluestein | null = null;

  constructor(readonly n: number) {
    const factors = factorize(n);
    if (n > 1 && factors[factors.length - 1] > MAX_GENERIC_RADIX) { this.blue = new Bluestein(n); return; }
    let ncur = n;
    for (const p of factors) {
      const m = ncur / p;
      const tw = new Float64Array(2 * m * (p - 1));
      for (let j = 0; j < m; j++) {
        for (let u = 1; u < p; u++) {
          const [c, sn] = sincos2pi(j * u, ncur);
          const k = 2 * (j * (p - 1) + u - 1);
          tw[k] = c; tw[k + 1] = -sn;
        }
      }
      const stage: Stage = { p, m, tw };
      if (p !== 2 && p !== 3 && p !== 4 && p !== 5) {
        stage.cs = new Float64Array(2 * p);
        for (let r = 0; r < p; r++) [stage.cs[2 * r], stage.cs[2 * r + 1]] = sincos2pi(r, p);
      }
      this.stages.push(stage);
      ncur = m;
    }
  }

  /**
   * In-place unnormalised DFT (forward: exp(-2 pi i t k / n); inverse: exp(+...)) of the
   * `inner` complex sequences stored interleaved at x[2 (off + q + inner t) + {0, 1}],
   * q < inner, t < n.
   */
  exec(x: Float64Array, off: number, inner: number, inverse: boolean): void {
    const n = this.n, size = 2 * n * inner;
    if (n === 1) return;
    if (this.blue) { this.blue.exec(x, off, inner, inverse); return; }
    if (scratch.length < size) scratch = new Float64Array(size);
    let a: Float64Array = off === 0 && x.length === size ? x : x.subarray(2 * off, 2 * off + size);
    let b: Float64Array = scratch.length === size ? scratch : scratch.subarray(0, size);
    const sg = inverse ? -1 : 1;
    let s = inner, inScratch = false;
    const stages = this.stages;
    for (let k = 0; k < stages.length; k++) {
      const st = stages[k];
      switch (st.p) {
        case 4: radix4(a, b, st.m, s, st.tw, sg); break;
        case 2: radix2(a, b, st.m, s, st.tw, sg); break;
        case 3: radix3(a, b, st.m, s, st.tw, sg); break;
        case 5: radix5(a, b, st.m, s, st.tw, sg); break;
        default: radixGeneric(a, b, st.p, st.m, s, st.tw, st.cs!, sg);
      }
      s *= st.p;
      const t = a; a = b; b = t;
      inScratch = !inScratch;
    }
    // After an odd number of stages the result sits in the scratch buffer.
    if (inScratch) x.set(a, 2 * off);
  }
}

// Each radix-p stage reads a[r] = x[q + s (j + r m)] and writes
// y[q + s (p j + u)] = w^(j u) * sum_r a[r] W_p^(r u), for j < m and q < s (decimation in
// frequency, self-sorting). Indices below are of complex elements, times 2 for the float
// arrays. `sg` = +1 for the forward transform, -1 for the inverse.

function radix2(x: Float64Array, y: Float64Array, m: number, s: number, tw: Float64Array, sg: number): void {
  const sm2 = 2 * s * m, s2 = 2 * s;
  for (let j = 0; j < m; j++) {
    const wr = tw[2 * j], wi = sg * tw[2 * j + 1];
    for (let q = 0, a = 2 * s * j, o = 4 * s * j; q < s; q++, a += 2, o += 2) {
      const b = a + sm2;
      const ar = x[a], ai = x[a + 1], br = x[b], bi = x[b + 1];
      const dr = ar - br, di = ai - bi;
      y[o] = ar + br; y[o + 1] = ai + bi;
      y[o + s2] = dr * wr - di * wi; y[o + s2 + 1] = dr * wi + di * wr;
    }
  }
}

function radix4(x: Float64Array, y: Float64Array, m: number, s: number, tw: Float64Array, sg: number): void {
  const sm2 = 2 * s * m, s2 = 2 * s;
  for (let j = 0; j < m; j++) {
    const k = 6 * j;
    const w1r = tw[k], w1i = sg * tw[k + 1], w2r = tw[k + 2], w2i = sg * tw[k + 3], w3r = tw[k + 4], w3i = sg * tw[k + 5];
    for (let q = 0, a0 = 2 * s * j, o = 8 * s * j; q < s; q++, a0 += 2, o += 2) {
      const a1 = a0 + sm2, a2 = a1 + sm2, a3 = a2 + sm2;
      const x0r = x[a0], x0i = x[a0 + 1], x1r = x[a1], x1i = x[a1 + 1], x2r = x[a2], x2i = x[a2 + 1], x3r = x[a3], x3i = x[a3 + 1];
      const t0r = x0r + x2r, t0i = x0i + x2i, t1r = x0r - x2r, t1i = x0i - x2i;
      const t2r = x1r + x3r, t2i = x1i + x3i;
      // (-i sg) (x1 - x3)
      const t3r = sg * (x1i - x3i), t3i = -sg * (x1r - x3r);
      y[o] = t0r + t2r; y[o + 1] = t0i + t2i;
      const b1r = t1r + t3r, b1i = t1i + t3i, b2r = t0r - t2r, b2i = t0i - t2i, b3r = t1r - t3r, b3i = t1i - t3i;
      const o1 = o + s2, o2 = o1 + s2, o3 = o2 + s2;
      y[o1] = b1r * w1r - b1i * w1i; y[o1 + 1] = b1r * w1i + b1i * w1r;
      y[o2] = b2r * w2r - b2i * w2i; y[o2 + 1] = b2r * w2i + b2i * w2r;
      y[o3] = b3r * w3r - b3i * w3i; y[o3 + 1] = b3r * w3i + b3i * w3r;
    }
  }
}

const SIN60 = Math.sqrt(3) / 2;

function radix3(x: Float64Array, y: Float64Array, m: number, s: number, tw: Float64Array, sg: number): void {
  const sm2 = 2 * s * m, s2 = 2 * s, c = -sg * SIN60;
  for (let j = 0; j < m; j++) {
    const k = 4 * j;
    const w1r = tw[k], w1i = sg * tw[k + 1], w2r = tw[k + 2], w2i = sg * tw[k + 3];
    for (let q = 0, a0 = 2 * s * j, o = 6 * s * j; q < s; q++, a0 += 2, o += 2) {
      const a1 = a0 + sm2, a2 = a1 + sm2;
      const x0r = x[a0], x0i = x[a0 + 1];
      const tr = x[a1] + x[a2], ti = x[a1 + 1] + x[a2 + 1];
      const dr = x[a1] - x[a2], di = x[a1 + 1] - x[a2 + 1];
      const mr = x0r - 0.5 * tr, mi = x0i - 0.5 * ti;
      // i c d, with c = -sg sin(60)
      const nr = -c * di, ni = c * dr;
      y[o] = x0r + tr; y[o + 1] = x0i + ti;
      const b1r = mr + nr, b1i = mi + ni, b2r = mr - nr, b2i = mi - ni;
      const o1 = o + s2, o2 = o1 + s2;
      y[o1] = b1r * w1r - b1i * w1i; y[o1 + 1] = b1r * w1i + b1i * w1r;
      y[o2] = b2r * w2r - b2i * w2i; y[o2 + 1] = b2r * w2i + b2i * w2r;
    }
  }
}

const C1 = Math.cos((2 * Math.PI) / 5), C2 = Math.cos((4 * Math.PI) / 5);
const S1 = Math.sin((2 * Math.PI) / 5), S2 = Math.sin((4 * Math.PI) / 5);

function radix5(x: Float64Array, y: Float64Array, m: number, s: number, tw: Float64Array, sg: number): void {
  const sm2 = 2 * s * m, s2 = 2 * s;
  for (let j = 0; j < m; j++) {
    const k = 8 * j;
    const w1r = tw[k], w1i = sg * tw[k + 1], w2r = tw[k + 2], w2i = sg * tw[k + 3];
    const w3r = tw[k + 4], w3i = sg * tw[k + 5], w4r = tw[k + 6], w4i = sg * tw[k + 7];
    for (let q = 0, a0 = 2 * s * j, o = 10 * s * j; q < s; q++, a0 += 2, o += 2) {
      const a1 = a0 + sm2, a2 = a1 + sm2, a3 = a2 + sm2, a4 = a3 + sm2;
      const x0r = x[a0], x0i = x[a0 + 1];
      const t1r = x[a1] + x[a4], t1i = x[a1 + 1] + x[a4 + 1], t3r = x[a1] - x[a4], t3i = x[a1 + 1] - x[a4 + 1];
      const t2r = x[a2] + x[a3], t2i = x[a2 + 1] + x[a3 + 1], t4r = x[a2] - x[a3], t4i = x[a2 + 1] - x[a3 + 1];
      const m1r = x0r + C1 * t1r + C2 * t2r, m1i = x0i + C1 * t1i + C2 * t2i;
      const m2r = x0r + C2 * t1r + C1 * t2r, m2i = x0i + C2 * t1i + C1 * t2i;
      const n1r = S1 * t3r + S2 * t4r, n1i = S1 * t3i + S2 * t4i;
      const n2r = S2 * t3r - S1 * t4r, n2i = S2 * t3i - S1 * t4i;
      // (-i sg) n = (sg n.im, -sg n.re)
      const r1r = sg * n1i, r1i = -sg * n1r, r2r = sg * n2i, r2i = -sg * n2r;
      y[o] = x0r + t1r + t2r; y[o + 1] = x0i + t1i + t2i;
      const b1r = m1r + r1r, b1i = m1i + r1i, b4r = m1r - r1r, b4i = m1i - r1i;
      const b2r = m2r + r2r, b2i = m2i + r2i, b3r = m2r - r2r, b3i = m2i - r2i;
      const o1 = o + s2, o2 = o1 + s2, o3 = o2 + s2, o4 = o3 + s2;
      y[o1] = b1r * w1r - b1i * w1i; y[o1 + 1] = b1r * w1i + b1i * w1r;
      y[o2] = b2r * w2r - b2i * w2i; y[o2 + 1] = b2r * w2i + b2i * w2r;
      y[o3] = b3r * w3r - b3i * w3i; y[o3 + 1] = b3r * w3i + b3i * w3r;
      y[o4] = b4r * w4r - b4i * w4i; y[o4 + 1] = b4r * w4i + b4i * w4r;
    }
  }
}

/** Any odd radix p: pairs r and p - r share cos(2 pi r u / p), halving the work. */
function radixGeneric(x: Float64Array, y: Float64Array, p: number, m: number, s: number, tw: Float64Array, cs: Float64Array, sg: number): void {
  const sm2 = 2 * s * m, s2 = 2 * s, h = (p - 1) / 2;
  const tr = new Float64Array(h + 1), ti = new Float64Array(h + 1), dr = new Float64Array(h + 1), di = new Float64Array(h + 1);
  for (let j = 0; j < m; j++) {
    const k0 = 2 * j * (p - 1);
    for (let q = 0, a0 = 2 * s * j, o = 2 * p * s * j; q < s; q++, a0 += 2, o += 2) {
      const x0r = x[a0], x0i = x[a0 + 1];
      let sumr = x0r, sumi = x0i;
      for (let r = 1; r <= h; r++) {
        const a = a0 + r * sm2, b = a0 + (p - r) * sm2;
        tr[r] = x[a] + x[b]; ti[r] = x[a + 1] + x[b + 1];
        dr[r] = x[a] - x[b]; di[r] = x[a + 1] - x[b + 1];
        sumr += tr[r]; sumi += ti[r];
      }
      y[o] = sumr; y[o + 1] = sumi;
      for (let u = 1; u <= h; u++) {
        let mr = x0r, mi = x0i, nr = 0, ni = 0;
        for (let r = 1; r <= h; r++) {
          const idx = (r * u) % p;
          const c = cs[2 * idx], sn = cs[2 * idx + 1];
          mr += c * tr[r]; mi += c * ti[r];
          nr += sn * dr[r]; ni += sn * di[r];
        }
        // b_u = m + (-i sg) n, b_{p-u} = m - (-i sg) n
        const rr = sg * ni, ri = -sg * nr;
        const bur = mr + rr, bui = mi + ri, bvr = mr - rr, bvi = mi - ri;
        const ku = k0 + 2 * (u - 1), kv = k0 + 2 * (p - u - 1);
        const wur = tw[ku], wui = sg * tw[ku + 1], wvr = tw[kv], wvi = sg * tw[kv + 1];
        const ou = o + u * s2, ov = o + (p - u) * s2;
        y[ou] = bur * wur - bui * wui; y[ou + 1] = bur * wui + bui * wur;
        y[ov] = bvr * wvr - bvi * wvi; y[ov + 1] = bvr * wvi + bvi * wvr;
      }
    }
  }
}

/**
 * Bluestein's algorithm: with the chirp w_t = exp(-i pi t^2 / n), X_k = w_k sum_t (x_t w_t)
 * conj(w_(k-t)), a circular convolution of length M >= 2n - 1 (a power of two) done with
 * two FFTs; the kernel's FFT is precomputed. t^2 is reduced mod 2n exactly (t^2 < 2^53).
 */
class Bluestein {
  readonly m: number;
  readonly plan: FftPlan;
  /** The chirp, interleaved. */
  readonly w: Float64Array;
  #kernel: Float64Array[] = [];
  #a: Float64Array;

  constructor(readonly n: number) {
    let m = 1;
    while (m < 2 * n - 1) m *= 2;
    this.m = m;
    this.plan = getPlan(m);
    this.w = new Float64Array(2 * n);
    for (let t = 0; t < n; t++) {
      const [c, sn] = sincos2pi((t * t) % (2 * n), 2 * n);
      this.w[2 * t] = c; this.w[2 * t + 1] = -sn;
    }
    this.#a = new Float64Array(2 * m);
  }

  /** FFT_M of the circular kernel conj(w_t) (forward) or w_t (inverse), cached. */
  private kernel(inverse: boolean): Float64Array {
    const k = inverse ? 1 : 0;
    if (!this.#kernel[k]) {
      const { n, m, w } = this;
      const b = new Float64Array(2 * m);
      const s = inverse ? 1 : -1;
      for (let t = 0; t < n; t++) {
        b[2 * t] = w[2 * t]; b[2 * t + 1] = s * w[2 * t + 1];
        if (t > 0) { b[2 * (m - t)] = b[2 * t]; b[2 * (m - t) + 1] = b[2 * t + 1]; }
      }
      this.plan.exec(b, 0, 1, false);
      this.#kernel[k] = b;
    }
    return this.#kernel[k];
  }

  exec(x: Float64Array, off: number, inner: number, inverse: boolean): void {
    const { n, m, w } = this;
    const bk = this.kernel(inverse);
    const a = this.#a;
    const s = inverse ? -1 : 1;
    const scale = 1 / m;
    for (let q = 0; q < inner; q++) {
      a.fill(0);
      for (let t = 0; t < n; t++) {
        const p = 2 * (off + q + inner * t);
        const xr = x[p], xi = x[p + 1], cr = w[2 * t], ci = s * w[2 * t + 1];
        a[2 * t] = xr * cr - xi * ci; a[2 * t + 1] = xr * ci + xi * cr;
      }
      this.plan.exec(a, 0, 1, false);
      for (let k = 0; k < 2 * m; k += 2) {
        const xr = a[k], xi = a[k + 1], br = bk[k], bi = bk[k + 1];
        a[k] = xr * br - xi * bi; a[k + 1] = xr * bi + xi * br;
      }
      this.plan.exec(a, 0, 1, true);
      for (let k = 0; k < n; k++) {
        const p = 2 * (off + q + inner * k);
        const xr = a[2 * k] * scale, xi = a[2 * k + 1] * scale, cr = w[2 * k], ci = s * w[2 * k + 1];
        x[p] = xr * cr - xi * ci; x[p + 1] = xr * ci + xi * cr;
      }
    }
  }
}

const plans = new Map<number, FftPlan>();
const MAX_PLANS = 64;

/** The cached plan for length n (least recently used plans are dropped beyond 64). */
export function getPlan(n: number): FftPlan {
  let p = plans.get(n);
  if (p) { plans.delete(n); plans.set(n, p); return p; }
  p = new FftPlan(n);
  plans.set(n, p);
  if (plans.size > MAX_PLANS) plans.delete(plans.keys().next().value!);
  return p;
}
