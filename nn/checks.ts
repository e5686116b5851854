// Argument checks and spatial-geometry helpers shared by the conv, pooling, norm, attention
// and recurrent layers (kept apart from layers.ts so those files stay independent).
import { isArray, type NDArray } from "graft";

/** The `key` option of a constructor, or a TypeError naming the layer. */
export function checkKey(op: string, key: unknown): NDArray {
  if (!isArray(key)) throw new TypeError(`${op}: expected a PRNG key in \`key\` (random.key(seed)), got ${typeof key}.`);
  return key;
}

/** A non-negative (or, with `min`, at least `min`) integer option. */
export function checkSize(op: string, name: string, v: unknown, min = 0): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new TypeError(`${op}: ${name} must be an integer >= ${min}, got ${String(v)}.`);
  }
  return v;
}

/** A positive real option (eps, momentum). */
export function checkPositive(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) throw new TypeError(`${op}: ${name} must be a positive number, got ${String(v)}.`);
  return v;
}

/** A number (same for every spatial dim) or one integer per spatial dim. */
export function perDim(op: string, name: string, v: number | readonly number[], n: number, min: number): number[] {
  const out = typeof v === "number" ? new Array<number>(n).fill(v) : [...v];
  if (out.length !== n) throw new TypeError(`${op}: ${name} must be a number or ${n} numbers, got [${out.join(", ")}].`);
  out.forEach((d, i) => checkSize(op, `${name}[${i}]`, d, min));
  return out;
}

/**
 * Padding of the spatial dims: a number (both sides of every dim), one number per dim (both
 * sides), one [low, high] pair per dim, or a string as lax.convGeneralDilated takes it.
 */
export type PaddingSpec = number | readonly number[] | readonly (readonly [number, number])[] | "SAME" | "SAME_LOWER" | "VALID";

/** Explicit [low, high] pairs of a numeric PaddingSpec; strings are returned unchanged. */
export function padPairs(op: string, padding: PaddingSpec, n: number, allowNegative = false): [number, number][] | "SAME" | "SAME_LOWER" | "VALID" {
  if (padding === "SAME" || padding === "SAME_LOWER" || padding === "VALID") return padding;
  const bad = (): never => {
    throw new TypeError(`${op}: padding must be a number, ${n} numbers, ${n} [low, high] pairs, "SAME" or "VALID", got ${JSON.stringify(padding)}.`);
  };
  let pairs: [number, number][];
  if (typeof padding === "number") pairs = new Array(n).fill(0).map(() => [padding, padding]);
  else if (Array.isArray(padding) && padding.length === n && padding.every((p) => typeof p === "number")) {
    pairs = (padding as number[]).map((p) => [p, p]);
  } else if (Array.isArray(padding) && padding.length === n && padding.every((p) => Array.isArray(p) && p.length === 2)) {
    pairs = (padding as [number, number][]).map(([lo, hi]) => [lo, hi]);
  } else return bad();
  if (!pairs.every((p) => p.every((v) => Number.isInteger(v) && (allowNegative || v >= 0)))) bad();
  return pairs;
}

/**
 * XLA/JAX "SAME" pads for one dim: output ceil(L / s), total pad max((out - 1) s + k - L, 0),
 * the odd element at the end ("SAME") or the start ("SAME_LOWER"); "VALID" is no padding.
 */
export function stringPads(mode: "SAME" | "SAME_LOWER" | "VALID", sizes: readonly number[], windows: readonly number[], strides: readonly number[]): [number, number][] {
  return sizes.map((L, i) => {
    if (mode === "VALID") return [0, 0];
    const out = Math.ceil(L / strides[i]!);
    const total = Math.max((out - 1) * strides[i]! + windows[i]! - L, 0);
    const small = Math.floor(total / 2);
    return mode === "SAME" ? [small, total - small] : [total - small, small];
  });
}

/** Checks one channels-first example `[C, ...spatial]` and returns its spatial shape. */
export function checkChannelsFirst(op: string, x: NDArray, n: number, channels: number | null): number[] {
  if (x.ndim !== n + 1 || (channels !== null && x.shape[0] !== channels)) {
    const want = channels === null ? "C" : String(channels);
    throw new TypeError(`${op}: expected one example of shape [${[want, ...new Array(n).fill("...")].join(", ")}] (channels first, ${n} spatial dim${n === 1 ? "" : "s"}), got [${x.shape.join(", ")}]; use vmap for a batch.`);
  }
  return x.shape.slice(1);
}

/** Float dtypes layers may be built in. */
export type FloatDType = "float32" | "float64";
