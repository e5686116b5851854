// Laws of partitionable Threefry keys on random seeds and shapes (fast-check): determinism,
// split/foldIn symmetry, position-wise bits (a value depends on its index, not on the
// array's size or shape), and uniform's range.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { random } from "graft";
import { itF64 } from "../device";

const RUNS = process.env.GRAFT_DEEP ? 300 : 30;
const seed = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const smallShape = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 });

describe("random keys (properties)", () => {
  it("the same key gives the same numbers; split(key, n)[i] = foldIn(key, i)", () => {
    fc.assert(fc.property(seed, fc.integer({ min: 1, max: 6 }), (s, n) => {
      const key = random.key(s);
      expect(random.bits(key, [3]).js()).toEqual(random.bits(random.key(s), [3]).js());
      const keys = random.split(key, n).js() as number[][];
      keys.forEach((k, i) => expect(k).toEqual(random.foldIn(key, i).js()));
    }), { numRuns: RUNS });
  });

  it("bits at a position depend only on the row-major index", () => {
    fc.assert(fc.property(seed, smallShape, (s, shape) => {
      const key = random.key(s);
      const n = shape.reduce((a, b) => a * b, 1);
      const flat = Array.from(random.bits(key, shape).dataSync());
      expect(flat).toEqual(Array.from(random.bits(key, [n + 3]).dataSync()).slice(0, n));
    }), { numRuns: RUNS });
  });

  itF64("uniform lies in [minval, maxval) in float32 and float64", () => {
    fc.assert(fc.property(seed, fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
      fc.constantFrom("float32" as const, "float64" as const), (s, lo, width, dtype) => {
        const l = dtype === "float32" ? Math.fround(lo) : lo;
        const h = dtype === "float32" ? Math.fround(lo + width) : lo + width;
        fc.pre(h > l);
        const u = Array.from(random.uniform(random.key(s), [64], { dtype, minval: l, maxval: h }).dataSync());
        // floats * (maxval - minval) + minval can round up to maxval (as in JAX); never beyond.
        expect(u.every((v) => v >= l && v <= h)).toBe(true);
      }), { numRuns: RUNS });
  });
});
