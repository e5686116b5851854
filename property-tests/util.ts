// Shared helpers for the property tests: the run count, a naive row-major indexer over flat
// data (the plain-JS reference every property compares against), NumPy broadcasting index
// math, and float comparisons with tolerance.
import fc, { type Arbitrary } from "fast-check";
import { expect } from "vitest";
import type { NDArray } from "graft";
import { shapes } from "graft/testing";

/** fast-check runs per property: quick by default, deep with GRAFT_DEEP=1. */
export const RUNS = process.env.GRAFT_DEEP ? 500 : 40;

/** Number of elements of a shape. */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Row-major strides, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = acc;
    acc *= shape[i];
  }
  return out;
}

/** Flat row-major position -> multi-index. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return idx;
}

/** Multi-index -> flat row-major position. */
export function ravelIndex(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i] + idx[i];
  return flat;
}

/** The element at a multi-index of flat row-major data. */
export const elementAt = (data: ArrayLike<number>, shape: readonly number[], idx: readonly number[]): number =>
  data[ravelIndex(idx, shape)];

/** NumPy broadcasting of shapes, written independently of the library; null when incompatible. */
export function naiveBroadcast(...shapes: (readonly number[])[]): number[] | null {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let j = 0; j < rank; j++) {
    let side = 1;
    for (const s of shapes) {
      const k = j - (rank - s.length);
      if (k < 0) continue;
      const d = s[k];
      if (d === 1) continue;
      if (side !== 1 && side !== d) return null;
      side = d;
    }
    out.push(side);
  }
  return out;
}

/** Flat position in an input of `inShape` read by output multi-index `outIdx` (size-1 dims pinned to 0). */
export function broadcastSource(outIdx: readonly number[], inShape: readonly number[]): number {
  const lead = outIdx.length - inShape.length;
  return ravelIndex(inShape.map((d, i) => (d === 1 ? 0 : outIdx[lead + i])), inShape);
}

/** Flat data of an array as plain numbers (bool as 0/1). */
export const flat = (x: NDArray): number[] => Array.from(x.dataSync());

/**
 * Input flat positions grouped by output position of a reduction over `axes`: group `o`
 * lists, in row-major order, the inputs reduced into output element `o` (row-major over the
 * kept axes). Also what `sort` sees as the lanes of one axis.
 */
export function reductionGroups(shape: readonly number[], axes: readonly number[]): number[][] {
  const keep = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groups: number[][] = Array.from({ length: sizeOf(keep) }, () => []);
  const n = sizeOf(shape);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    groups[ravelIndex(idx.map((v, k) => (axes.includes(k) ? 0 : v)), keep)].push(i);
  }
  return groups;
}

/** Equal as stored values: NaN equals NaN, and 0 equals -0. */
export const sameValue = (a: number, b: number): boolean => a === b || (a !== a && b !== b);

/** Exact elementwise equality (NaN-aware), with the first mismatch in the failure message. */
export function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>, what = "values"): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!sameValue(actual[i], expected[i])) {
      expect.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/** |a - b| <= tol, NaN matching NaN and infinities matching themselves. */
export function closeTo(a: number, b: number, tol: number): boolean {
  if (a !== a || b !== b) return a !== a && b !== b;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= tol;
}

/** Elementwise `closeTo` with a tolerance per element (or one for all). */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number | ArrayLike<number>,
  what = "values",
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const t = typeof tol === "number" ? tol : tol[i];
    if (!closeTo(actual[i], expected[i], t)) {
      expect.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} within ${t}`);
    }
  }
}

/** A permutation of 0..n-1. */
export const permutation = (n: number): Arbitrary<number[]> =>
  fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });

/** The inverse of a permutation. */
export function inversePermutation(p: readonly number[]): number[] {
  const inv = new Array<number>(p.length);
  p.forEach((v, i) => { inv[v] = i; });
  return inv;
}

/** An axis written as given or counted from the end (`a - ndim`). */
export const maybeNegative = (a: number, ndim: number): Arbitrary<number> => fc.constantFrom(a, a - ndim);

/** Python's `slice(start, stop, step).indices(n)` expanded to the selected positions (CPython's rules). */
export function pySliceSelect(n: number, start: number | null, stop: number | null, step: number | null): number[] {
  const st = step ?? 1;
  const [lower, upper] = st > 0 ? [0, n] : [-1, n - 1];
  const fix = (v: number | null, dflt: number) =>
    v === null ? dflt : v < 0 ? Math.max(v + n, lower) : Math.min(v, upper);
  const s = fix(start, st > 0 ? lower : upper);
  const e = fix(stop, st > 0 ? upper : lower);
  const out: number[] = [];
  for (let i = s; st > 0 ? i < e : i > e; i += st) out.push(i);
  return out;
}

/**
 * Shapes for tests: mostly non-empty (every side >= 1), sometimes with zero-length sides, so
 * that empty arrays are covered without making most cases trivial.
 */
export function testShapes(opts: { minRank?: number; maxRank?: number; maxSide?: number } = {}): Arbitrary<number[]> {
  const { minRank = 0, maxRank = 4, maxSide = 4 } = opts;
  return fc.oneof(
    { weight: 4, arbitrary: shapes({ minRank, maxRank, minSide: 1, maxSide }) },
    { weight: 1, arbitrary: shapes({ minRank, maxRank, minSide: 0, maxSide }) },
  );
}
