// Goodness-of-fit helpers for the random tests, against the scipy tables in
// test/fixtures/random.json (see gen_random.py).
import fixtures from "../fixtures/random.json";

export const F = fixtures as unknown as {
  quantiles: Record<string, { x: number[]; mean: number; var: number; kurt: number }>;
  q: number[];
  poisson: Record<string, { pmf: number[]; mean: number; var: number }>;
  chi2_999: Record<string, number>;
  ks_999: number;
  gamma_grad: { a: number; q: number; x: number; dxda: number }[];
  erfinv: [number, number][];
};

/** Number of sorted values <= v. */
function countLe(sorted: Float64Array, v: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid] <= v) lo = mid + 1; else hi = mid; }
  return lo;
}

/**
 * Kolmogorov-Smirnov statistic of `samples` against a distribution given by its quantiles
 * x_k at q_k (scipy ppf): max_k |F_n(x_k) - q_k|, optionally after mapping the table
 * (x -> loc + scale x). A lower bound of the full statistic sup_x |F_n(x) - F(x)|.
 */
export function ksGrid(samples: ArrayLike<number>, table: string, loc = 0, scale = 1): number {
  const s = Float64Array.from(samples).sort();
  const { x } = F.quantiles[table];
  let d = 0;
  x.forEach((xk, k) => { d = Math.max(d, Math.abs(countLe(s, loc + scale * xk) / s.length - F.q[k])); });
  return d;
}

/** The KS critical value at level 0.001 for n samples (asymptotic Kolmogorov distribution). */
export const ksCritical = (n: number): number => F.ks_999 / Math.sqrt(n);

export function moments(samples: ArrayLike<number>): { mean: number; var: number } {
  const n = samples.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += samples[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (samples[i] - m) ** 2;
  return { mean: m, var: v / (n - 1) };
}

/**
 * Pearson's chi-square statistic of integer samples against pmf[k] (k = 0..K-1), pooling
 * cells so each expects at least 5 counts (the tail beyond the table joins the last cell).
 * Returns the statistic and its 0.999 critical value.
 */
export function chiSquare(samples: ArrayLike<number>, pmf: readonly number[]): { stat: number; critical: number } {
  const n = samples.length;
  const counts = new Array<number>(pmf.length).fill(0);
  for (let i = 0; i < n; i++) {
    const k = samples[i];
    if (!Number.isInteger(k) || k < 0) throw new Error(`chiSquare: bad sample ${k}`);
    counts[Math.min(k, pmf.length - 1)]++;
  }
  const probs = pmf.slice();
  probs[probs.length - 1] += 1 - probs.reduce((a, b) => a + b, 0);
  const cells: { obs: number; exp: number }[] = [];
  let acc = { obs: 0, exp: 0 };
  probs.forEach((p, k) => {
    acc.obs += counts[k]; acc.exp += p * n;
    if (acc.exp >= 5) { cells.push(acc); acc = { obs: 0, exp: 0 }; }
  });
  if (acc.exp > 0) { const last = cells[cells.length - 1]; last.obs += acc.obs; last.exp += acc.exp; }
  const stat = cells.reduce((s, c) => s + (c.obs - c.exp) ** 2 / c.exp, 0);
  return { stat, critical: F.chi2_999[String(cells.length - 1)] };
}

/** Pearson correlation of two equal-length samples. */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = moments(a), mb = moments(b);
  let c = 0;
  for (let i = 0; i < a.length; i++) c += (a[i] - ma.mean) * (b[i] - mb.mean);
  return c / (a.length - 1) / Math.sqrt(ma.var * mb.var);
}
