// Shared by the SIMD math tests and bench: float64 references, ulp distance, test inputs.
/** The distance from got to the exact value want, in units of the last place of float32 at want. */
export function ulpError(got: number, want: number): number {
  if (Number.isNaN(want)) return Number.isNaN(got) ? 0 : Infinity;
  const w32 = Math.fround(want);
  if (!Number.isFinite(w32)) return got === w32 ? 0 : Infinity;
  if (!Number.isFinite(got)) return Infinity;
  const e = want === 0 ? -126 : Math.max(Math.floor(Math.log2(Math.abs(w32))), -126);
  return Math.abs(got - want) / 2 ** (e - 23);
}

/** float64 references (the exact value to ~1e-16, rounded to float32 below 0.5 ulp). */
export const REFERENCE: Record<string, (x: number) => number> = {
  exp: Math.exp, log: Math.log, expm1: Math.expm1, log1p: Math.log1p, tanh: Math.tanh,
  logistic: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  sin: Math.sin, cos: Math.cos, tan: Math.tan,
};

/** Random float32 inputs: log-uniform magnitudes over [2^lo, 2^hi] of both signs, plus uniform ones in [-u, u]. */
export function inputs(n: number, lo: number, hi: number, u: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const sign = rnd() < 0.5 ? -1 : 1;
    out[i] = i % 2 ? sign * 2 ** (lo + (hi - lo) * rnd()) : (2 * rnd() - 1) * u;
  }
  return out;
}
